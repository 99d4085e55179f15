//! The server of the guide this project grew out of ("streaming MCP servers over HTTP"),
//! unchanged for its client: two streaming tools, the user's own SSE routes (one behind a
//! bearer token) on `serve()`'s listener, the tools as plain HTTP with NDJSON streams, and
//! the 2024-11-05 HTTP+SSE transport its `sse_client` speaks.
//!
//! The token of `/secure-stream` is `GUIDE_TOKEN` (default `secret-token`).
//!
//! ```text
//! cargo run -p examples --example guide
//! curl -N http://127.0.0.1:8000/stream
//! curl -N -H 'Authorization: Bearer secret-token' http://127.0.0.1:8000/secure-stream
//! curl -N -X POST -H 'Content-Type: application/json' -d '{"dataset":"logs","chunk_size":250}' \
//!      http://127.0.0.1:8000/tools/stream_data_analysis/stream
//! ```
//!
//! MCP clients connect to `http://127.0.0.1:8000/mcp` (Streamable HTTP) or
//! `http://127.0.0.1:8000/mcp/sse` (the legacy HTTP+SSE transport).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use mcp_runtime::auth::Identity;
use mcp_runtime::{Auth, Server, log, progress, tool};

/// Analyze a dataset in chunks, reporting progress as it goes.
#[tool(read_only)]
pub async fn stream_data_analysis(
    /// Name of the dataset to analyze.
    dataset: String,
    /// Items per chunk.
    #[arg(default = 100)]
    chunk_size: usize,
) -> Result<String, String> {
    const TOTAL: usize = 1000;
    if chunk_size == 0 || chunk_size > TOTAL {
        return Err(format!(
            "chunk_size must be between 1 and {TOTAL}, got {chunk_size}"
        ));
    }
    let mut done = 0;
    while done < TOTAL {
        tokio::time::sleep(Duration::from_millis(50)).await;
        done = (done + chunk_size).min(TOTAL);
        progress!(done, TOTAL, "Processed {done}/{TOTAL} items");
    }
    Ok(format!("Analysis of {dataset} complete: {TOTAL} items"))
}

/// Process items one chunk at a time, logging failures and going on with the rest.
#[tool]
pub async fn robust_streaming_tool(
    /// The items to process.
    items: Vec<String>,
    /// Items per chunk.
    #[arg(default = 2)]
    chunk_size: usize,
) -> Result<String, String> {
    if chunk_size == 0 {
        return Err("chunk_size must be at least 1".into());
    }
    let chunks: Vec<&[String]> = items.chunks(chunk_size).collect();
    let total = chunks.len();
    let mut failed = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if chunk.iter().any(|item| item.is_empty()) {
            failed += 1;
            log!(warning, "chunk {} holds an empty item: skipped", i + 1);
            continue;
        }
        let joined = chunk.join(",");
        progress!(i + 1, total, "Processed chunk {}: {joined}", i + 1);
    }
    Ok(format!(
        "Processed {} of {total} chunks ({failed} skipped)",
        total - failed
    ))
}

/// The guide's `/stream`: a few server-sent events, one every 100 ms.
async fn stream() -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    Sse::new(counting()).keep_alive(KeepAlive::default())
}

/// Five events, `{"count":0}` to `{"count":4}`.
fn counting() -> impl futures_util::Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(0u32, |n| async move {
        if n == 5 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let event = Event::default().data(format!("{{\"count\":{n}}}"));
        Some((Ok(event), n + 1))
    })
}

/// The guide's `/secure-stream`: the same, for a caller with a valid token.
async fn secure_stream(
    who: Identity,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let greeting = Event::default().data(format!("{{\"hello\":\"{}\"}}", who.subject()));
    let first = futures_util::stream::iter([Ok(greeting)]);
    Sse::new(futures_util::StreamExt::chain(first, counting()))
}

/// The guide's server, with `token` guarding `/secure-stream`.
pub fn server(token: &str) -> Server {
    let auth = Auth::bearer_tokens([token]);
    Server::from_env("streamable-http-server")
        .tool(stream_data_analysis_tool())
        .tool(robust_streaming_tool_tool())
        .rest("/tools")
        .merge(Router::new().route("/stream", get(stream)))
        .merge(auth.require(Router::new().route("/secure-stream", get(secure_stream))))
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let token = std::env::var("GUIDE_TOKEN").unwrap_or_else(|_| "secret-token".to_owned());
    server(&token).serve().await
}
