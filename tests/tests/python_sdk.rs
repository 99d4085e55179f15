//! The official Python SDK (`mcp` on PyPI, see `tests/clients/requirements.txt`) against a
//! real server, in both eras: `mode="legacy"` (initialize handshake, 2025-11-25) and the
//! default `mode="auto"` (`server/discover`, 2026-07-28), over Streamable HTTP and over
//! stdio. The checks themselves are in `tests/clients/python/`.

use std::time::Duration;

use tests::TestServer;
use tests::clients::{self, run_client};

#[path = "../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;
#[path = "../../examples/examples/hello.rs"]
#[allow(dead_code)]
mod hello;
#[path = "../../examples/examples/notes.rs"]
#[allow(dead_code)]
mod notes;
#[path = "../../examples/examples/progress.rs"]
#[allow(dead_code)]
mod progress;

async fn check(mode: &str) {
    let python = clients::python();
    let db = notes::Notes::open(":memory:").expect("in-memory database");
    let server = notes::server(db)
        .tool(progress::stream_data_analysis_tool())
        .tool(hello::divide_numbers_tool());
    let server = TestServer::start(server).await;
    let mut command = tokio::process::Command::new(python);
    command
        .arg(clients::sources().join("python/sdk_client.py"))
        .args([&server.url, mode]);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("ok: "), "{output:?}");
    println!("{}", output.stdout);
}

#[tokio::test]
async fn python_sdk_in_legacy_mode_negotiates_2025_11_25() {
    check("legacy").await;
}

#[tokio::test]
async fn python_sdk_in_auto_mode_negotiates_2026_07_28() {
    check("auto").await;
}

/// Skills (extension `io.modelcontextprotocol/skills`) listed, got and read over HTTP, each
/// file checked against its entry's size and digest. mcp 2.3.0 has no skills API: the
/// extension's methods go through the SDK's session as generic requests (see the script).
async fn check_skills(mode: &str) {
    let server = TestServer::start(everything::server()).await;
    let mut command = tokio::process::Command::new(clients::python());
    command
        .arg(clients::sources().join("python/skills_client.py"))
        .args([&server.url, mode]);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("files verified"), "{output:?}");
    println!("{}", output.stdout);
}

#[tokio::test]
async fn python_sdk_reads_skills_in_legacy_mode() {
    check_skills("legacy").await;
}

#[tokio::test]
async fn python_sdk_reads_skills_in_auto_mode() {
    check_skills("auto").await;
}

/// Over stdio the SDK launches the `progress` example binary itself, with `--stdio`.
async fn check_stdio(mode: &str) {
    let mut command = tokio::process::Command::new(clients::python());
    command
        .arg(clients::sources().join("python/stdio_client.py"))
        .arg(tests::example_binary("progress"))
        .arg(mode);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("ok: stdio"), "{output:?}");
}

#[tokio::test]
async fn python_sdk_over_stdio_in_legacy_mode() {
    check_stdio("legacy").await;
}

#[tokio::test]
async fn python_sdk_over_stdio_in_auto_mode() {
    check_stdio("auto").await;
}
