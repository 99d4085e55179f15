//! The guide's client works unchanged: the user's routes on `serve()`'s own listener
//! (`Server::merge`), the tools as plain HTTP with NDJSON streams (`Server::rest`), and the
//! 2024-11-05 HTTP+SSE transport driven by the official Python and TypeScript SDKs.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use mcp_runtime::{Server, progress, tool};
use serde_json::{Value, json};
use tests::TestServer;
use tests::clients::{self, run_client};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[path = "../../examples/examples/guide.rs"]
#[allow(dead_code)]
mod guide;

#[path = "../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;

const TOKEN: &str = "guide-token";

/// The guide's server under `serve_on` (the listener `serve()` uses), with a short header
/// timeout.
async fn serve_guide() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = guide::server(TOKEN);
    let mut settings = server.current_settings().clone();
    settings.header_timeout = Duration::from_secs(1);
    tokio::spawn(server.settings(settings).serve_on(listener));
    format!("http://{addr}")
}

#[tokio::test]
async fn merged_routes_are_served_by_serve_with_its_limits() {
    let base = serve_guide().await;
    let http = reqwest::Client::new();

    let open = http
        .get(format!("{base}/stream"))
        .send()
        .await
        .expect("GET");
    assert_eq!(open.status(), 200);
    let text = open.text().await.expect("body");
    assert_eq!(tests::parse_sse(&text).len(), 5, "{text}");

    let refused = http
        .get(format!("{base}/secure-stream"))
        .send()
        .await
        .expect("GET");
    assert_eq!(refused.status(), 401, "no token");
    let secure = http
        .get(format!("{base}/secure-stream"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("GET");
    assert_eq!(secure.status(), 200);
    let text = secure.text().await.expect("body");
    assert!(text.contains("\"hello\""), "{text}");

    // Slowloris: headers that never end are cut off by serve()'s header timeout.
    let addr = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    socket
        .write_all(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("write");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the connection with unfinished headers was still open after 20 s"
    );
    assert!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "{:?}",
        String::from_utf8_lossy(&rest)
    );
}

/// Whether `slow_steps` ran to its end, and whether it was dropped before.
static FINISHED: AtomicBool = AtomicBool::new(false);
static DROPPED: AtomicBool = AtomicBool::new(false);
static STEPS: AtomicU32 = AtomicU32::new(0);

/// Count slowly, reporting each step.
#[tool]
async fn slow_steps(steps: u32) -> String {
    struct Dropped;
    impl Drop for Dropped {
        fn drop(&mut self) {
            if !FINISHED.load(Ordering::SeqCst) {
                DROPPED.store(true, Ordering::SeqCst);
            }
        }
    }
    let _dropped = Dropped;
    for step in 1..=steps {
        tokio::time::sleep(Duration::from_millis(50)).await;
        STEPS.store(step, Ordering::SeqCst);
        progress!(step, steps, "step {step}");
    }
    FINISHED.store(true, Ordering::SeqCst);
    format!("{steps} steps")
}

async fn rest_server() -> TestServer {
    TestServer::start(
        Server::new("rest")
            .tool(guide::stream_data_analysis_tool())
            .tool(guide::robust_streaming_tool_tool())
            .tool(slow_steps_tool())
            .rest("/tools"),
    )
    .await
}

fn base(server: &TestServer) -> String {
    format!("http://{}", server.addr)
}

/// Each line of an NDJSON body, parsed; panics on a line that is not JSON.
fn lines(body: &str) -> Vec<Value> {
    assert!(body.ends_with('\n'), "the last line is complete: {body:?}");
    body.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect()
}

#[tokio::test]
async fn rest_lists_calls_and_streams_tools() {
    let server = rest_server().await;
    let http = reqwest::Client::new();
    let base = base(&server);

    let listed: Value = http
        .get(format!("{base}/tools"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "stream_data_analysis",
            "robust_streaming_tool",
            "slow_steps"
        ]
    );

    let called = http
        .post(format!("{base}/tools/stream_data_analysis"))
        .json(&json!({"dataset": "logs", "chunk_size": 500}))
        .send()
        .await
        .expect("POST");
    assert_eq!(called.status(), 200);
    let result: Value = called.json().await.expect("JSON");
    assert_eq!(
        result,
        json!({"content": [{"type": "text", "text": "Analysis of logs complete: 1000 items"}]})
    );

    let streamed = http
        .post(format!("{base}/tools/robust_streaming_tool/stream"))
        .json(&json!({"items": ["a", "b", "c", "", "e"], "chunk_size": 2}))
        .send()
        .await
        .expect("POST");
    assert_eq!(streamed.status(), 200);
    assert_eq!(
        streamed.headers()["content-type"],
        "application/x-ndjson",
        "NDJSON"
    );
    let lines = lines(&streamed.text().await.expect("body"));
    assert_eq!(
        lines,
        [
            json!({"progress": 1, "total": 3, "message": "Processed chunk 1: a,b"}),
            json!({"progress": 3, "total": 3, "message": "Processed chunk 3: e"}),
            json!({"result": {"content": [{"type": "text", "text": "Processed 2 of 3 chunks (1 skipped)"}]}}),
        ]
    );
}

#[tokio::test]
async fn rest_refuses_what_it_cannot_call() {
    let server = rest_server().await;
    let http = reqwest::Client::new();
    let base = base(&server);

    let unknown = http
        .post(format!("{base}/tools/nope/stream"))
        .json(&json!({}))
        .send()
        .await
        .expect("POST");
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.expect("JSON");
    assert_eq!(body["error"]["message"], "unknown tool `nope`");

    let not_object = http
        .post(format!("{base}/tools/stream_data_analysis"))
        .header("content-type", "application/json")
        .body("[1, 2]")
        .send()
        .await
        .expect("POST");
    assert_eq!(not_object.status(), 400);
    let not_json = http
        .post(format!("{base}/tools/stream_data_analysis/stream"))
        .body("{nope")
        .send()
        .await
        .expect("POST");
    assert_eq!(not_json.status(), 400);
    let body: Value = not_json.json().await.expect("JSON");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not JSON")),
        "{body}"
    );

    // Arguments that fail the schema: the tool does not run, the result says why (as MCP's).
    let bad = http
        .post(format!("{base}/tools/stream_data_analysis/stream"))
        .json(&json!({"dataset": "logs", "chunk_size": "many"}))
        .send()
        .await
        .expect("POST");
    let lines = lines(&bad.text().await.expect("body"));
    assert_eq!(lines.len(), 1, "{lines:?}");
    let result = &lines[0]["result"];
    assert_eq!(result["isError"], true, "{result}");
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("chunk_size"), "{text}");
}

