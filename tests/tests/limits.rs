//! Limits hold: the session cap under a flood, the batch size, concurrent calls, and the
//! call timeout. Each refusal is clean (a status and a message that says which limit).

use std::time::Duration;

use mcp_runtime::{Server, ToolDef, tool};
use serde_json::json;
use tests::TestServer;

/// Sleep for `ms` milliseconds.
#[tool]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms} ms")
}

fn init_body() -> String {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "flood", "version": "0"}}})
    .to_string()
}

#[tokio::test]
async fn the_session_cap_holds_under_a_flood_and_refuses_only_when_all_are_busy() {
    let server = TestServer::start(Server::new("capped").max_sessions(50).tool(nap_tool())).await;
    let client = server.client();
    let floods: Vec<_> = (0..200)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.post_raw(init_body()).await })
        })
        .collect();
    let mut sessions = Vec::new();
    for flood in floods {
        let reply = flood.await.expect("task");
        assert_eq!(reply.status, 200, "idle sessions make room: {}", reply.body);
        sessions.push(reply.session.expect("a session id"));
    }
    // At most 50 of them are still open: the oldest idle ones were evicted (404).
    let mut live = 0;
    for session in &sessions {
        let mut c = server.client();
        c.session = Some(session.clone());
        let reply = c.request(1, "ping", json!({})).await;
        match reply.status {
            200 => live += 1,
            404 => {}
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(live, 50);
    // When every session is busy, a newcomer is refused, and told when to come back.
    let busy = Server::new("busy-cap").max_sessions(2).tool(nap_tool());
    let server = TestServer::start(busy).await;
    let mut naps = Vec::new();
    for _ in 0..2 {
        let mut c = server.client();
        c.initialize("2025-06-18").await;
        naps.push(tokio::spawn(async move {
            c.request(
                2,
                "tools/call",
                json!({"name": "nap", "arguments": {"ms": 1500}}),
            )
            .await
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = server.client();
    let refused = client
        .http
        .post(&client.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(init_body())
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let body = refused.text().await.expect("body");
    assert!(body.contains("2 sessions"), "{body}");
    for nap in naps {
        assert_eq!(nap.await.expect("task").status, 200);
    }
}

#[tokio::test]
async fn a_batch_past_the_limit_is_refused_whole() {
    let server = TestServer::start(Server::new("batches").tool(nap_tool())).await;
    let mut client = server.client();
    client.initialize("2025-03-26").await;
    let batch: Vec<_> = (0..30_000)
        .map(|id| {
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "nap", "arguments": {"ms": 0}}})
        })
        .collect();
    let reply = client.post(json!(batch)).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("30000 messages"), "{}", reply.body);
    assert!(reply.body.contains("at most 64"), "{}", reply.body);
}

#[tokio::test]
async fn calls_past_the_concurrency_limit_wait_then_past_the_queue_are_refused() {
    let server = TestServer::start(
        Server::new("busy")
            .max_concurrent_calls(2)
            .call_queue(1)
            .tool(nap_tool()),
    )
    .await;
    let mut client = server.client();
    client.initialize("2025-06-18").await;
    let call = |id: i64, ms: u64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "nap", "arguments": {"ms": ms}}})
    };
    let slow: Vec<_> = (1..=2)
        .map(|id| {
            let client = client.clone();
            let body = call(id, 1500);
            tokio::spawn(async move { client.post(body).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The third waits for a slot; the fourth finds the queue full.
    let third = tokio::spawn({
        let client = client.clone();
        let body = call(3, 0);
        async move { client.post(body).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fourth = client.post(call(4, 0)).await;
    assert_eq!(fourth.status, 503, "{}", fourth.body);
    assert!(fourth.body.contains("2 tool calls"), "{}", fourth.body);
    for call in slow {
        assert_eq!(call.await.expect("task").status, 200);
    }
    let third = third.await.expect("task");
    assert_eq!(
        third.json()["result"]["content"][0]["text"],
        "slept 0 ms",
        "{}",
        third.body
    );
}

/// Sleep far longer than the tool's own timeout allows.
#[tool(timeout = "150ms")]
async fn dawdle() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "never"
}

#[tokio::test]
async fn a_tool_attribute_sets_its_own_timeout() {
    let server = TestServer::start(Server::new("own-timeout").tool(dawdle_tool())).await;
    let mut client = server.client();
    client.initialize("2025-06-18").await;
    let reply = client
        .request(1, "tools/call", json!({"name": "dawdle", "arguments": {}}))
        .await;
    let result = &reply.json()["result"];
    assert_eq!(result["isError"], true);
    assert!(
        result["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("did not finish within 150ms")),
        "{result}"
    );
}

#[tokio::test]
async fn a_call_past_its_timeout_ends_with_an_error_result() {
    let patient = nap_tool().timeout(Duration::from_secs(30));
    let impatient = ToolDef::new("impatient", json!({"type": "object"}), |_| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        mcp_runtime::CallToolResult::text("never")
    });
    let server = TestServer::start(
        Server::new("timeouts")
            .call_timeout(Duration::from_millis(200))
            .tool(patient)
            .tool(impatient),
    )
    .await;
    let mut client = server.client();
    client.initialize("2025-06-18").await;
    let reply = client
        .request(
            1,
            "tools/call",
            json!({"name": "impatient", "arguments": {}}),
        )
        .await;
    let result = &reply.json()["result"];
    assert_eq!(result["isError"], true);
    assert!(
        result["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("did not finish within 200ms")),
        "{result}"
    );
    // A tool's own timeout wins over the server's.
    let reply = client
        .request(
            2,
            "tools/call",
            json!({"name": "nap", "arguments": {"ms": 400}}),
        )
        .await;
    assert_eq!(reply.json()["result"]["content"][0]["text"], "slept 400 ms");
}
