//! Protocol revision 2026-07-28 (stateless) on the same endpoint, over raw HTTP: the
//! validation ladder, its HTTP statuses, result shapes, streaming and cancellation.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use mcp_runtime::{Context, Server, log, progress, tool};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{SseReader, TestServer};

const V: &str = "2026-07-28";

/// Echo `text`, `times` times; both mirrored into headers.
#[tool]
async fn echo(
    #[arg(header = "Text")] text: String,
    #[arg(header = "Times", default = 1)] times: u32,
    #[arg(header = "Loud")] loud: Option<bool>,
) -> String {
    let text = text.repeat(times as usize);
    if loud.unwrap_or(false) {
        text.to_uppercase()
    } else {
        text
    }
}

/// Three progress frames and a log line.
#[tool]
async fn chatty() -> &'static str {
    for i in 1..=3 {
        progress!(i, 3, "step {i}");
    }
    log!(info, "chatty says hi");
    log!(debug, "chatty details");
    "chatted"
}

/// Says who the client said it is.
#[tool]
async fn whoami(ctx: Context) -> String {
    match ctx.client_info() {
        Some(info) => format!("{} {} {:?}", info.name, info.version, info.title),
        None => "nobody".to_owned(),
    }
}

static SILENT_STOPPED: AtomicBool = AtomicBool::new(false);
static SILENT_TICKS: AtomicU64 = AtomicU64::new(0);

/// Runs silently for a long time.
#[tool]
async fn silent() -> &'static str {
    struct Stopped;
    impl Drop for Stopped {
        fn drop(&mut self) {
            SILENT_STOPPED.store(true, Ordering::SeqCst);
        }
    }
    let _stopped = Stopped;
    for _ in 0..1000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        SILENT_TICKS.fetch_add(1, Ordering::SeqCst);
    }
    "done"
}

fn server() -> Server {
    Server::new("stateless")
        .version("9.9.9")
        .tool(echo_tool())
        .tool(chatty_tool())
        .tool(silent_tool())
        .tool(whoami_tool())
        .keep_alive(Duration::from_millis(200))
}

fn envelope() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    })
}

fn request(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = envelope();
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// Sends a stateless request with the standard headers (plus `extra`).
async fn send(server: &TestServer, body: &Value, extra: &[(&str, &str)]) -> tests::Reply {
    tests::read(raw(server, body, extra).await).await
}

async fn raw(server: &TestServer, body: &Value, extra: &[(&str, &str)]) -> reqwest::Response {
    let method = body["method"].as_str().unwrap_or_default().to_owned();
    let mut headers: Vec<(&str, String)> = vec![
        ("mcp-protocol-version", V.to_owned()),
        ("mcp-method", method),
    ];
    if let Some(name) = body["params"]["name"].as_str() {
        headers.push(("mcp-name", name.to_owned()));
    }
    headers.retain(|(name, _)| !extra.iter().any(|(e, _)| e == name));
    let mut all: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    all.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
    server
        .client()
        .send(Method::POST, Some(body.clone()), &all)
        .await
}

fn error_code(reply: &tests::Reply) -> i64 {
    reply.json()["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error in {}", reply.body))
}

#[tokio::test]
async fn discover_lists_versions_capabilities_and_cache_hints() {
    let server = TestServer::start(server()).await;
    let reply = send(&server, &request(1, "server/discover", json!({})), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.session.is_none(), "no session in the stateless era");
    let result = &reply.json()["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["supportedVersions"],
        json!([
            "2026-07-28",
            "2025-11-25",
            "2025-06-18",
            "2025-03-26",
            "2024-11-05"
        ])
    );
    assert!(result["capabilities"]["tools"].is_object());
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"],
        json!({"name": "stateless", "version": "9.9.9"})
    );
    assert_eq!(result["ttlMs"], 60000);
    assert_eq!(result["cacheScope"], "public");
}

#[tokio::test]
async fn tools_list_and_call_in_the_stateless_shapes() {
    let server = TestServer::start(server()).await;
    let list = send(&server, &request(1, "tools/list", json!({})), &[])
        .await
        .json()["result"]
        .clone();
    assert_eq!(list["resultType"], "complete");
    assert_eq!(list["ttlMs"], 60000);
    assert_eq!(list["cacheScope"], "public");
    let echo = list["tools"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "echo"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        echo["inputSchema"]["properties"]["text"]["x-mcp-header"],
        "Text"
    );
    assert_eq!(
        echo["inputSchema"]["properties"]["times"]["x-mcp-header"],
        "Times"
    );

    let call = request(
        2,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "ab", "times": 2}}),
    );
    let reply = send(
        &server,
        &call,
        &[("mcp-param-text", "ab"), ("mcp-param-times", "2")],
    )
    .await;
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        reply.json()["result"],
        json!({"resultType": "complete", "content": [{"type": "text", "text": "abab"}]})
    );
}

