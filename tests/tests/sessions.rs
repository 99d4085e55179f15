//! Sessions, streams, resumption, cancellation, logging and batches over raw HTTP.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use mcp_runtime::{CallToolResult, Server, ToolDef, log, progress, tool};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Client, SseReader, TestServer};

/// What the `linger` tool did, by key: ticks counted, and whether it was dropped.
static LINGER: Mutex<Option<HashMap<String, (u64, bool)>>> = Mutex::new(None);

fn linger_state(key: &str) -> (u64, bool) {
    LINGER
        .lock()
        .expect("lock")
        .as_ref()
        .and_then(|m| m.get(key).copied())
        .unwrap_or_default()
}

fn linger_update(key: &str, f: impl FnOnce(&mut (u64, bool))) {
    let mut guard = LINGER.lock().expect("lock");
    f(guard
        .get_or_insert_with(HashMap::new)
        .entry(key.to_owned())
        .or_default());
}

struct DropFlag(String);

impl Drop for DropFlag {
    fn drop(&mut self) {
        linger_update(&self.0, |s| s.1 = true);
    }
}

/// Tick every 10 ms for up to 30 s, recording each tick under `key`.
#[tool]
async fn linger(key: String) -> String {
    let _flag = DropFlag(key.clone());
    for _ in 0..3000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        linger_update(&key, |s| s.0 += 1);
    }
    "lingered".into()
}

/// `n` progress steps, `delay_ms` apart.
#[tool]
async fn slow_steps(n: u32, delay_ms: u64) -> String {
    for i in 1..=n {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        progress!(i, n);
    }
    format!("{n} slow steps")
}

/// Log at four levels.
#[tool]
async fn noisy() -> &'static str {
    log!(debug, "debug detail");
    log!(info, "info line");
    log!(warning, "warning line");
    log!(error, "error {}", 42);
    "logged"
}

/// One frame, then close the stream (SEP-1699) and go on in silence.
#[tool]
async fn poll_me(ctx: mcp_runtime::Context) -> &'static str {
    progress!("before the break");
    ctx.close_sse_stream().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    progress!("after the break");
    "polled"
}

fn server() -> Server {
    Server::new("sessions")
        .tool(poll_me_tool())
        .tool(linger_tool())
        .tool(slow_steps_tool())
        .tool(noisy_tool())
}

async fn initialized(server: &TestServer, version: &str) -> Client {
    let mut client = server.client();
    client.initialize(version).await;
    client
}

fn call(id: i64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments, "_meta": {"progressToken": id}}})
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn sse_events_have_ids_naming_their_stream_and_2025_11_25_gets_a_priming_event() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-11-25").await;
    let response = client
        .send(
            Method::POST,
            Some(call(1, "slow_steps", json!({"n": 2, "delay_ms": 1}))),
            &[],
        )
        .await;
    let mut events = SseReader::new(response);
    let priming = events.next().await.expect("priming event");
    assert_eq!(priming.data, "");
    assert_eq!(priming.retry, Some(1000));
    let priming_id = priming.id.expect("priming id");
    let mut ids = vec![priming_id.clone()];
    while let Some(event) = events.next().await {
        ids.push(event.id.expect("every message event has an id"));
    }
    assert_eq!(ids.len(), 4, "priming, 2 progress, response: {ids:?}");
    let stream = priming_id
        .split('-')
        .next()
        .expect("stream part")
        .to_owned();
    assert!(
        ids.iter().all(|id| id.starts_with(&format!("{stream}-"))),
        "{ids:?}"
    );
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());

    // A second stream of the same session has a different stream part.
    let response = client
        .send(
            Method::POST,
            Some(call(2, "slow_steps", json!({"n": 1, "delay_ms": 1}))),
            &[],
        )
        .await;
    let other = SseReader::new(response)
        .next()
        .await
        .and_then(|e| e.id)
        .expect("id");
    assert!(
        !other.starts_with(&format!("{stream}-")),
        "{other} vs {stream}"
    );
}

