//! The Rust client (`mcp_runtime::client`) against our own servers: both eras over
//! Streamable HTTP and over stdio, progress as a stream, structured output, errors,
//! timeouts that progress keeps alive, cancellation by dropping a call, bearer tokens and
//! custom headers, notifications, and resuming a stream cut in the middle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use mcp_runtime::client::{CallUpdate, Client, ClientError, ProtocolVersion, Reconnect};
use mcp_runtime::{Json, Server, progress, tool};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tests::TestServer;
use tests::proxy::Proxy;

#[path = "../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;
#[path = "../../examples/examples/progress.rs"]
#[allow(dead_code)]
mod progress_example;

/// Every way the client can negotiate with our server: discovery, and each handshake
/// revision forced.
const ERAS: [Option<ProtocolVersion>; 5] = [
    None,
    Some(ProtocolVersion::V2025_11_25),
    Some(ProtocolVersion::V2025_06_18),
    Some(ProtocolVersion::V2025_03_26),
    Some(ProtocolVersion::V2024_11_05),
];

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema, PartialEq)]
struct Weather {
    city: String,
    celsius: f64,
}

/// The weather in a city, as structured output.
#[tool(read_only)]
async fn weather(city: String) -> Json<Weather> {
    Json(Weather {
        city,
        celsius: 21.5,
    })
}

static SLOW_CALLS_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Counts, when its future is dropped before the end, one dropped call.
struct DropCounter(bool);

