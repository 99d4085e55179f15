//! Graceful shutdown: Ctrl-C stops the server even while clients hold streams open, and
//! calls in flight finish first.

use std::process::Stdio;
use std::time::Duration;

use mcp_runtime::{Server, tool};
use reqwest::Method;
use serde_json::json;
use tests::{SseReader, TestServer};

/// Sleeps `ms` milliseconds, then answers.
#[tool]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("napped {ms} ms")
}

/// Opens a 2025-11-25 session and its `GET` stream, read past the priming event.
async fn session_with_get_stream(client: &mut tests::Client) -> SseReader {
    client.initialize("2025-11-25").await;
    let mut stream = SseReader::new(client.get_stream(None).await);
    assert_eq!(
        stream.next().await.map(|e| e.data),
        Some(String::new()),
        "priming"
    );
    stream
}

#[tokio::test]
async fn shutdown_ends_get_streams_and_lets_calls_finish() {
    let (router, handle) = Server::new("shutdown")
        .tool(nap_tool())
        .keep_alive(Duration::from_millis(50))
        .router_with_handle();
    let server = TestServer::start_router(router).await;
    let mut client = server.client();
    let mut stream = session_with_get_stream(&mut client).await;
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                              "params": {"name": "nap", "arguments": {"ms": 300}}});
            let response = client.send(Method::POST, Some(body), &[]).await;
            response.text().await.expect("call body")
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;

    handle.shutdown();
    assert!(stream.next().await.is_none(), "the GET stream ends at once");
    let body = call.await.expect("call task");
    assert!(
        body.contains("napped 300 ms"),
        "the call in flight finished: {body}"
    );
}

/// The real thing: SIGINT to an example binary with a GET stream open.
#[tokio::test]
async fn ctrl_c_stops_a_server_with_open_streams() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        probe.local_addr().expect("address").port()
    };
    let mut child = tokio::process::Command::new(tests::example_binary("hello"))
        .env("MCP_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the hello example");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut client = tests::Client {
        http: reqwest::Client::new(),
        url,
        session: None,
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while client.http.get(&client.url).send().await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut stream = session_with_get_stream(&mut client).await;

    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let exited = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("the server stops within 5 s of Ctrl-C despite the open stream")
        .expect("exit status");
    assert!(exited.success(), "{exited:?}");
    assert!(stream.next().await.is_none());
}
