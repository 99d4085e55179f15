//! The Rust client against the official reference server,
//! `@modelcontextprotocol/server-everything` (npm, pinned in `tests/clients/package.json`),
//! in its Streamable HTTP mode. It speaks only the handshake era, so the client's
//! `server/discover` probe fails and it falls back to `initialize`. Listing (every page),
//! calling with progress, structured output, resources, prompts, completion, and the
//! server's requests to the client: elicitation and sampling on the call's stream, roots
//! on the session's GET stream. The same server over stdio too.

use std::time::Duration;

use futures_util::StreamExt as _;
use mcp_runtime::Content;
use mcp_runtime::client::{
    CallUpdate, Client, CompletionTarget, ElicitResult, ProtocolVersion, Root, SamplingResult,
};
use mcp_runtime::resource::ResourceContents;
use serde::Deserialize;
use serde_json::json;
use tests::clients;

struct ReferenceServer {
    url: String,
    _child: tokio::process::Child,
}

async fn start_reference_server() -> ReferenceServer {
    let node = clients::node();
    let port = tests::free_port();
    let child = tokio::process::Command::new(&node.node)
        .arg(
            node.dir
                .join("node_modules/@modelcontextprotocol/server-everything/dist/index.js"),
        )
        .arg("streamableHttp")
        .env("PORT", port.to_string())
        .current_dir(&node.dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start @modelcontextprotocol/server-everything");
    tests::wait_for_port(port, Duration::from_secs(30)).await;
    ReferenceServer {
        url: format!("http://127.0.0.1:{port}/mcp"),
        _child: child,
    }
}

#[derive(Debug, Deserialize)]
struct Weather {
    temperature: f64,
    conditions: String,
    humidity: f64,
}

#[tokio::test]
async fn drives_the_official_reference_server() {
    let server = start_reference_server().await;
    let client = Client::http(&server.url)
        .on_elicitation(|request| async move {
            assert!(
                request.message.contains("provide inputs"),
                "{}",
                request.message
            );
            ElicitResult::accept(json!({"name": "Ada Lovelace", "check": true}))
        })
        .on_sampling(|request| async move {
            let asked = request.messages[0]["content"]["text"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            Ok(SamplingResult::text(
                "test-model",
                format!("you asked: {asked}"),
            ))
        })
        .roots(vec![Root::new("file:///tmp/project", "project")])
        .connect()
        .await
        .expect("connects (discover fails, initialize works)");
    assert!(
        !client.protocol_version().is_stateless(),
        "the reference server speaks the handshake era: {:?}",
        client.protocol_version()
    );
    assert!(client.protocol_version() >= ProtocolVersion::V2025_06_18);

    // Tools that depend on our capabilities are registered once the session is up.
    let mut names = Vec::new();
    for _ in 0..50 {
        names = client
            .list_tools()
            .await
            .expect("tools/list")
            .into_iter()
            .map(|t| t.name)
            .collect();
        if names.iter().any(|n| n == "trigger-elicitation-request") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for wanted in [
        "echo",
        "trigger-long-running-operation",
        "get-structured-content",
        "trigger-elicitation-request",
        "trigger-sampling-request",
        "get-roots-list",
    ] {
        assert!(
            names.iter().any(|n| n == wanted),
            "{wanted} not in {names:?}"
        );
    }

    let echo = client
        .call_tool("echo", json!({"message": "hi"}))
        .await
        .expect("echo");
    assert_eq!(echo.content, vec![Content::text("Echo: hi")]);

    let mut call = client.call_tool(
        "trigger-long-running-operation",
        json!({"duration": 1, "steps": 4}),
    );
    let mut progress = Vec::new();
    while let Some(update) = call.next().await {
        if let CallUpdate::Progress(p) = update {
            progress.push((p.progress, p.total));
        }
    }
    call.result().await.expect("long-running operation");
    assert_eq!(
        progress,
        (1..=4)
            .map(|i| (f64::from(i), Some(4.0)))
            .collect::<Vec<_>>()
    );

    let weather: Weather = client
        .call_tool("get-structured-content", json!({"location": "Chicago"}))
        .structured()
        .await
        .expect("structured content");
    assert!(
        !weather.conditions.is_empty() && weather.humidity >= 0.0 && weather.temperature > -100.0
    );

    // The server asks the user mid-call; the handler answers on the same stream.
    let elicited = client
        .call_tool("trigger-elicitation-request", ())
        .await
        .expect("elicitation");
    let text = format!("{:?}", elicited.content);
    assert!(text.contains("- Name: Ada Lovelace"), "{text}");
    assert!(text.contains("- Agreed to terms: true"), "{text}");

    let sampled = client
        .call_tool("trigger-sampling-request", json!({"prompt": "Say hi"}))
        .await
        .expect("sampling");
    let text = format!("{:?}", sampled.content);
    assert!(text.contains("you asked: "), "{text}");
    assert!(text.contains("test-model"), "{text}");

    // Roots: the server asked for them after initialization, on the GET stream the
    // client opened because it has handlers.
    let mut roots = String::new();
    for _ in 0..50 {
        let result = client.call_tool("get-roots-list", ()).await.expect("roots");
        roots = format!("{:?}", result.content);
        if roots.contains("file:///tmp/project") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(roots.contains("file:///tmp/project"), "{roots}");

    // Resources: every page, then one read.
    let resources = client.list_resources().await.expect("resources/list");
    let document = resources
        .iter()
        .find(|r| r.uri.starts_with("demo://resource/static/document/"))
        .unwrap_or_else(|| panic!("no static document in {resources:?}"));
    let read = client.read_resource(&document.uri).await.expect("read");
    match &read.contents[..] {
        [ResourceContents::Text { uri, text, .. }] => {
            assert_eq!(uri, &document.uri);
            assert!(!text.is_empty());
        }
        other => panic!("unexpected contents: {other:?}"),
    }
    let templates = client
        .list_resource_templates()
        .await
        .expect("resources/templates/list");
    assert!(
        templates
            .iter()
            .any(|t| t.uri_template.starts_with("demo://resource/dynamic/")),
        "{templates:?}"
    );

    // Prompts.
    let prompts = client.list_prompts().await.expect("prompts/list");
    assert!(
        prompts.iter().any(|p| p.name == "args-prompt"),
        "{prompts:?}"
    );
    let prompt = client
        .get_prompt("args-prompt", json!({"city": "Oslo"}))
        .await
        .expect("prompts/get");
    assert_eq!(
        prompt.messages[0].content,
        Content::text("What's weather in Oslo?")
    );
    let completion = client
        .complete(
            CompletionTarget::Prompt("completable-prompt".into()),
            "department",
            "E",
        )
        .await
        .expect("completion/complete");
    assert_eq!(completion.values, ["Engineering"]);

    client.close().await;
}

/// The reference server over stdio: the client starts it, the `server/discover` probe gets
/// an error, `initialize` follows; progress and an elicitation travel on the shared channel.
#[tokio::test]
async fn drives_the_reference_server_over_stdio() {
    let node = clients::node();
    let mut command = tokio::process::Command::new(&node.node);
    command
        .arg(
            node.dir
                .join("node_modules/@modelcontextprotocol/server-everything/dist/index.js"),
        )
        .arg("stdio")
        .current_dir(&node.dir);
    let client = Client::stdio(command)
        .on_elicitation(|_| async { ElicitResult::accept(json!({"name": "Grace Hopper"})) })
        .connect()
        .await
        .expect("connects over stdio");
    assert!(!client.protocol_version().is_stateless());
    let mut names = Vec::new();
    for _ in 0..50 {
        names = client
            .list_tools()
            .await
            .expect("tools/list")
            .into_iter()
            .map(|t| t.name)
            .collect();
        if names.iter().any(|n| n == "trigger-elicitation-request") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        names.iter().any(|n| n == "trigger-elicitation-request"),
        "{names:?}"
    );

    let mut call = client.call_tool(
        "trigger-long-running-operation",
        json!({"duration": 0.4, "steps": 2}),
    );
    let mut progress = Vec::new();
    while let Some(update) = call.next().await {
        if let CallUpdate::Progress(p) = update {
            progress.push(p.progress);
        }
    }
    call.result().await.expect("long-running operation");
    assert_eq!(progress, [1.0, 2.0]);

    let elicited = client
        .call_tool("trigger-elicitation-request", ())
        .await
        .expect("elicitation over stdio");
    let text = format!("{:?}", elicited.content);
    assert!(text.contains("- Name: Grace Hopper"), "{text}");
    client.close().await;
}