#[tokio::test]
async fn older_clients_get_no_priming_event() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-06-18").await;
    let response = client
        .send(
            Method::POST,
            Some(call(1, "slow_steps", json!({"n": 1, "delay_ms": 1}))),
            &[],
        )
        .await;
    let first = SseReader::new(response).next().await.expect("event");
    assert_eq!(first.json()["method"], "notifications/progress");
    assert!(first.id.is_some());
}

#[tokio::test]
async fn a_dropped_call_stream_resumes_with_last_event_id_and_misses_nothing() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-11-25").await;
    let response = client
        .send(
            Method::POST,
            Some(call(7, "slow_steps", json!({"n": 6, "delay_ms": 30}))),
            &[],
        )
        .await;
    let mut events = SseReader::new(response);
    let first = events.next_message().await.expect("first frame");
    assert_eq!(first.json()["params"]["progress"], 1);
    let resume_from = first.id.expect("id");
    drop(events); // the connection is gone; the call goes on

    let resumed = client.get_stream(Some(&resume_from)).await;
    assert_eq!(resumed.status(), 200);
    let mut events = SseReader::new(resumed);
    let mut progress = Vec::new();
    let mut response = None;
    while let Some(event) = events.next_message().await {
        let message = event.json();
        match message["params"]["progress"].as_u64() {
            Some(p) => progress.push(p),
            None => response = Some(message),
        }
    }
    assert_eq!(
        progress,
        [2, 3, 4, 5, 6],
        "every frame after the one we saw, once"
    );
    let response = response.expect("the response arrives on the resumed stream");
    assert_eq!(response["id"], 7);
    assert_eq!(response["result"]["content"][0]["text"], "6 slow steps");
}

#[tokio::test]
async fn resuming_from_an_unknown_or_evicted_event_is_404() {
    let server = TestServer::start(server().replay_buffer(2, 4)).await;
    let client = initialized(&server, "2025-11-25").await;
    for id in ["999-1", "garbage"] {
        let response = client.get_stream(Some(id)).await;
        assert_eq!(response.status(), 404, "Last-Event-ID {id}");
    }
    let reply = client
        .post(call(1, "slow_steps", json!({"n": 5, "delay_ms": 1})))
        .await;
    let first_id = tests::parse_sse(&reply.body).len();
    assert_eq!(first_id, 7, "priming + 5 frames + response");
    let stream = reply
        .body
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .and_then(|id| id.split('-').next())
        .expect("id");
    // Only the last 2 events are kept: resuming after event 1 would lose events 2..4.
    let response = client.get_stream(Some(&format!("{stream}-1"))).await;
    assert_eq!(response.status(), 404);
    let response = client.get_stream(Some(&format!("{stream}-5"))).await;
    assert_eq!(response.status(), 200);
    let last = SseReader::new(response)
        .next_message()
        .await
        .expect("the response");
    assert_eq!(last.json()["id"], 1);
}

#[tokio::test]
async fn one_get_stream_per_session_carrying_list_changed() {
    let (router, handle) = server().router_with_handle();
    let server = TestServer::start_router(router).await;
    let client = initialized(&server, "2025-11-25").await;

    let stream = client.get_stream(None).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let second = client.get_stream(None).await;
    assert_eq!(second.status(), 409);

    let mut events = SseReader::new(stream);
    assert_eq!(
        events.next().await.map(|e| e.data),
        Some(String::new()),
        "priming"
    );
    handle.add_tool(ToolDef::new(
        "extra",
        json!({"type": "object"}),
        |_| async { CallToolResult::text("x") },
    ));
    let changed = events.next_message().await.expect("list_changed");
    assert_eq!(
        changed.json(),
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}})
    );
    let names = client.request(3, "tools/list", json!({})).await.json()["result"]["tools"].clone();
    assert!(
        names
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["name"] == "extra"))
    );

    assert!(handle.remove_tool("extra"));
    assert!(!handle.remove_tool("extra"));
    assert!(
        events.next_message().await.is_some(),
        "a second list_changed"
    );
    drop(events);
    eventually("the GET stream is released", || true).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        client.get_stream(None).await.status(),
        200,
        "free again once the first is closed"
    );
}