/// The envelope's `clientInfo` reaches the tool, escapes and all; a malformed one is the
/// ladder's -32602.
#[tokio::test]
async fn the_envelope_client_info_reaches_the_tool() {
    let server = TestServer::start(server()).await;
    let call = request(1, "tools/call", json!({"name": "whoami"}));
    let reply = send(&server, &call, &[]).await;
    assert_eq!(text_of(&reply), "raw 0 None");
    let mut call = request(2, "tools/call", json!({"name": "whoami"}));
    // Quotes inside are escaped on the wire: the raw `clientInfo` is read with its escapes.
    call["params"]["_meta"]["io.modelcontextprotocol/clientInfo"] =
        json!({"name": "café \"q\"", "version": "1.0", "title": "Café"});
    let reply = send(&server, &call, &[]).await;
    assert_eq!(text_of(&reply), r#"café "q" 1.0 Some("Café")"#);
    let mut call = request(3, "tools/call", json!({"name": "whoami"}));
    call["params"]["_meta"]["io.modelcontextprotocol/clientInfo"] = json!({"name": 7});
    let reply = send(&server, &call, &[]).await;
    assert_eq!(error_code(&reply), -32602, "{}", reply.body);
    assert!(reply.body.contains("clientInfo"), "{}", reply.body);
    let mut call = request(4, "tools/call", json!({"name": "whoami"}));
    call["params"]["_meta"]["io.modelcontextprotocol/clientInfo"] = Value::Null;
    assert_eq!(text_of(&send(&server, &call, &[]).await), "nobody");
}

fn text_of(reply: &tests::Reply) -> String {
    reply.json()["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {}", reply.body))
        .to_owned()
}

/// 2026-07-28 removed `ping` and `logging/setLevel`, and has no `initialize`: each is an
/// unknown method there (-32601, HTTP 404), echoing the request id, while a handshake-era
/// session on the same endpoint keeps them.
#[tokio::test]
async fn methods_the_revision_removed_are_not_found() {
    let server = TestServer::start(server()).await;
    for (id, method) in [(3, "ping"), (4, "logging/setLevel"), (5, "initialize")] {
        let params = if method == "logging/setLevel" {
            json!({"level": "debug"})
        } else {
            json!({})
        };
        let reply = send(&server, &request(id, method, params), &[]).await;
        assert_eq!(
            (reply.status, error_code(&reply)),
            (404, -32601),
            "{method}: {}",
            reply.body
        );
        assert_eq!(reply.json()["id"], id, "{method}: the error echoes the id");
    }
    let mut session = server.client();
    session.initialize("2025-11-25").await;
    assert_eq!(
        session.request(6, "ping", json!({})).await.json()["result"],
        json!({})
    );
}

