//! The official Python SDK answers the server's questions (elicitation, sampling, roots)
//! from its callbacks, in both eras: `mode="legacy"` (server-to-client requests on the
//! call's stream) and `mode="auto"` (2026-07-28 `InputRequiredResult` rounds). The checks
//! are in `tests/clients/python/ask_client.py`; the tools are the conformance fixture's,
//! served over Streamable HTTP and (the `everything` binary) over stdio.

use std::time::Duration;

use tests::TestServer;
use tests::clients::{self, run_client};

#[path = "../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;

async fn check(mode: &str) {
    let python = clients::python();
    let server = TestServer::start(everything::server()).await;
    let mut command = tokio::process::Command::new(python);
    command
        .arg(clients::sources().join("python/ask_client.py"))
        .args([&server.url, mode]);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("ok: "), "{output:?}");
    println!("{}", output.stdout);
}

/// Over stdio the SDK launches the `everything` example binary itself, with `--stdio`.
async fn check_stdio(mode: &str) {
    let mut command = tokio::process::Command::new(clients::python());
    command
        .arg(clients::sources().join("python/ask_client.py"))
        .arg(tests::example_binary("everything"))
        .arg(mode);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("ok: "), "{output:?}");
}

#[tokio::test]
async fn python_sdk_answers_questions_over_stdio_in_legacy_mode() {
    check_stdio("legacy").await;
}

#[tokio::test]
async fn python_sdk_answers_questions_over_stdio_in_auto_mode() {
    check_stdio("auto").await;
}

#[tokio::test]
async fn python_sdk_answers_questions_in_legacy_mode() {
    check("legacy").await;
}

#[tokio::test]
async fn python_sdk_answers_questions_in_auto_mode() {
    check("auto").await;
}