#[tokio::test]
async fn get_is_405_when_the_standalone_stream_is_off() {
    let server = TestServer::start(server().standalone_stream(false)).await;
    let client = initialized(&server, "2025-11-25").await;
    assert_eq!(client.get_stream(None).await.status(), 405);
    let anonymous = server.client();
    assert_eq!(anonymous.get_stream(None).await.status(), 400, "no session");
}

#[tokio::test]
async fn notifications_cancelled_stops_the_tool_and_no_response_is_sent() {
    // A short keep-alive: the silent call's reply turns into an SSE stream at once.
    let server = TestServer::start(server().keep_alive(Duration::from_millis(50))).await;
    let client = initialized(&server, "2025-11-25").await;
    let key = "cancel-by-notification";
    let response = client
        .send(
            Method::POST,
            Some(call(41, "linger", json!({"key": key}))),
            &[],
        )
        .await;
    eventually("the tool runs", || linger_state(key).0 > 2).await;
    let ack = client
        .post(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 41, "reason": "user"}}))
        .await;
    assert_eq!(ack.status, 202);
    eventually("the tool is dropped", || linger_state(key).1).await;
    let ticks = linger_state(key).0;
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(linger_state(key).0, ticks, "no ticks after cancellation");
    let body = response.text().await.expect("body");
    assert!(
        !body.contains("\"id\":41"),
        "no response for a cancelled request: {body}"
    );
}

#[tokio::test]
async fn resuming_a_stream_that_ended_with_nothing_after_the_cursor_is_404() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-11-25").await;
    let key = "cancel-then-resume";
    let response = client
        .send(
            Method::POST,
            Some(call(51, "linger", json!({"key": key}))),
            &[],
        )
        .await;
    let mut events = SseReader::new(response);
    let priming = events.next().await.expect("priming event");
    let priming_id = priming.id.expect("priming id");
    eventually("the tool runs", || linger_state(key).0 > 2).await;
    client
        .post(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 51}}))
        .await;
    assert!(
        events.next().await.is_none(),
        "the stream ends with no response"
    );
    // The SDKs resume a stream that saw a priming event and ended without a response. An
    // empty 200 would bring them back after every `retry`, for ever.
    let resumed = tests::read(client.get_stream(Some(&priming_id)).await).await;
    assert_eq!(resumed.status, 404, "{}", resumed.body);
    let message = resumed.json()["error"]["message"].clone();
    assert!(
        message.as_str().is_some_and(|m| m.contains("has ended")),
        "{message}"
    );

    // A finished call: resuming before its response replays it; after it, nothing is left.
    let reply = client
        .post(call(52, "slow_steps", json!({"n": 1, "delay_ms": 1})))
        .await;
    let ids: Vec<&str> = reply
        .body
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .collect();
    assert_eq!(ids.len(), 3, "priming, progress, response: {}", reply.body);
    let replayed = tests::read(client.get_stream(Some(ids[1])).await).await;
    assert_eq!(replayed.status, 200);
    assert_eq!(replayed.sse_messages()[0]["id"], 52);
    let after_the_end = client.get_stream(Some(ids[2])).await;
    assert_eq!(after_the_end.status(), 404);
}