impl Drop for DropCounter {
    fn drop(&mut self) {
        if !self.0 {
            SLOW_CALLS_DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Reports progress every 100 ms for `steps` steps, then says nothing for `silence_ms`.
#[tool]
async fn slow(steps: u32, #[arg(default = 0)] silence_ms: u64) -> String {
    let mut guard = DropCounter(false);
    for step in 1..=steps {
        tokio::time::sleep(Duration::from_millis(100)).await;
        progress!(step, steps, "step {step}");
    }
    tokio::time::sleep(Duration::from_millis(silence_ms)).await;
    guard.0 = true;
    format!("{steps} steps")
}

fn server() -> Server {
    everything::server()
        .tool(progress_example::stream_data_analysis_tool())
        .tool(weather_tool())
        .tool(slow_tool())
}

async fn connect(url: &str, era: Option<ProtocolVersion>) -> Client {
    let mut builder = Client::http(url).client_info("client-tests", "1");
    if let Some(version) = era {
        builder = builder.protocol_version(version);
    }
    builder.connect().await.expect("connects")
}

fn expected_version(era: Option<ProtocolVersion>) -> ProtocolVersion {
    era.unwrap_or(ProtocolVersion::V2026_07_28)
}

#[tokio::test]
async fn lists_and_calls_tools_over_http_in_every_era() {
    let server = TestServer::start(server()).await;
    for era in ERAS {
        let client = connect(&server.url, era).await;
        assert_eq!(client.protocol_version(), expected_version(era), "{era:?}");
        let info = client.server_info();
        assert_eq!(
            info.implementation.as_ref().map(|i| i.name.as_str()),
            Some("mcp-conformance-everything")
        );
        assert!(info.capabilities.contains_key("tools"), "{info:?}");

        let tools = client.list_tools().await.expect("tools/list");
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        for name in ["test_simple_text", "stream_data_analysis", "weather"] {
            assert!(
                names.contains(&name),
                "{era:?}: {name} missing from {names:?}"
            );
        }
        let weather = tools.iter().find(|t| t.name == "weather").expect("weather");
        assert!(weather.output_schema.is_some(), "{weather:?}");

        let result = client
            .call_tool("test_simple_text", ())
            .await
            .expect("tools/call");
        assert_eq!(
            result.content,
            vec![mcp_runtime::Content::text(
                "This is a simple text response for testing."
            )],
            "{era:?}"
        );

        // Progress arrives as updates, in order, before the result.
        let mut call = client.call_tool("test_tool_with_progress", json!({}));
        let mut seen = Vec::new();
        while let Some(update) = call.next().await {
            if let CallUpdate::Progress(p) = update {
                seen.push((p.progress, p.total, p.message));
            }
        }
        let result = call.result().await.expect("progress tool result");
        assert_eq!(
            seen,
            [0.0, 50.0, 100.0]
                .map(|d| (d, Some(100.0), Some(format!("Completed step {d} of 100"))))
                .to_vec(),
            "{era:?}"
        );
        assert!(!result.is_error);

        // Structured output, typed.
        let weather: Weather = client
            .call_tool("weather", json!({"city": "Oslo"}))
            .structured()
            .await
            .expect("structured output");
        assert_eq!(
            weather,
            Weather {
                city: "Oslo".into(),
                celsius: 21.5
            }
        );

        // A failing tool is a tool error holding the result the model would read.
        match client.call_tool("test_error_handling", ()).await {
            Err(ClientError::Tool { message, result }) => {
                assert!(message.contains("intentionally"), "{message}");
                assert!(result.is_error);
            }
            other => panic!("{era:?}: expected a tool error, got {other:?}"),
        }
        // An unknown tool is a JSON-RPC error with its code.
        match client.call_tool("no_such_tool", ()).await {
            Err(ClientError::Rpc { code, message, .. }) => {
                assert_eq!(code, -32602, "{message}");
            }
            other => panic!("{era:?}: expected -32602, got {other:?}"),
        }
        client.ping().await.expect("ping");
        client.close().await;
    }
}

#[tokio::test]
async fn log_messages_of_a_call_arrive_as_updates() {
    let server = TestServer::start(server()).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let client = connect(&server.url, era).await;
        client
            .set_log_level(mcp_runtime::protocol::LogLevel::Debug)
            .await
            .expect("logging/setLevel");
        let mut call = client.call_tool("test_tool_with_logging", ());
        let mut logs = Vec::new();
        while let Some(update) = call.next().await {
            if let CallUpdate::Log(log) = update {
                logs.push(log.data);
            }
        }
        call.result().await.expect("result");
        assert_eq!(
            logs,
            vec![
                json!("Tool execution started"),
                json!("Tool processing data"),
                json!("Tool execution completed")
            ],
            "{era:?}"
        );
    }
}

/// The request timeout counts from the last message: a long call that keeps reporting
/// progress finishes; one that goes quiet times out and is cancelled on the server.
#[tokio::test]
async fn the_timeout_resets_on_progress_and_a_timed_out_call_is_cancelled() {
    let server = TestServer::start(server()).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let mut builder = Client::http(&server.url).timeout(Some(Duration::from_millis(1500)));
        if let Some(version) = era {
            builder = builder.protocol_version(version);
        }
        let client = builder.connect().await.expect("connects");
        // 35 steps of 100 ms: over twice the timeout in all, never 1.5 s without a message.
        let result = client
            .call_tool("slow", json!({"steps": 35}))
            .await
            .expect("progress keeps the call alive");
        assert_eq!(result.content, vec![mcp_runtime::Content::text("35 steps")]);

        let dropped_before = SLOW_CALLS_DROPPED.load(Ordering::SeqCst);
        match client
            .call_tool("slow", json!({"steps": 1, "silence_ms": 30_000}))
            .await
        {
            Err(ClientError::Timeout(limit)) => assert_eq!(limit, Duration::from_millis(1500)),
            other => panic!("{era:?}: expected a timeout, got {other:?}"),
        }
        wait_for("the server to drop the timed-out call", || {
            SLOW_CALLS_DROPPED.load(Ordering::SeqCst) > dropped_before
        })
        .await;
    }
}

/// Dropping a call in the middle cancels it on the server: `notifications/cancelled` in
/// the handshake era, the closed stream in 2026-07-28.
#[tokio::test]
async fn dropping_a_call_cancels_it_on_the_server() {
    let server = TestServer::start(server()).await;
    for era in [
        None,
        Some(ProtocolVersion::V2025_11_25),
        Some(ProtocolVersion::V2025_03_26),
    ] {
        let client = connect(&server.url, era).await;
        let dropped_before = SLOW_CALLS_DROPPED.load(Ordering::SeqCst);
        let mut call = client.call_tool("slow", json!({"steps": 100}));
        match tokio::time::timeout(Duration::from_secs(10), call.next()).await {
            Ok(Some(CallUpdate::Progress(p))) => assert_eq!(p.progress, 1.0),
            other => panic!("{era:?}: expected the first progress update, got {other:?}"),
        }
        drop(call);
        wait_for("the server to drop the abandoned call", || {
            SLOW_CALLS_DROPPED.load(Ordering::SeqCst) > dropped_before
        })
        .await;
    }
}

/// Polls `done` every 50 ms for up to 10 s.
async fn wait_for(what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The server closes the call's stream after its priming event (SEP-1699); the client
/// waits the server's `retry` and resumes with `Last-Event-ID`.
#[tokio::test]
async fn resumes_a_stream_the_server_closes_early() {
    let server = TestServer::start(server()).await;
    let client = connect(&server.url, Some(ProtocolVersion::V2025_11_25)).await;
    let result = client
        .call_tool("test_reconnection", ())
        .await
        .expect("result after reconnecting");
    assert!(
        format!("{:?}", result.content).contains("properly reconnected"),
        "{result:?}"
    );
}

/// The connection is cut in the middle of a call's stream; the client reconnects through
/// the proxy with `Last-Event-ID` and gets every frame exactly once, in order. Without
/// reconnection the same cut fails the call, so the cut is real.
#[tokio::test]
async fn resumes_a_cut_connection_without_losing_a_frame() {
    let server = TestServer::start(server()).await;
    for attempts in [6, 0] {
        let proxy = Proxy::start(server.addr).await;
        let client = Client::http(proxy.url())
            .protocol_version(ProtocolVersion::V2025_11_25)
            .reconnect(
                Reconnect::default()
                    .initial_delay(Duration::from_millis(50))
                    .max_attempts(attempts),
            )
            .connect()
            .await
            .expect("connects through the proxy");
        let mut call = client.call_tool("stream_data_analysis", json!({"dataset": "cut"}));
        let mut progress = Vec::new();
        let mut before_cut = 0;
        while let Some(update) = call.next().await {
            if let CallUpdate::Progress(p) = update {
                progress.push(p.progress);
                if progress.len() == 3 {
                    before_cut = proxy.connections();
                    assert!(proxy.cut() >= 1, "the call's stream is cut");
                }
            }
        }
        if attempts == 0 {
            match call.result().await {
                Err(ClientError::Transport { message, .. }) => {
                    assert!(message.contains("0 attempts"), "{message}")
                }
                other => panic!("without reconnection the cut must fail the call: {other:?}"),
            }
            continue;
        }
        let result = call.result().await.expect("result after the cut");
        assert!(format!("{:?}", result.content).contains("complete"));
        let expected: Vec<f64> = (1..=10).map(|i| f64::from(i) * 100.0).collect();
        assert_eq!(progress, expected, "every frame once, in order");
        assert!(
            proxy.connections() > before_cut,
            "the client opened a new connection to resume"
        );
    }
}

/// A bearer token from a provider, asked again after a 401; custom headers on every
/// request.
#[tokio::test]
async fn asks_the_token_provider_again_after_a_401_and_sends_custom_headers() {
    use axum::extract::Request;
    use axum::middleware::{self, Next};
    use axum::response::{IntoResponse, Response};

    async fn guard(request: Request, next: Next) -> Response {
        let (tenant, authorization) = {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            (header("x-tenant"), header("authorization"))
        };
        if tenant.as_deref() != Some("acme") {
            return (axum::http::StatusCode::BAD_REQUEST, "no tenant").into_response();
        }
        if authorization.as_deref() != Some("Bearer fresh") {
            return (axum::http::StatusCode::UNAUTHORIZED, "stale token").into_response();
        }
        next.run(request).await
    }

    static ASKED: AtomicUsize = AtomicUsize::new(0);
    let router = server().router().layer(middleware::from_fn(guard));
    let server = TestServer::start_router(router).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        ASKED.store(0, Ordering::SeqCst);
        let mut builder = Client::http(&server.url)
            .header("x-tenant", "acme")
            .token_provider(|| async {
                // The first token is stale; the provider is asked again after the 401.
                let token = if ASKED.fetch_add(1, Ordering::SeqCst) == 0 {
                    "stale"
                } else {
                    "fresh"
                };
                Ok::<_, ClientError>(token.to_owned())
            });
        if let Some(version) = era {
            builder = builder.protocol_version(version);
        }
        let client = builder.connect().await.expect("connects after refreshing");
        client
            .list_tools()
            .await
            .expect("tools/list with the fresh token");
        assert_eq!(
            ASKED.load(Ordering::SeqCst),
            2,
            "asked once, then once after the 401"
        );
    }

    // A static token that the server rejects is an HTTP status error.
    match Client::http(&server.url)
        .header("x-tenant", "acme")
        .bearer_token("wrong")
        .connect()
        .await
    {
        Err(ClientError::HttpStatus { status, body }) => {
            assert_eq!(status, 401);
            assert_eq!(body, "stale token");
        }
        other => panic!("expected 401, got {other:?}"),
    }
}

/// Tool-list changes reach `notifications()`: over the session's GET stream in the
/// handshake era, over a `subscriptions/listen` request in 2026-07-28.
#[tokio::test]
async fn list_changes_arrive_on_the_notification_stream() {
    let server = TestServer::start(server()).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let client = connect(&server.url, era).await;
        let mut notifications = Box::pin(client.notifications());
        // The stream opens in the background; a change made before it is open is not
        // replayed, so trigger until one arrives (a bounded number of times).
        let mut arrived = None;
        for _ in 0..40 {
            client
                .call_tool("test_trigger_tool_change", ())
                .await
                .expect("trigger");
            if let Ok(Some(n)) =
                tokio::time::timeout(Duration::from_millis(250), notifications.next()).await
            {
                arrived = Some(n);
                break;
            }
        }
        let arrived = arrived.unwrap_or_else(|| panic!("{era:?}: no notification arrived"));
        assert_eq!(
            arrived.method, "notifications/tools/list_changed",
            "{era:?}"
        );
    }
}

