//! Whole POST bodies through the real endpoint (`Server::router`), inside a 2025-03-26
//! session, where JSON-RPC batches exist: batch detection, every item's handling, and the
//! reply. Every answer must be an HTTP status with a JSON (or empty) body, never a panic.
#![no_main]

use std::sync::LazyLock;

use axum::body::Body;
use http::{Request, StatusCode};
use mcp_runtime::{Server, tool};
use tower::ServiceExt as _;

/// Echoes its text.
#[tool]
async fn echo(text: String) -> String {
    text
}

struct Endpoint {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    session: String,
}

const VERSION: &str = "2025-03-26";

static ENDPOINT: LazyLock<Endpoint> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let router = runtime.block_on(async { Server::new("fuzz").tool(echo_tool()).router() });
    let init = format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{VERSION}","capabilities":{{}},"clientInfo":{{"name":"fuzz","version":"0"}}}}}}"#
    );
    let (status, session, _) = runtime.block_on(post(&router, None, init.into_bytes()));
    assert_eq!(status, StatusCode::OK);
    let session = session.expect("a session id");
    let initialized = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec();
    let (status, _, _) = runtime.block_on(post(&router, Some(&session), initialized));
    assert_eq!(status, StatusCode::ACCEPTED);
    Endpoint {
        runtime,
        router,
        session,
    }
});

async fn post(
    router: &axum::Router,
    session: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut request = Request::post("/mcp")
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if let Some(session) = session {
        request = request
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", VERSION);
    }
    let request = request.body(Body::from(body)).expect("a request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let session = response
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    (status, session, body.to_vec())
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let endpoint = &*ENDPOINT;
    let (status, _, body) = endpoint.runtime.block_on(post(
        &endpoint.router,
        Some(&endpoint.session),
        data.to_vec(),
    ));
    assert!(!status.is_server_error(), "{status} for {data:?}");
    if !body.is_empty()
        && !body.starts_with(b"event:")
        && !body.starts_with(b"id:")
        && !body.starts_with(b"data:")
    {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
            "not JSON: {:?}",
            String::from_utf8_lossy(&body)
        );
    }
});
