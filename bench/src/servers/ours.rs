//! Ours: `mcp-runtime`, used the way its README shows (`#[tool]` functions, `progress!`).

use std::time::Duration;

use mcp_runtime::{CallToolResult, Server, ToolDef, progress, tool};

use crate::spec;

/// Echo the text back.
#[tool]
async fn echo(
    /// The text to echo.
    text: String,
) -> String {
    text
}

/// Report `frames` progress notifications, `delay_ms` apart, then answer "done".
#[tool(name = "progress")]
async fn progress_tool(
    /// How many progress notifications to send.
    #[arg(default = 10)]
    frames: u32,
    /// Milliseconds to wait before each notification.
    #[arg(default = 0)]
    delay_ms: u64,
) -> String {
    for i in 1..=frames {
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        progress!(i, frames, "{}", spec::progress_message(i, frames));
    }
    "done".to_owned()
}

/// The two tools that do work, as `#[tool]` derives them.
pub fn working_tools() -> Vec<ToolDef> {
    vec![echo_tool(), progress_tool_tool()]
}

/// The MCP endpoint with every tool of [`spec::tools`], all in one `tools/list` page.
pub fn router() -> axum::Router {
    server().router()
}

/// The server behind [`router`], to configure further.
pub fn server() -> Server {
    // Workload d keeps 10,000 calls in flight on as many connections, and e opens 10,200
    // sessions from one address: past the default limits (1,000 calls, 4,096 connections,
    // 10,000 sessions, 1,000 per client) of a server on the open internet, so they are
    // raised as an operator expecting that load would. Workload i puts the per-client
    // quota back to its default (`MCP_MAX_SESSIONS_PER_CLIENT`): its flood is meant to hit it.
    let mut server = Server::new("bench")
        .page_size(spec::TOOL_COUNT)
        .max_concurrent_calls(20_000)
        .max_connections(20_000)
        .max_sessions(20_000)
        .max_sessions_per_client(20_000)
        .tool(echo_tool())
        .tool(progress_tool_tool());
    for filler in spec::tools().into_iter().skip(2) {
        let schema = serde_json::Value::Object(filler.input_schema);
        let def = ToolDef::new(filler.name, schema, |_args| async {
            CallToolResult::text("filler")
        })
        .description(filler.description);
        server = server.tool(def);
    }
    server.path(spec::PATH)
}
