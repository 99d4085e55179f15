//! The same message sequences over stdio and over HTTP, against one engine: the replies
//! must be the same JSON-RPC messages, because every rule lives in the engine and the
//! transports only move bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use crate::server::{Engine, Server};

/// Set when a call of `wait_forever` is dropped (cancelled).
static DROPPED: AtomicBool = AtomicBool::new(false);

/// Report progress twice, then answer.
#[crate::tool(name = "steps")]
async fn steps() -> &'static str {
    crate::progress!(1, 2, "one");
    crate::progress!(2, 2, "two");
    "done"
}

/// Never answers; notes when it is dropped.
#[crate::tool(name = "wait_forever")]
async fn wait_forever() -> &'static str {
    struct Flag;
    impl Drop for Flag {
        fn drop(&mut self) {
            DROPPED.store(true, Ordering::SeqCst);
        }
    }
    let _flag = Flag;
    std::future::pending::<()>().await;
    "never"
}

fn init(id: i64, version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "parity", "version": "1"}}})
}

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

fn stateless(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    request(id, method, params)
}

/// One message to send (raw text, so malformed ones can be sent too), and how many
/// JSON-RPC messages come back for it.
struct Step {
    text: String,
    replies: usize,
}

fn step(message: Value, replies: usize) -> Step {
    Step {
        text: message.to_string(),
        replies,
    }
}

fn sequences() -> Vec<(&'static str, Vec<Step>)> {
    let initialized = || step(notification("notifications/initialized", json!({})), 0);
    vec![
        (
            "ping before initialize",
            vec![step(request(1, "ping", json!({})), 1)],
        ),
        (
            "initialize twice",
            vec![
                step(init(1, "2025-06-18"), 1),
                initialized(),
                step(init(2, "2025-06-18"), 1),
            ],
        ),
        (
            "initialize inside a 2025-03-26 batch",
            vec![
                step(init(1, "2025-03-26"), 1),
                initialized(),
                Step {
                    text: json!([init(2, "2025-03-26"), request(3, "ping", json!({}))]).to_string(),
                    replies: 1,
                },
            ],
        ),
        (
            "a request before initialize, an unknown method, array params",
            vec![
                step(request(1, "tools/list", json!({})), 1),
                step(init(2, "2025-11-25"), 1),
                initialized(),
                step(request(3, "no/such/method", json!({})), 1),
                Step {
                    text: r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":["steps",{}]}"#
                        .into(),
                    replies: 1,
                },
            ],
        ),
        (
            "a call with progress",
            vec![
                step(init(1, "2025-11-25"), 1),
                initialized(),
                step(
                    request(
                        2,
                        "tools/call",
                        json!({"name": "steps", "arguments": {}, "_meta": {"progressToken": "p"}}),
                    ),
                    3,
                ),
            ],
        ),
        (
            "a cancellation",
            vec![
                step(init(1, "2025-06-18"), 1),
                initialized(),
                step(
                    request(
                        2,
                        "tools/call",
                        json!({"name": "wait_forever", "arguments": {}}),
                    ),
                    0,
                ),
                step(
                    notification("notifications/cancelled", json!({"requestId": 2})),
                    0,
                ),
                step(request(3, "ping", json!({})), 1),
            ],
        ),
        (
            "stateless-era requests",
            vec![
                step(stateless(1, "tools/list", json!({})), 1),
                step(stateless(2, "ping", json!({})), 1),
                step(
                    stateless(3, "tools/call", json!({"name": "steps", "arguments": {}})),
                    1,
                ),
                step(
                    request(
                        4,
                        "tools/list",
                        json!({"_meta": {
                    "io.modelcontextprotocol/protocolVersion": "1999-01-01",
                    "io.modelcontextprotocol/clientCapabilities": {}}}),
                    ),
                    1,
                ),
            ],
        ),
        (
            "malformed JSON and a notification",
            vec![
                Step {
                    text: "{not json".into(),
                    replies: 1,
                },
                step(init(1, "2025-06-18"), 1),
                initialized(),
                step(notification("notifications/whatever", json!({})), 0),
                step(request(2, "ping", json!({})), 1),
            ],
        ),
    ]
}