#[tokio::test]
async fn delete_ends_the_session_and_cancels_its_calls() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-11-25").await;
    let key = "cancel-by-delete";
    let pending = tokio::spawn({
        let client = client.clone();
        async move {
            let response = client
                .send(
                    Method::POST,
                    Some(call(5, "linger", json!({"key": key}))),
                    &[],
                )
                .await;
            response.text().await
        }
    });
    eventually("the tool runs", || linger_state(key).0 > 2).await;
    assert_eq!(client.delete().await, 200);
    eventually("the tool is dropped", || linger_state(key).1).await;
    assert_eq!(
        client.request(6, "ping", json!({})).await.status,
        404,
        "the session is gone"
    );
    assert_eq!(client.delete().await, 404);
    let _ = pending.await;
}

#[tokio::test]
async fn disconnecting_does_not_cancel_a_call() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-11-25").await;
    let response = client
        .send(
            Method::POST,
            Some(call(9, "slow_steps", json!({"n": 3, "delay_ms": 20}))),
            &[],
        )
        .await;
    let mut events = SseReader::new(response);
    let first = events.next_message().await.expect("frame");
    drop(events);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let resumed = client.get_stream(first.id.as_deref()).await;
    let body = resumed.text().await.expect("body");
    assert!(
        body.contains("3 slow steps"),
        "the call finished while nobody listened: {body}"
    );
}

#[tokio::test]
async fn log_messages_follow_the_sessions_level() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-11-25").await;
    let levels = |reply: &tests::Reply| -> Vec<String> {
        reply
            .sse_messages()
            .iter()
            .filter(|m| m["method"] == "notifications/message")
            .map(|m| {
                format!(
                    "{}: {}",
                    m["params"]["level"].as_str().unwrap_or("?"),
                    m["params"]["data"].as_str().unwrap_or("?")
                )
            })
            .collect()
    };
    let all = client
        .request(1, "tools/call", json!({"name": "noisy"}))
        .await;
    assert_eq!(
        levels(&all),
        [
            "debug: debug detail",
            "info: info line",
            "warning: warning line",
            "error: error 42"
        ]
    );

    let set = client
        .request(2, "logging/setLevel", json!({"level": "warning"}))
        .await;
    assert_eq!(set.json()["result"], json!({}));
    let filtered = client
        .request(3, "tools/call", json!({"name": "noisy"}))
        .await;
    assert_eq!(
        levels(&filtered),
        ["warning: warning line", "error: error 42"]
    );

    let bad = client
        .request(4, "logging/setLevel", json!({"level": "loud"}))
        .await;
    assert_eq!(bad.json()["error"]["code"], -32602);
}

#[tokio::test]
async fn batches_only_under_2025_03_26() {
    let server = TestServer::start(server()).await;
    let old = initialized(&server, "2025-03-26").await;
    let reply = old
        .post(json!([
            {"jsonrpc": "2.0", "id": 1, "method": "ping"},
            {"jsonrpc": "2.0", "method": "notifications/whatever"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "slow_steps", "arguments": {"n": 1, "delay_ms": 1}}},
            {"jsonrpc": "2.0", "id": 3, "method": "nope"},
            {"jsonrpc": "2.0", "id": 4, "method": "initialize"}
        ]))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let replies = reply.json();
    let by_id = |id: i64| {
        replies
            .as_array()
            .and_then(|a| a.iter().find(|r| r["id"] == id))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(by_id(1)["result"], json!({}));
    assert_eq!(by_id(2)["result"]["content"][0]["text"], "1 slow steps");
    assert_eq!(by_id(3)["error"]["code"], -32601);
    assert_eq!(by_id(4)["error"]["code"], -32600);
    assert_eq!(replies.as_array().map(Vec::len), Some(4));

    let only_notifications = old
        .post(json!([{"jsonrpc": "2.0", "method": "notifications/whatever"}]))
        .await;
    assert_eq!(only_notifications.status, 202);
    let empty = old.post(json!([])).await;
    assert_eq!(empty.status, 400);

    for version in ["2024-11-05", "2025-06-18", "2025-11-25"] {
        let client = initialized(&server, version).await;
        let reply = client
            .post(json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}]))
            .await;
        assert_eq!(
            (reply.status, reply.json()["error"]["code"].as_i64()),
            (400, Some(-32600)),
            "{version}"
        );
    }
}

