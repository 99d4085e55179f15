//! The Rust client against a server no one here wrote: an official Python SDK `MCPServer`
//! (`tests/clients/python/sdk_server.py`), over Streamable HTTP and stdio, in both eras. Listing,
//! calling with progress and logs, structured output, resources, templates, prompts,
//! completion, and answering elicitation, sampling and roots requests (requests mid-call in
//! 2025-11-25, `InputRequiredResult` rounds in 2026-07-28).

use std::time::Duration;

use futures_util::StreamExt as _;
use mcp_runtime::Content;
use mcp_runtime::client::{
    CallUpdate, Client, ClientError, CompletionTarget, ElicitResult, ProtocolVersion, Root,
    SamplingResult,
};
use mcp_runtime::protocol::LogLevel;
use mcp_runtime::resource::ResourceContents;
use serde::Deserialize;
use serde_json::json;
use tests::clients;

/// The Python fixture server, stopped when dropped.
struct PythonServer {
    url: String,
    _child: tokio::process::Child,
}

async fn start_python_server() -> PythonServer {
    let port = tests::free_port();
    let child = tokio::process::Command::new(clients::python())
        .arg(clients::sources().join("python/sdk_server.py"))
        .arg(port.to_string())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the Python SDK server");
    tests::wait_for_port(port, Duration::from_secs(30)).await;
    PythonServer {
        url: format!("http://127.0.0.1:{port}/mcp"),
        _child: child,
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Sum {
    total: i64,
    count: i64,
}

#[tokio::test]
async fn drives_an_official_python_sdk_server_in_both_eras() {
    let server = start_python_server().await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let mut builder = Client::http(&server.url)
            .on_elicitation(|request| async move {
                assert_eq!(request.message, "Really delete /tmp/x?");
                let schema = request.requested_schema.expect("a form schema");
                assert!(schema["properties"]["confirm"].is_object(), "{schema}");
                ElicitResult::accept(json!({"confirm": true, "reason": "sure"}))
            })
            .on_sampling(|request| async move {
                let asked = request.messages[0]["content"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                Ok(SamplingResult::text(
                    "rust-test-model",
                    format!("short: {asked}"),
                ))
            })
            .roots(vec![Root::new("file:///work/project", "project")]);
        if let Some(version) = era {
            builder = builder.protocol_version(version);
        }
        let client = builder.connect().await.expect("connects");
        let expected = era.unwrap_or(ProtocolVersion::V2026_07_28);
        assert_eq!(client.protocol_version(), expected);
        let info = client.server_info();
        assert_eq!(
            info.implementation.as_ref().map(|i| i.name.as_str()),
            Some("python-sdk-fixture")
        );
        assert_eq!(
            info.instructions.as_deref(),
            Some("A fixture for the Rust client.")
        );

        // The server pages its tools two at a time; `list_tools` follows the cursor.
        let first_page = client
            .request("tools/list", json!({}))
            .await
            .expect("one page");
        assert_eq!(
            first_page["tools"].as_array().map(Vec::len),
            Some(2),
            "{first_page}"
        );
        assert_eq!(first_page["nextCursor"], "2", "{first_page}");
        let tools = client.list_tools().await.expect("tools/list");
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["add", "count", "delete", "summarize", "workspace"],
            "{expected}"
        );

        // Progress and logs as they happen, then the result.
        // In 2026-07-28 log messages come only to requests that ask for a level; this
        // server offers no `logging/setLevel` in the handshake era, and logs anyway.
        if client.protocol_version().is_stateless() {
            client
                .set_log_level(LogLevel::Info)
                .await
                .expect("log level");
        }
        let mut call = client.call_tool("count", json!({"steps": 4}));
        let (mut progress, mut logs) = (Vec::new(), Vec::new());
        while let Some(update) = call.next().await {
            match update {
                CallUpdate::Progress(p) => progress.push((p.progress, p.message)),
                CallUpdate::Log(l) => logs.push(l.data),
                _ => {}
            }
        }
        let result = call.result().await.expect("count");
        assert_eq!(result.content, vec![Content::text("counted to 4")]);
        assert_eq!(
            progress,
            (1..=4)
                .map(|i| (f64::from(i), Some(format!("step {i} of 4"))))
                .collect::<Vec<_>>(),
            "{expected}"
        );
        assert_eq!(
            logs,
            (1..=4)
                .map(|i| json!(format!("counted {i}")))
                .collect::<Vec<_>>(),
            "{expected}"
        );

        // The elicitation is answered by the handler, in either era's way.
        let result = client
            .call_tool("delete", json!({"path": "/tmp/x"}))
            .await
            .expect("delete");
        assert_eq!(
            result.content,
            vec![Content::text("deleted /tmp/x (sure)")],
            "{expected}"
        );

        // Sampling, answered by the handler the same two ways.
        let result = client
            .call_tool("summarize", json!({"text": "a long story"}))
            .await
            .expect("summarize");
        assert_eq!(
            result.content,
            vec![Content::text(
                "rust-test-model says: short: Summarize: a long story"
            )],
            "{expected}"
        );

        let result = client
            .call_tool("workspace", ())
            .await
            .unwrap_or_else(|e| panic!("roots in {expected}: {e:?}"));
        assert_eq!(
            result.content,
            vec![Content::text("project=file:///work/project")],
            "{expected}"
        );

        let sum: Sum = client
            .call_tool("add", json!({"numbers": [1, 2, 3]}))
            .structured()
            .await
            .expect("structured output");
        assert_eq!(sum, Sum { total: 6, count: 3 });

        let resources = client.list_resources().await.expect("resources/list");
        assert_eq!(resources.len(), 1, "{resources:?}");
        assert_eq!(resources[0].uri, "memo://readme");
        let read = client.read_resource("memo://readme").await.expect("read");
        match &read.contents[..] {
            [ResourceContents::Text { uri, text, .. }] => {
                assert_eq!(uri, "memo://readme");
                assert_eq!(text, "Hello from the Python SDK");
            }
            other => panic!("unexpected contents: {other:?}"),
        }
        let templates = client
            .list_resource_templates()
            .await
            .expect("resources/templates/list");
        assert_eq!(templates[0].uri_template, "memo://notes/{name}");
        let read = client
            .read_resource("memo://notes/a")
            .await
            .expect("read template");
        assert!(
            matches!(&read.contents[..], [ResourceContents::Text { text, .. }] if text == "note a")
        );

        let prompts = client.list_prompts().await.expect("prompts/list");
        assert_eq!(prompts[0].name, "review");
        assert!(
            prompts[0]
                .arguments
                .iter()
                .any(|a| a.name == "code" && a.required)
        );
        let prompt = client
            .get_prompt(
                "review",
                json!({"code": "fn main() {}", "language": "rust"}),
            )
            .await
            .expect("prompts/get");
        assert_eq!(prompt.messages[0].role, "user");
        assert_eq!(
            prompt.messages[0].content,
            Content::text("Please review this rust code:\nfn main() {}")
        );

        let completion = client
            .complete(CompletionTarget::Prompt("review".into()), "language", "r")
            .await
            .expect("completion/complete");
        assert_eq!(completion.values, ["rust", "ruby"]);

        // An unknown prompt is a JSON-RPC error.
        let error = client
            .get_prompt("nope", ())
            .await
            .expect_err("unknown prompt");
        assert!(error.rpc_code().is_some(), "{error:?}");
        client.close().await;
    }
}

/// A declined elicitation reaches the tool as a decline.
#[tokio::test]
async fn a_declined_elicitation_keeps_the_file() {
    let server = start_python_server().await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let mut builder =
            Client::http(&server.url).on_elicitation(|_| async { ElicitResult::decline() });
        if let Some(version) = era {
            builder = builder.protocol_version(version);
        }
        let client = builder.connect().await.expect("connects");
        // The SDK turns a declined `Resolve` into a failed call that says so.
        match client.call_tool("delete", json!({"path": "/tmp/y"})).await {
            Err(ClientError::Tool { message, .. }) => {
                assert!(message.contains("elicitation was decline"), "{message}");
            }
            other => panic!("expected the tool to fail on the decline, got {other:?}"),
        }
    }
}

