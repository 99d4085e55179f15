//! The official Python SDK answers the server's questions (elicitation, sampling, roots)
//! from its callbacks, in both eras: `mode="legacy"` (server-to-client requests on the
//! call's stream) and `mode="auto"` (2026-07-28 `InputRequiredResult` rounds). The checks
//! are in `tests/clients/python/ask_client.py`; the tools are the conformance fixture's.

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

#[tokio::test]
async fn python_sdk_answers_questions_in_legacy_mode() {
    check("legacy").await;
}

#[tokio::test]
async fn python_sdk_answers_questions_in_auto_mode() {
    check("auto").await;
}