#[tokio::test]
async fn idle_sessions_expire() {
    let (router, handle) = server()
        .session_idle_timeout(Duration::from_millis(100))
        .router_with_handle();
    let server = TestServer::start_router(router).await;
    let client = initialized(&server, "2025-11-25").await;
    assert_eq!(client.request(1, "ping", json!({})).await.status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    handle.expire_idle_sessions();
    assert_eq!(handle.session_count(), 0);
    assert_eq!(client.request(2, "ping", json!({})).await.status, 404);
}

#[tokio::test]
async fn idle_sessions_are_freed_without_further_traffic() {
    let (router, handle) = server()
        .session_idle_timeout(Duration::from_millis(100))
        .router_with_handle();
    let server = TestServer::start_router(router).await;
    let _client = initialized(&server, "2025-11-25").await;
    assert_eq!(handle.session_count(), 1);
    // Nobody calls the server again: the background sweep alone ends the session.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while handle.session_count() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the idle session was never swept"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn ten_thousand_sessions_leave_nothing_behind() {
    let (router, handle) = server()
        .handshake_timeout(Duration::from_millis(300))
        .router_with_handle();
    let server = TestServer::start_router(router).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "n", "version": "0"}}});
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let mut client = server.client();
        let init = init.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..1250 {
                client.session = None;
                let reply = client.post(init.clone()).await;
                client.session = reply.session;
                // Half are ended by DELETE; the other half never finish the handshake and expire.
                if (worker + i) % 2 == 0 {
                    assert_eq!(client.delete().await, 200);
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("worker");
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    handle.expire_idle_sessions();
    assert_eq!(handle.session_count(), 0);
}

#[tokio::test]
async fn tools_list_is_paginated() {
    let server = TestServer::start(server().page_size(2)).await;
    let client = initialized(&server, "2025-11-25").await;
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        assert!(page < 5, "too many pages");
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let result = client.request(page, "tools/list", params).await.json()["result"].clone();
        names.extend(
            result["tools"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["name"].as_str().map(str::to_owned)),
        );
        match result["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(names, ["poll_me", "linger", "slow_steps", "noisy"]);
    let bad = client
        .request(9, "tools/list", json!({"cursor": "bogus"}))
        .await;
    assert_eq!(bad.json()["error"]["code"], -32602);
}

#[tokio::test]
async fn a_tool_can_close_its_stream_and_the_client_polls_for_the_rest() {
    let server = TestServer::start(server()).await;
    let client = initialized(&server, "2025-11-25").await;
    let response = client
        .send(Method::POST, Some(call(3, "poll_me", json!({}))), &[])
        .await;
    let mut events = SseReader::new(response);
    let priming = events.next().await.expect("priming");
    assert_eq!(
        priming.retry,
        Some(1000),
        "the client learns when to come back"
    );
    let before = events.next_message().await.expect("first frame");
    assert_eq!(before.json()["params"]["message"], "before the break");
    assert!(
        events.next().await.is_none(),
        "the server closed the stream before the response"
    );

    let resumed = client.get_stream(before.id.as_deref()).await;
    assert_eq!(resumed.status(), 200);
    let rest: Vec<Value> = {
        let mut events = SseReader::new(resumed);
        let mut rest = Vec::new();
        while let Some(event) = events.next_message().await {
            rest.push(event.json());
        }
        rest
    };
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert_eq!(rest[0]["params"]["message"], "after the break");
    assert_eq!(rest[1]["result"]["content"][0]["text"], "polled");

    // Clients before 2025-11-25 cannot reconnect like that: their stream stays open.
    let old = initialized(&server, "2025-06-18").await;
    let reply = old.post(call(4, "poll_me", json!({}))).await;
    assert!(reply.body.contains("polled"), "{}", reply.body);
}