/// Over stdio the client starts the Python server itself; the elicitation arrives as a
/// request on the shared channel (handshake era) or as an `InputRequiredResult`.
#[tokio::test]
async fn drives_the_python_sdk_server_over_stdio_in_both_eras() {
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let mut command = tokio::process::Command::new(clients::python());
        command
            .arg(clients::sources().join("python/sdk_server.py"))
            .arg("stdio");
        let mut builder = Client::stdio(command).on_elicitation(|_| async {
            ElicitResult::accept(json!({"confirm": true, "reason": "over stdio"}))
        });
        if let Some(version) = era {
            builder = builder.protocol_version(version);
        }
        let client = builder.connect().await.expect("connects over stdio");
        assert_eq!(
            client.protocol_version(),
            era.unwrap_or(ProtocolVersion::V2026_07_28)
        );
        assert_eq!(client.list_tools().await.expect("tools/list").len(), 5);
        let mut call = client.call_tool("count", json!({"steps": 3}));
        let mut progress = Vec::new();
        while let Some(update) = call.next().await {
            if let CallUpdate::Progress(p) = update {
                progress.push(p.progress);
            }
        }
        call.result().await.expect("count over stdio");
        assert_eq!(progress, [1.0, 2.0, 3.0], "{era:?}");
        let result = client
            .call_tool("delete", json!({"path": "/tmp/z"}))
            .await
            .expect("delete over stdio");
        assert_eq!(
            result.content,
            vec![Content::text("deleted /tmp/z (over stdio)")],
            "{era:?}"
        );
        let read = client.read_resource("memo://readme").await.expect("read");
        assert_eq!(read.contents.len(), 1);
        client.close().await;
    }
}