/// Closing the client ends the calls still waiting with `Cancelled`.
#[tokio::test]
async fn closing_the_client_cancels_waiting_calls() {
    let server = TestServer::start(server()).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let client = connect(&server.url, era).await;
        let mut call = client.call_tool("slow", json!({"steps": 100}));
        assert!(matches!(call.next().await, Some(CallUpdate::Progress(_))));
        client.clone().close().await;
        match call.result().await {
            Err(ClientError::Cancelled) => {}
            other => panic!("{era:?}: expected Cancelled, got {other:?}"),
        }
    }
}

/// Over stdio the client starts the `progress` example with `--stdio`, in both eras.
#[tokio::test]
async fn speaks_stdio_in_both_eras() {
    for era in [
        None,
        Some(ProtocolVersion::V2025_11_25),
        Some(ProtocolVersion::V2024_11_05),
    ] {
        let mut command = tokio::process::Command::new(tests::example_binary("progress"));
        command.arg("--stdio");
        let mut builder = Client::stdio(command);
        if let Some(version) = era {
            builder = builder.protocol_version(version);
        }
        let client = builder.connect().await.expect("connects over stdio");
        assert_eq!(client.protocol_version(), expected_version(era));
        let tools = client.list_tools().await.expect("tools/list");
        assert!(
            tools.iter().any(|t| t.name == "stream_data_analysis"),
            "{tools:?}"
        );
        let mut call = client.call_tool(
            "stream_data_analysis",
            json!({"dataset": "stdio", "chunk_size": 250}),
        );
        let mut progress = Vec::new();
        while let Some(update) = call.next().await {
            if let CallUpdate::Progress(p) = update {
                progress.push(p.progress);
            }
        }
        let result = call.result().await.expect("result over stdio");
        assert_eq!(progress, vec![250.0, 500.0, 750.0, 1000.0], "{era:?}");
        assert!(format!("{:?}", result.content).contains("Analysis of stdio complete"));
        match client
            .call_tool(
                "stream_data_analysis",
                json!({"dataset": "x", "chunk_size": 0}),
            )
            .await
        {
            Err(ClientError::Tool { message, .. }) => assert!(message.contains("chunk_size")),
            other => panic!("expected a tool error, got {other:?}"),
        }
        client.close().await;
    }
}

