//! Snapshots of the generated schemas of every example tool, and `--list-tools`.
//!
//! A change to schema generation shows up here as a diff to review
//! (`cargo insta review`, or delete the `.snap` file and re-run to accept).

use std::process::Command;

use mcp_runtime::Server;
use serde_json::Value;

#[path = "../../examples/examples/hello.rs"]
#[allow(dead_code)]
mod hello;

#[path = "../../examples/examples/progress.rs"]
#[allow(dead_code)]
mod progress;

fn tools_list(server: &Server) -> Value {
    serde_json::from_str(&server.tools_list_json()).expect("tools/list is JSON")
}

#[test]
fn hello_tools() {
    let server = Server::new("hello")
        .tool(hello::greet_tool())
        .tool(hello::add_tool())
        .tool(hello::divide_numbers_tool());
    insta::assert_json_snapshot!(tools_list(&server));
}

#[test]
fn progress_tools() {
    let server = Server::new("progress")
        .tool(progress::stream_data_analysis_tool())
        .tool(progress::real_time_monitoring_tool());
    insta::assert_json_snapshot!(tools_list(&server));
}

#[test]
fn link_time_registration_finds_every_tool_in_the_binary() {
    let names: Vec<String> = mcp_runtime::tool::tools()
        .into_iter()
        .map(|t| t.descriptor.name)
        .collect();
    assert_eq!(
        names,
        [
            "add",
            "divide",
            "greet",
            "real_time_monitoring",
            "stream_data_analysis"
        ]
    );
}

/// `cargo test` builds the examples next to the test binaries: run the real `hello` binary.
#[test]
fn list_tools_flag_prints_the_tools_list_result_and_exits() {
    let output = Command::new(tests::example_binary("hello"))
        .arg("--list-tools")
        .output()
        .expect("run the hello example");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).expect("--list-tools prints JSON");
    let expected = Server::new("hello")
        .tool(hello::add_tool())
        .tool(hello::divide_numbers_tool())
        .tool(hello::greet_tool());
    assert_eq!(printed, tools_list(&expected));
}