/// The sequence over stdio: one connection, replies read in order.
async fn over_stdio(engine: Arc<Engine>, steps: &[Step]) -> Vec<Value> {
    let (client_in, server_out) = tokio::io::duplex(1 << 16);
    let (server_in, mut client_out) = tokio::io::duplex(1 << 16);
    let served = tokio::spawn(super::stdio::serve(engine, server_in, server_out));
    let mut lines = BufReader::new(client_in).lines();
    let mut replies = Vec::new();
    for step in steps {
        client_out
            .write_all(format!("{}\n", step.text).as_bytes())
            .await
            .expect("write");
        for _ in 0..step.replies {
            let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
                .await
                .expect("a reply within 10 s")
                .expect("read")
                .expect("open");
            replies.push(serde_json::from_str(&line).expect("a JSON line"));
        }
    }
    drop(client_out);
    let _ = tokio::time::timeout(Duration::from_secs(10), served).await;
    replies
}

/// The sequence over HTTP, as a client would send it: the session id and protocol
/// version after `initialize`, the mirrored headers of 2026-07-28 requests.
async fn over_http(url: &str, steps: &[Step]) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut session: Option<String> = None;
    let mut version: Option<String> = None;
    let mut replies = Vec::new();
    let mut pending = Vec::new();
    for step in steps {
        let mut post = http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(step.text.clone());
        let message: Value = serde_json::from_str(&step.text).unwrap_or(Value::Null);
        let meta_version = message["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"]
            .as_str()
            .map(str::to_owned);
        if let Some(meta_version) = &meta_version {
            post = post.header("mcp-protocol-version", meta_version.as_str());
            if let Some(method) = message["method"].as_str() {
                post = post.header("mcp-method", method);
            }
            if let Some(name) = message["params"]["name"].as_str() {
                post = post.header("mcp-name", name);
            }
        } else {
            if let Some(session) = &session {
                post = post.header("mcp-session-id", session.as_str());
            }
            if let Some(version) = &version {
                post = post.header("mcp-protocol-version", version.as_str());
            }
        }
        if step.replies == 0 {
            // Nothing comes back now (a notification, or a call that will be cancelled):
            // its POST ends later, with no JSON-RPC message.
            pending.push(tokio::spawn(post.send()));
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let response = post.send().await.expect("POST");
        if let Some(id) = response.headers().get("mcp-session-id") {
            session = id.to_str().ok().map(str::to_owned);
        }
        let text = response.text().await.expect("body");
        let got = messages(&text);
        if let Some(negotiated) = got
            .iter()
            .find_map(|m| m["result"]["protocolVersion"].as_str())
        {
            version.get_or_insert_with(|| negotiated.to_owned());
        }
        assert_eq!(got.len(), step.replies, "replies to {}: {text}", step.text);
        replies.extend(got);
    }
    for post in pending {
        let response = tokio::time::timeout(Duration::from_secs(10), post)
            .await
            .expect("the POST ends within 10 s")
            .expect("task")
            .expect("POST");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert_eq!((status, messages(&text).len()), (202, 0), "{text}");
    }
    replies
}

/// The JSON-RPC messages of a reply body: one JSON value, or SSE events.
fn messages(body: &str) -> Vec<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        return vec![value];
    }
    body.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .filter(|data| !data.is_empty())
        .map(|data| serde_json::from_str(data).expect("JSON data"))
        .collect()
}

#[tokio::test]
async fn stdio_and_http_give_the_same_replies() {
    let engine = Server::new("parity")
        .tool(steps_tool())
        .tool(wait_forever_tool())
        .engine();
    let (router, _endpoint) =
        super::http::router(engine.clone(), super::http::Surface::plain("/mcp"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });

    for (name, steps) in sequences() {
        DROPPED.store(false, Ordering::SeqCst);
        let stdio = over_stdio(engine.clone(), &steps).await;
        let http = over_http(&url, &steps).await;
        assert_eq!(stdio, http, "{name}: stdio and HTTP differ");
        assert_eq!(
            stdio.len(),
            steps.iter().map(|s| s.replies).sum::<usize>(),
            "{name}"
        );
        if name == "a cancellation" {
            assert!(
                DROPPED.load(Ordering::SeqCst),
                "the cancelled call was dropped"
            );
        }
        println!(
            "{name}: {}",
            serde_json::to_string(&stdio).unwrap_or_default()
        );
    }
}