#[tokio::test]
async fn closing_an_ndjson_stream_cancels_the_call() {
    let server = rest_server().await;
    let response = reqwest::Client::new()
        .post(format!("{}/tools/slow_steps/stream", base(&server)))
        .json(&json!({"steps": 200}))
        .send()
        .await
        .expect("POST");
    let mut body = response.bytes_stream();
    let first = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("a first line")
        .expect("a chunk")
        .expect("bytes");
    let first: Value = serde_json::from_slice(first.trim_ascii_end()).expect("JSON line");
    assert_eq!(first["total"], 200, "{first}");
    drop(body);
    for _ in 0..100 {
        if DROPPED.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(DROPPED.load(Ordering::SeqCst), "the call was dropped");
    assert!(!FINISHED.load(Ordering::SeqCst));
    assert!(STEPS.load(Ordering::SeqCst) < 200);
}

#[tokio::test]
async fn legacy_messages_need_a_stream() {
    let server =
        TestServer::start(Server::new("legacy").tool(guide::stream_data_analysis_tool())).await;
    let http = reqwest::Client::new();
    let post = |query: &'static str| {
        http.post(format!("{}/messages{query}", server.url))
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .send()
    };
    assert_eq!(post("").await.expect("POST").status(), 400, "no session_id");
    let unknown = post("?session_id=0123456789abcdef0123456789abcdef")
        .await
        .expect("POST");
    assert_eq!(unknown.status(), 404);

    let mut settings = mcp_runtime::Settings::default();
    settings.legacy_sse = false;
    let off = TestServer::start(Server::new("modern").settings(settings)).await;
    let status = http
        .get(format!("{}/sse", off.url))
        .send()
        .await
        .expect("GET")
        .status();
    assert_eq!(status, 404, "legacy SSE turned off");
}

