//! A call that emits faster than its client reads is slowed down to the reader's pace
//! (`progress!` waits for room) instead of dropping frames: every frame arrives, in order.

use std::time::Duration;

use mcp_runtime::{Server, progress, tool};
use serde_json::json;
use tests::{SseReader, TestServer};

const FRAMES: u64 = 100_000;

/// Emit `count` progress frames as fast as possible.
#[tool]
async fn flood(count: u64) -> String {
    for done in 1..=count {
        progress!(done, count);
    }
    format!("sent {count}")
}

/// Calls `tool` with `count` frames in a new session, reads nothing for two seconds (the
/// socket buffers fill and the server must hold the tool back rather than keep producing
/// into a bounded replay buffer), then reads every frame, checking each is the next one.
async fn call_and_read_slowly(server: &TestServer, id: u64, tool: &str, count: u64) {
    let mut client = server.client();
    client.initialize("2025-11-25").await;
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": tool, "arguments": {"count": count}, "_meta": {"progressToken": "p"}}});
    let response = client
        .send(
            reqwest::Method::POST,
            Some(call),
            &[("mcp-protocol-version", "2025-11-25")],
        )
        .await;
    assert_eq!(response.status(), 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut events = SseReader::new(response);
    let mut expected = 1;
    let result = loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.next_message())
            .await
            .expect("frames keep coming")
            .expect("the stream ends with the result");
        let message = event.json();
        if message["method"] == "notifications/progress" {
            assert_eq!(
                message["params"]["progress"], expected,
                "frames arrive in order, none missing"
            );
            expected += 1;
        } else {
            break message;
        }
    };
    assert_eq!(expected - 1, count, "every frame arrived");
    assert_eq!(result["id"], id, "{result}");
    assert_eq!(
        result["result"]["content"][0]["text"],
        format!("sent {count}")
    );
}

#[tokio::test]
async fn a_slow_reader_receives_every_frame_in_order() {
    let server = TestServer::start(Server::new("backpressure").tool(flood_tool())).await;
    call_and_read_slowly(&server, 7, "flood", FRAMES).await;
}

/// Emit `count` progress frames of about 4 KB each, as fast as possible.
#[tool]
async fn heavy(count: u64) -> String {
    let padding = "x".repeat(4000);
    for done in 1..=count {
        progress!(done, count, "{padding}");
    }
    format!("sent {count}")
}

/// The same with the Redis store: a call stream in Redis waits for its reader (who may be
/// on another replica) instead of overflowing the bounded Redis Stream, so a slow reader
/// still gets every frame. 3,000 frames of 4 KB are far more than the socket buffers and
/// the 64 events the stream keeps here.
#[tokio::test]
async fn a_slow_reader_on_the_redis_store_receives_every_frame_in_order() {
    let redis = tests::replicas::Redis::start().await;
    let store = mcp_runtime::store::RedisStore::new(redis.url()).prefix("backpressure");
    let server = TestServer::start(
        Server::new("backpressure")
            .tool(heavy_tool())
            .store(store)
            .replay_buffer(64, 16),
    )
    .await;
    call_and_read_slowly(&server, 8, "heavy", 3_000).await;
}
