//! The Prometheus endpoint: scraped before, during and after a streaming call, its
//! counters move (requests, tool calls and their durations, SSE streams, frames and bytes,
//! sessions, rejections).

use std::time::Duration;

use mcp_runtime::Server;
use reqwest::Method;
use serde_json::json;
use tests::metrics::{sample, scrape};
use tests::{SseReader, TestServer};

#[path = "../../examples/examples/progress.rs"]
#[allow(dead_code)]
mod progress;

#[tokio::test]
async fn counters_move_across_a_streaming_call() {
    let server = TestServer::start(
        Server::new("metered")
            .tool(progress::stream_data_analysis_tool())
            .metrics("/metrics"),
    )
    .await;
    let base = server.url.trim_end_matches("/mcp").to_owned();
    let before = scrape(&base).await;

    let mut client = server.client();
    client.initialize("2025-11-25").await;
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "stream_data_analysis", "arguments": {"dataset": "d", "chunk_size": 250},
        "_meta": {"progressToken": "m"}}});
    let response = client
        .send(
            Method::POST,
            Some(call),
            &[("mcp-protocol-version", "2025-11-25")],
        )
        .await;
    let mut events = SseReader::new(response);
    let first = events.next_message().await.expect("a progress frame");
    assert_eq!(first.json()["method"], "notifications/progress");
    let during = scrape(&base).await;
    assert!(
        sample(&during, "mcp_sse_streams_active", &[]) >= 1.0,
        "an open stream is counted:\n{during}"
    );
    assert!(
        sample(&during, "mcp_sessions_active", &[]) >= 1.0,
        "{during}"
    );
    assert_eq!(
        sample(&during, "mcp_tool_calls_active", &[]),
        1.0,
        "the running call is counted:\n{during}"
    );
    let mut last = first;
    while let Some(event) = events.next_message().await {
        last = event;
    }
    assert_eq!(last.json()["id"], 7, "the stream ends with the response");
    // A refused request counts as a rejection.
    let refused = client
        .send(
            Method::POST,
            Some(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})),
            &[("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(refused.status(), 403);

    // The stream's end (its gauge and duration) is recorded when its body is dropped.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let after = loop {
        let after = scrape(&base).await;
        let closed = sample(&after, "mcp_sse_stream_duration_seconds_count", &[])
            > sample(&before, "mcp_sse_stream_duration_seconds_count", &[]);
        if closed || tokio::time::Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let moved = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    let tool = [("tool", "stream_data_analysis")];
    assert_eq!(
        sample(&after, "mcp_tool_calls_active", &[]),
        0.0,
        "the call has ended: {after}"
    );
    assert_eq!(
        moved(
            "mcp_tool_calls_total",
            &[("tool", "stream_data_analysis"), ("outcome", "ok")]
        ),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved("mcp_tool_call_duration_seconds_count", &tool),
        1.0,
        "{after}"
    );
    assert!(
        moved("mcp_tool_call_duration_seconds_sum", &tool) >= 0.3,
        "four 100 ms chunks: {after}"
    );
    assert_eq!(
        moved(
            "mcp_requests_total",
            &[("method", "tools/call"), ("outcome", "ok")]
        ),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved(
            "mcp_requests_total",
            &[("method", "initialize"), ("outcome", "ok")]
        ),
        1.0,
        "{after}"
    );
    assert!(
        moved("mcp_sse_frames_total", &[]) >= 5.0,
        "4 progress frames and the response: {after}"
    );
    assert!(moved("mcp_sse_bytes_total", &[]) >= 500.0, "{after}");
    assert_eq!(
        moved("mcp_sse_stream_duration_seconds_count", &[]),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved("mcp_rejections_total", &[("reason", "origin")]),
        1.0,
        "{after}"
    );
    assert!(
        after.contains("# TYPE mcp_tool_call_duration_seconds histogram"),
        "{after}"
    );
}