/// The `client` example prints every progress update as it arrives, then the result.
#[tokio::test]
async fn the_client_example_prints_each_update_then_the_result() {
    let server = TestServer::start(server()).await;
    let mut command = tokio::process::Command::new(tests::example_binary("client"));
    command.args([server.url.as_str(), "demo", "250"]);
    let output = tests::clients::run_client(command, Duration::from_secs(60)).await;
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "connected to mcp-conformance-everything (protocol 2026-07-28)",
            "progress 250/1000: Processed 250/1000 items (25%)",
            "progress 500/1000: Processed 500/1000 items (50%)",
            "progress 750/1000: Processed 750/1000 items (75%)",
            "progress 1000/1000: Processed 1000/1000 items (100%)",
            "result: Analysis of demo complete: 1000 items in chunks of 250",
        ],
        "{output:?}"
    );
}

/// 2026-07-28 over HTTP: arguments marked `x-mcp-header` travel in `Mcp-Param-*` headers
/// (Base64 when not plain ASCII). Before `tools/list` the client does not know them; the
/// server's `-32020` makes it list the tools and retry once.
#[tokio::test]
async fn mirrors_x_mcp_header_arguments_into_headers() {
    let server = TestServer::start(server()).await;
    let arguments = json!({"region": "Zürich", "priority": 3, "verbose": true, "query": "q"});
    let expected = "region=Zürich priority=3 verbose=true query=q";

    let client = connect(&server.url, None).await;
    let result = client
        .call_tool("test_custom_headers", &arguments)
        .await
        .expect("the retry after -32020 carries the headers");
    assert_eq!(result.content, vec![mcp_runtime::Content::text(expected)]);

    let client = connect(&server.url, None).await;
    client.list_tools().await.expect("tools/list");
    let result = client
        .call_tool("test_custom_headers", json!({"region": "eu-west1"}))
        .await
        .expect("headers known from tools/list");
    assert_eq!(
        result.content,
        vec![mcp_runtime::Content::text(
            "region=eu-west1 priority=0 verbose=false query="
        )]
    );
}

/// The server forgets the session (here: the proxy now leads to a fresh server that never
/// saw it); the 404 makes the client start a new session and retry, as the transport
/// rules require. The cut also breaks the client's pooled connection: a request that
/// cannot reach the server is tried again.
#[tokio::test]
async fn starts_a_new_session_when_the_server_forgets_it() {
    let first = TestServer::start(server()).await;
    let second = TestServer::start(server()).await;
    let proxy = Proxy::start(first.addr).await;
    for version in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2025_03_26] {
        proxy.set_upstream(first.addr);
        proxy.cut();
        let client = Client::http(proxy.url())
            .protocol_version(version)
            .connect()
            .await
            .expect("connects");
        client
            .call_tool("test_simple_text", ())
            .await
            .expect("first server");
        proxy.set_upstream(second.addr);
        proxy.cut();
        let result = client
            .call_tool("test_tool_with_progress", ())
            .await
            .expect("a new session on the second server");
        assert_eq!(
            result.content,
            vec![mcp_runtime::Content::text("Progress test completed")]
        );
        client
            .list_tools()
            .await
            .expect("the new session goes on working");
    }
}