#[tokio::test]
async fn the_validation_ladder_and_its_statuses() {
    let server = TestServer::start(server()).await;
    let list = request(1, "tools/list", json!({}));

    // 1. Envelope keys: -32602, 400, naming the key.
    let mut missing = list.clone();
    missing["params"]["_meta"]
        .as_object_mut()
        .map(|m| m.remove("io.modelcontextprotocol/clientCapabilities"));
    let reply = send(&server, &missing, &[]).await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32602));
    assert!(reply.body.contains("clientCapabilities"), "{}", reply.body);
    let no_meta = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
    let reply = send(&server, &no_meta, &[]).await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32602));

    // 2. Headers: -32020, 400.
    for (header, value) in [
        ("mcp-method", "tools/call"),
        ("mcp-protocol-version", "2025-11-25"),
        ("mcp-method", ""),
    ] {
        let reply = send(&server, &list, &[(header, value)]).await;
        assert_eq!(
            (reply.status, error_code(&reply)),
            (400, -32020),
            "{header}: {value:?}"
        );
    }
    let call = request(
        2,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "x"}}),
    );
    let reply = send(
        &server,
        &call,
        &[("mcp-name", "chatty"), ("mcp-param-text", "x")],
    )
    .await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32020));
    assert!(reply.body.contains("Mcp-Name"), "{}", reply.body);
    let encoded = send(
        &server,
        &call,
        &[
            ("mcp-name", "=?base64?ZWNobw==?="),
            ("mcp-param-text", "=?base64?eA==?="),
        ],
    )
    .await;
    assert_eq!(
        encoded.status, 200,
        "base64 header values are decoded: {}",
        encoded.body
    );

    // 3. Version: -32022 with the supported list, 400.
    let mut old = list.clone();
    old["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let reply = send(&server, &old, &[("mcp-protocol-version", "2099-01-01")]).await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32022));
    assert_eq!(reply.json()["error"]["data"]["requested"], "2099-01-01");
    assert!(
        reply.json()["error"]["data"]["supported"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(V)))
    );

    // Method existence is decided after the ladder: -32601, 404.
    let reply = send(&server, &request(3, "prompts/list", json!({})), &[]).await;
    assert_eq!((reply.status, error_code(&reply)), (404, -32601));

    // Unknown tool: -32602, 400. Bad JSON: -32700, 400.
    let reply = send(
        &server,
        &request(4, "tools/call", json!({"name": "nope"})),
        &[],
    )
    .await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32602));
    let reply = tests::read(
        server
            .client()
            .send(
                Method::POST,
                None,
                &[
                    ("content-type", "application/json"),
                    ("mcp-protocol-version", V),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(reply.status, 400);
}

#[tokio::test]
async fn custom_parameter_headers_must_agree_with_the_arguments() {
    let server = TestServer::start(server()).await;
    let call = |args: Value| request(1, "tools/call", json!({"name": "echo", "arguments": args}));
    let ok = send(
        &server,
        &call(json!({"text": "hi", "times": 3, "loud": true})),
        &[
            ("mcp-param-text", "hi"),
            ("mcp-param-times", "3.0"),
            ("mcp-param-loud", "true"),
        ],
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["result"]["content"][0]["text"], "HIHIHI");

    let cases: [(Value, &[(&str, &str)]); 5] = [
        (json!({"text": "hi"}), &[]),                         // header missing
        (json!({"text": "hi"}), &[("mcp-param-text", "ho")]), // different value
        (
            json!({"text": "hi"}),
            &[("mcp-param-text", "hi"), ("mcp-param-times", "1")],
        ), // header without argument
        (
            json!({"text": "hi", "times": 2}),
            &[("mcp-param-text", "hi"), ("mcp-param-times", "3")],
        ),
        (
            json!({"text": "hi", "loud": false}),
            &[("mcp-param-text", "hi"), ("mcp-param-loud", "true")],
        ),
    ];
    for (args, headers) in cases {
        let reply = send(&server, &call(args.clone()), headers).await;
        assert_eq!(
            (reply.status, error_code(&reply)),
            (400, -32020),
            "{args} with {headers:?}"
        );
    }
}

#[tokio::test]
async fn progress_and_opted_in_logs_stream_on_the_requests_own_sse() {
    let server = TestServer::start(server()).await;
    let mut call = request(
        1,
        "tools/call",
        json!({"name": "chatty", "_meta": {"progressToken": "p"}}),
    );
    call["params"]["_meta"]["progressToken"] = json!("p");
    let reply = send(&server, &call, &[]).await;
    assert!(reply.is_sse());
    let messages = reply.sse_messages();
    let methods: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["method"].as_str())
        .collect();
    assert_eq!(
        methods, ["notifications/progress"; 3],
        "no logs without opting in"
    );
    assert_eq!(messages[3]["result"]["resultType"], "complete");
    assert!(
        !reply.body.contains("id: "),
        "no event ids: stateless streams are not resumable"
    );

    call["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!("info");
    let reply = send(&server, &call, &[]).await;
    let logs: Vec<Value> = reply
        .sse_messages()
        .into_iter()
        .filter(|m| m["method"] == "notifications/message")
        .collect();
    assert_eq!(logs.len(), 1, "info and above: {logs:?}");
    assert_eq!(logs[0]["params"]["data"], "chatty says hi");
}

#[tokio::test]
async fn closing_the_stream_cancels_and_a_silent_call_gets_keep_alives() {
    let server = TestServer::start(server()).await;
    let call = request(1, "tools/call", json!({"name": "silent"}));
    let response = raw(&server, &call, &[]).await;
    // Silent past the keep-alive interval: the reply switches to SSE and sends a comment.
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    assert_eq!(
        response
            .headers()
            .get("x-accel-buffering")
            .and_then(|v| v.to_str().ok()),
        Some("no")
    );
    let mut body = Box::pin(response.bytes_stream());
    let chunk = futures_util::StreamExt::next(&mut body)
        .await
        .and_then(Result::ok)
        .unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&chunk).starts_with(':'),
        "a keep-alive comment: {chunk:?}"
    );
    let ticks = SILENT_TICKS.load(Ordering::SeqCst);
    assert!(ticks > 0);
    drop(body); // the client closes the stream: that is the cancellation
    for _ in 0..200 {
        if SILENT_STOPPED.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        SILENT_STOPPED.load(Ordering::SeqCst),
        "the tool's future was dropped"
    );
    let stopped_at = SILENT_TICKS.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(SILENT_TICKS.load(Ordering::SeqCst), stopped_at);
    let _ = SseReader::new;
}

