//! The admission decisions (issue 25) are counted in `mcp_admission_total`: a session
//! evicted, a call queued, a call shed. Its own test binary: the metrics recorder and its
//! gauges are process-wide, and these calls would move another test's gauges.

use std::time::Duration;

use mcp_runtime::Server;
use serde_json::json;
use tests::TestServer;
use tests::metrics::{sample, scrape};

#[path = "../../examples/examples/progress.rs"]
#[allow(dead_code)]
mod progress;

#[tokio::test]
async fn admission_decisions_are_counted() {
    let server = TestServer::start(
        Server::new("admitting")
            .tool(progress::stream_data_analysis_tool())
            .max_sessions(1)
            .max_concurrent_calls(1)
            .call_queue(1)
            .metrics("/metrics"),
    )
    .await;
    let base = server.url.trim_end_matches("/mcp").to_owned();
    let count = |text: &str, resource: &str, decision: &str| {
        sample(
            text,
            "mcp_admission_total",
            &[("resource", resource), ("decision", decision)],
        )
    };
    let before = scrape(&base).await;
    let mut first = server.client();
    first.initialize("2025-06-18").await;
    let mut second = server.client();
    second.initialize("2025-06-18").await;
    let call =
        json!({"name": "stream_data_analysis", "arguments": {"dataset": "d", "chunk_size": 250}});
    // One runs, one waits for its slot, one finds the queue full.
    let calls: Vec<_> = (1..=3)
        .map(|id| {
            let client = second.clone();
            let call = call.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50 * id as u64)).await;
                client.request(id, "tools/call", call).await.status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.expect("task"));
    }
    assert_eq!(statuses, [200, 200, 503]);
    let after = scrape(&base).await;
    for (resource, decision) in [("session", "evicted"), ("call", "queued"), ("call", "shed")] {
        assert!(
            count(&after, resource, decision) > count(&before, resource, decision),
            "{resource} {decision}:\n{after}"
        );
    }
}
