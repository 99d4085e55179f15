//! The in-process client drives a server with no socket, in both eras, the way a user's
//! unit tests would.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use mcp_runtime::client::{CallUpdate, Client, ClientError};
use mcp_runtime::protocol::ProtocolVersion;
use mcp_runtime::{Server, progress, tool};
use serde_json::json;

/// Count to `to`, reporting each step.
#[tool]
async fn count(to: u32) -> String {
    for n in 1..=to {
        progress!(n, to, "at {n}");
    }
    format!("counted to {to}")
}

/// Set when a `wait` call is dropped.
static DROPPED: AtomicBool = AtomicBool::new(false);

/// Wait until cancelled; note the cancellation.
#[tool]
async fn wait() -> &'static str {
    struct Guard;
    impl Drop for Guard {
        fn drop(&mut self) {
            DROPPED.store(true, Ordering::SeqCst);
        }
    }
    let _guard = Guard;
    std::future::pending::<()>().await;
    "never"
}

fn server() -> Server {
    Server::new("in-process")
        .tool(count_tool())
        .tool(wait_tool())
}

#[tokio::test]
async fn a_tool_test_without_sockets_in_both_eras() {
    for version in [None, Some(ProtocolVersion::V2025_11_25)] {
        DROPPED.store(false, Ordering::SeqCst);
        let mut builder = Client::in_process(server());
        if let Some(version) = version {
            builder = builder.protocol_version(version);
        }
        let client = builder.connect().await.expect("connects");
        let expected = version.unwrap_or(ProtocolVersion::V2026_07_28);
        assert_eq!(client.protocol_version(), expected);

        let names: Vec<String> = client
            .list_tools()
            .await
            .expect("list")
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["count", "wait"]);

        let mut call = client.call_tool("count", json!({"to": 3}));
        let mut steps = Vec::new();
        while let Some(update) = call.next().await {
            if let CallUpdate::Progress(p) = update {
                steps.push(p.message.unwrap_or_default());
            }
        }
        assert_eq!(steps, ["at 1", "at 2", "at 3"], "{expected}");
        assert_eq!(
            call.result().await.expect("result").text_content(),
            "counted to 3"
        );

        let bad = client.call_tool("count", json!({"to": "many"})).await;
        assert!(
            matches!(&bad, Err(ClientError::Tool { result, .. }) if result.text_content().contains("to")),
            "{bad:?}"
        );

        // Dropping a call cancels it on the server.
        let waiting = client.call_tool("wait", json!({}));
        let _ = tokio::time::timeout(Duration::from_millis(100), waiting).await;
        for _ in 0..100 {
            if DROPPED.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            DROPPED.load(Ordering::SeqCst),
            "{expected}: the call was dropped"
        );
        client.close().await;
    }
}
