//! FastMCP's client (`fastmcp` on PyPI, pinned in `tests/clients/requirements.txt`), which
//! has its own skills API, reading the `everything` example's skills over HTTP in both eras.
//! The checks are in `tests/clients/python/fastmcp_skills_client.py`.

use std::time::Duration;

use tests::TestServer;
use tests::clients::{self, run_client};

#[path = "../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;

async fn check_skills(mode: &str) {
    let server = TestServer::start(everything::server()).await;
    let mut command = tokio::process::Command::new(clients::python());
    command
        .arg(clients::sources().join("python/fastmcp_skills_client.py"))
        .args([&server.url, mode]);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("files verified"), "{output:?}");
    println!("{}", output.stdout);
}

/// On 2026-07-28, `list_skills` (`skills/list`) and `read_skill`, which verifies every file
/// of each skill against the manifest of `skills/get`.
#[tokio::test]
async fn fastmcp_lists_and_reads_skills_in_auto_mode() {
    check_skills("auto").await;
}

/// On 2025-11-25 FastMCP sends no extension methods: it finds the skills as `skill://…/SKILL.md`
/// resources (`list_skill_resources`) and reads them with `resources/read`.
#[tokio::test]
async fn fastmcp_lists_skills_as_resources_in_legacy_mode() {
    check_skills("legacy").await;
}
