//! Asking the user before doing something that cannot be undone: `delete_files` shows the
//! user what it is about to delete and deletes only what they confirm.
//!
//! ```text
//! cargo run -p examples --example confirm_delete     # serve on http://127.0.0.1:8000/mcp
//! ```
//!
//! The same code serves both protocol eras. With a 2025 client (initialize handshake) the
//! question travels to the client as an `elicitation/create` request while the tool waits.
//! With a 2026-07-28 client the call is answered with an `InputRequiredResult`, the client
//! asks the user and calls again with the answer, and the tool runs again from the top:
//! so it deletes only *after* it has its answer, never before a question.

use std::collections::BTreeSet;
use std::sync::Mutex;

use mcp_runtime::peer::Elicited;
use mcp_runtime::{Context, Server, State, ToolError, tool};
use schemars::JsonSchema;
use serde::Deserialize;

/// The files this server manages (a stand-in for a real file system).
pub struct Files(Mutex<BTreeSet<String>>);

impl Files {
    /// A set of files with these names.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self(Mutex::new(names.into_iter().map(str::to_owned).collect()))
    }

    fn matching(&self, pattern: &str) -> Vec<String> {
        let files = self.0.lock().unwrap_or_else(|e| e.into_inner());
        files
            .iter()
            .filter(|f| f.contains(pattern))
            .cloned()
            .collect()
    }

    fn remove(&self, names: &[String]) {
        let mut files = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for name in names {
            files.remove(name);
        }
    }
}

/// The form the user fills in.
#[derive(Deserialize, JsonSchema)]
struct Confirmation {
    /// Delete these files?
    confirm: bool,
    /// Why (kept in the log).
    #[serde(default)]
    reason: String,
}

/// Delete every file whose name contains `pattern`, after the user confirms.
#[tool(destructive)]
pub async fn delete_files(
    /// Part of the names of the files to delete.
    pattern: String,
    files: State<Files>,
    ctx: Context,
) -> Result<String, ToolError> {
    let doomed = files.matching(&pattern);
    if doomed.is_empty() {
        return Ok(format!("No file matches {pattern:?}."));
    }
    // First every input, then the side effect.
    let question = format!("Delete {} file(s): {}?", doomed.len(), doomed.join(", "));
    match ctx.elicit::<Confirmation>(question).await? {
        Elicited::Accept(Confirmation {
            confirm: true,
            reason,
        }) => {
            files.remove(&doomed);
            Ok(format!("Deleted {} ({reason}).", doomed.join(", ")))
        }
        Elicited::Accept(_) | Elicited::Decline => Ok("Nothing deleted: the user said no.".into()),
        _ => Ok("Nothing deleted: the user dismissed the question.".into()),
    }
}

/// The example server.
pub fn server() -> Server {
    Server::new("confirm-delete")
        .state(Files::new(["notes.txt", "draft-1.md", "draft-2.md"]))
        .tool(delete_files_tool())
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    server().serve().await
}