#[tokio::test]
async fn python_sdk_sse_client() {
    let python = clients::python();
    let server = TestServer::start(everything::server()).await;
    let mut command = tokio::process::Command::new(python);
    command
        .arg(clients::sources().join("python/sse_client.py"))
        .arg(format!("{}/sse", server.url));
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("ok: legacy sse"), "{output:?}");
}

#[tokio::test]
async fn typescript_sdk_sse_client_transport() {
    let node = clients::node();
    let server = TestServer::start(everything::server()).await;
    let mut command = node.script("sse_client.mjs");
    command.arg(format!("{}/sse", server.url));
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(
        output.stdout.contains("ok: typescript legacy sse"),
        "{output:?}"
    );
}

#[tokio::test]
async fn rest_and_legacy_sse_are_guarded_like_the_endpoint() {
    let server = TestServer::start(
        Server::new("guarded")
            .tool(guide::stream_data_analysis_tool())
            .auth(mcp_runtime::Auth::bearer_tokens(["k3y"]))
            .rest("/tools"),
    )
    .await;
    let http = reqwest::Client::new();
    let base = base(&server);
    for url in [format!("{}/sse", server.url), format!("{base}/tools")] {
        let anonymous = http.get(&url).send().await.expect("GET");
        assert_eq!(anonymous.status(), 401, "{url}: no token");
        assert!(
            anonymous.headers().contains_key("www-authenticate"),
            "{url}"
        );
        let rebinding = http
            .get(&url)
            .bearer_auth("k3y")
            .header("host", "evil.example")
            .send()
            .await
            .expect("GET");
        assert_eq!(rebinding.status(), 403, "{url}: foreign Host");
    }
    let called = http
        .post(format!("{base}/tools/stream_data_analysis"))
        .json(&json!({"dataset": "d", "chunk_size": 1000}))
        .send()
        .await
        .expect("POST");
    assert_eq!(called.status(), 401, "REST calls need the token too");

    let mut stream = http
        .get(format!("{}/sse", server.url))
        .bearer_auth("k3y")
        .send()
        .await
        .expect("GET")
        .bytes_stream();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the endpoint event")
        .expect("a chunk")
        .expect("bytes");
    let first = String::from_utf8_lossy(&first);
    assert!(
        first.starts_with("event: endpoint\ndata: /mcp/messages?session_id="),
        "{first}"
    );
}

/// Counted by the metrics, and only by this test.
#[tool]
async fn metered() -> &'static str {
    "metered"
}

#[tokio::test]
async fn rest_calls_are_in_the_metrics() {
    let server = TestServer::start(
        Server::new("metered")
            .tool(metered_tool())
            .metrics("/metrics")
            .rest("/tools"),
    )
    .await;
    let http = reqwest::Client::new();
    let base = base(&server);
    let called = http
        .post(format!("{base}/tools/metered"))
        .send()
        .await
        .expect("POST");
    assert_eq!(called.status(), 200);
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    let line = text
        .lines()
        .find(|l| l.starts_with("mcp_tool_calls_total") && l.contains("tool=\"metered\""))
        .unwrap_or_else(|| panic!("no mcp_tool_calls_total for `metered`: {text}"));
    assert!(line.ends_with(" 1"), "{line}");
}
