//! The official TypeScript SDK (`@modelcontextprotocol/sdk`, see `tests/clients/package.json`)
//! against a real server, in the handshake era: connect and list tools, progress, cancellation
//! through an `AbortSignal`, resumption after a dropped connection (automatic, and with an
//! explicit `resumptionToken` in a new client), and `terminateSession()`. The checks are in
//! `tests/clients/typescript/sdk_client.mjs`; this side serves the tools and then checks, from
//! the server's own state, that what the client saw is what happened. Resources (text and
//! blob), a template, a prompt and completion are listed, read, got and completed too, and a
//! subscription to a resource hears of its update.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_runtime::prompt::PromptMessage;
use mcp_runtime::resource::Blob;
use mcp_runtime::{Content, Json, Server, State, progress, prompt, resource, tool};
use schemars::JsonSchema;
use serde::Serialize;
use tests::TestServer;
use tests::clients::{self, run_client};

/// Tell the clients watching `greetings://hello` that it changed.
#[tool]
async fn touch_hello(ctx: mcp_runtime::Context) -> &'static str {
    if let Some(server) = ctx.server() {
        server.resource_updated("greetings://hello");
    }
    "touched"
}

/// A greeting, as text.
#[resource(uri = "greetings://hello", mime = "text/plain")]
async fn hello() -> &'static str {
    "Hello!"
}

/// Three bytes.
#[resource(uri = "greetings://bytes", mime = "application/octet-stream")]
async fn bytes() -> Blob {
    Blob(vec![1, 2, 3])
}

/// A greeting in a language.
#[resource(uri = "greetings://{language}", mime = "text/plain")]
async fn greeting(
    /// The language.
    #[arg(complete = languages)]
    language: String,
) -> String {
    match language.as_str() {
        "fr" => "Bonjour !".to_owned(),
        _ => "Hello!".to_owned(),
    }
}

/// Languages starting with the prefix.
async fn languages(prefix: String) -> Vec<String> {
    ["de", "en", "fr"]
        .into_iter()
        .filter(|l| l.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// Ask to greet someone.
#[prompt(title = "Greet")]
async fn greet(
    /// Who to greet.
    name: String,
    /// In which language.
    #[arg(complete = languages)]
    language: Option<String>,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(format!(
            "Greet {name} in {}.",
            language.as_deref().unwrap_or("en")
        )),
        PromptMessage::user(Content::image(b"png", "image/png")),
    ]
}

#[path = "../../examples/examples/progress.rs"]
#[allow(dead_code)]
mod progress;

/// What the runs of `count_steps` did, by key; shared by the server's tools and this test.
#[derive(Clone, Default)]
struct Tally(Arc<Mutex<HashMap<String, Run>>>);

/// One key's record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, JsonSchema)]
struct Run {
    /// How many calls started.
    starts: u32,
    /// Steps taken, over all calls.
    steps: u32,
    /// A call ran to its end.
    finished: bool,
    /// A call was dropped before its end (cancelled).
    dropped: bool,
}

impl Tally {
    fn update(&self, key: &str, change: impl FnOnce(&mut Run)) {
        let mut runs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        change(runs.entry(key.to_owned()).or_default());
    }

    fn get(&self, key: &str) -> Run {
        let runs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        runs.get(key).copied().unwrap_or_default()
    }
}

/// Marks the run dropped if it goes away before its end.
struct Unfinished<'a> {
    tally: &'a Tally,
    key: &'a str,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        self.tally
            .update(self.key, |run| run.dropped |= !run.finished);
    }
}

/// Take `steps` steps, `delay_ms` apart, counting each in the server's tally under `key`
/// and reporting it as progress.
#[tool]
async fn count_steps(tally: State<Tally>, key: String, steps: u32, delay_ms: u64) -> String {
    tally.update(&key, |run| run.starts += 1);
    let _unfinished = Unfinished {
        tally: &tally,
        key: &key,
    };
    for step in 1..=steps {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        tally.update(&key, |run| run.steps += 1);
        progress!(step, steps, "step {step} of {steps}");
    }
    tally.update(&key, |run| run.finished = true);
    format!("counted {steps} steps for {key}")
}

/// What the runs of `count_steps` with this key did so far.
#[tool(read_only)]
async fn tally(tally: State<Tally>, key: String) -> Json<Run> {
    Json(tally.get(&key))
}

#[tokio::test]
async fn typescript_sdk_in_the_handshake_era() {
    let node = clients::node();
    let runs = Tally::default();
    let (router, handle) = Server::new("typescript-sdk")
        .state(runs.clone())
        .tool(progress::stream_data_analysis_tool())
        .tool(count_steps_tool())
        .tool(tally_tool())
        .tool(touch_hello_tool())
        .resource(hello_resource())
        .resource(bytes_resource())
        .resource_template(greeting_resource())
        .prompt(greet_prompt())
        // The SDK waits this long before resuming a broken stream.
        .sse_retry(Duration::from_millis(200))
        .router_with_handle();
    let server = TestServer::start_router(router).await;

    let mut command = node.script("sdk_client.mjs");
    command.arg(&server.url);
    let started = Instant::now();
    let output = run_client(command, Duration::from_secs(120)).await;
    println!("{}({:.1?})", output.stdout, started.elapsed());
    assert!(
        output
            .stdout
            .contains("ok: typescript sdk, all checks passed"),
        "{output:?}"
    );

    // The server's side of the story.
    let cancelled = runs.get("cancel");
    assert!(
        cancelled.dropped && !cancelled.finished && cancelled.steps < 200,
        "the cancelled call was dropped on the server: {cancelled:?}"
    );
    for key in ["resume-auto", "resume-token"] {
        assert_eq!(
            runs.get(key),
            Run {
                starts: 1,
                steps: 8,
                finished: true,
                dropped: false
            },
            "{key}: one run that outlived its client's connection"
        );
    }
    assert_eq!(
        handle.session_count(),
        0,
        "every session the client opened was ended by terminateSession"
    );
}