#[tokio::test]
async fn no_sessions_get_delete_and_notifications_as_the_revision_says() {
    let server = TestServer::start(server()).await;
    let client = server.client();
    for method in [Method::GET, Method::DELETE] {
        let response = client
            .send(method.clone(), None, &[("mcp-protocol-version", V)])
            .await;
        assert_eq!(response.status(), 405, "{method}");
    }
    let note =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}});
    let reply = tests::read(
        client
            .send(Method::POST, Some(note), &[("mcp-protocol-version", V)])
            .await,
    )
    .await;
    assert_eq!((reply.status, reply.body.as_str()), (202, ""));
    let reply = send(
        &server,
        &request(1, "tools/list", json!({})),
        &[("mcp-session-id", "whatever")],
    )
    .await;
    assert_eq!(reply.status, 200, "a session id is ignored");
    assert!(reply.session.is_none());
}

#[tokio::test]
async fn both_eras_side_by_side() {
    let server = TestServer::start(server()).await;
    let mut legacy = server.client();
    let init = legacy.initialize("2025-11-25").await;
    assert_eq!(init["protocolVersion"], "2025-11-25");
    let list = request(1, "tools/list", json!({}));
    let (stateless, handshake) = tokio::join!(
        send(&server, &list, &[]),
        legacy.request(2, "tools/list", json!({})),
    );
    assert_eq!(stateless.json()["result"]["resultType"], "complete");
    assert!(
        handshake.json()["result"].get("resultType").is_none(),
        "handshake-era shapes unchanged"
    );
    assert!(handshake.json()["result"].get("ttlMs").is_none());
    // A handshake-era session cannot be smuggled into a stateless request, nor the reverse.
    let reply = legacy.request(3, "server/discover", json!({})).await;
    assert_eq!(
        error_code(&reply),
        -32602,
        "server/discover needs an envelope: {}",
        reply.body
    );
    let anonymous = server.client().request(4, "tools/list", json!({})).await;
    assert_eq!(anonymous.status, 400, "no envelope and no session");
}

#[tokio::test]
async fn subscriptions_listen_streams_tool_list_changes_until_shutdown() {
    let (router, handle) = server().router_with_handle();
    let server = TestServer::start_router(router).await;
    let discovered = send(&server, &request(1, "server/discover", json!({})), &[]).await;
    assert_eq!(
        discovered.json()["result"]["capabilities"]["tools"]["listChanged"],
        true
    );

    let listen = request(
        2,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true, "promptsListChanged": true}}),
    );
    let response = raw(&server, &listen, &[]).await;
    assert_eq!(response.status(), 200);
    let mut events = SseReader::new(response);
    let ack = events.next_message().await.expect("acknowledgment").json();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        2
    );
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true}),
        "only what this server sends is acknowledged"
    );

    handle.add_tool(echo_tool());
    let changed = events.next_message().await.expect("list_changed").json();
    assert_eq!(changed["method"], "notifications/tools/list_changed");
    assert_eq!(
        changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        2
    );

    // Shutting down ends the subscription gracefully: a result, then the end of the stream.
    handle.shutdown();
    let end = events.next_message().await.expect("final result").json();
    assert_eq!(end["id"], 2);
    assert_eq!(end["result"]["resultType"], "complete");
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn subscriptions_listen_with_bad_params_is_invalid_params() {
    let server = TestServer::start(server()).await;
    let bad = request(
        3,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": "yes"}}),
    );
    let reply = send(&server, &bad, &[]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(error_code(&reply), -32602);
}
