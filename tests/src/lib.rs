//! Support for the integration tests: start a real server on `127.0.0.1:0` and speak to it
//! over HTTP.

pub mod browser;
pub mod clients;
pub mod issuer;
pub mod metrics;
pub mod proxy;
pub mod replicas;

use std::net::SocketAddr;

use mcp_runtime::Server;
use serde_json::{Value, json};

/// The path of an example binary (`cargo test` builds the examples next to the tests).
pub fn example_binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target profile dir")
        .join("examples")
        .join(name)
}

/// A loopback port that was free a moment ago (for servers started as other processes).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Waits until something accepts connections on `127.0.0.1:port`; panics after `limit`.
pub async fn wait_for_port(port: u16, limit: std::time::Duration) {
    let started = std::time::Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < limit,
            "nothing listens on 127.0.0.1:{port} after {limit:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A server running on a free loopback port for the duration of a test.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The MCP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `server` on a fresh port.
    pub async fn start(server: Server) -> Self {
        Self::start_router(server.router()).await
    }

    /// Serves a router (e.g. from [`Server::router_with_handle`]) on a fresh port.
    pub async fn start_router(router: axum::Router) -> Self {
        Self::start_at(|_| router).await
    }

    /// Serves the router `build` makes from the endpoint's URL (for servers that must know
    /// their own URL, such as an auth audience) on a fresh port.
    pub async fn start_at(build: impl FnOnce(&str) -> axum::Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let router = build(&format!("http://{addr}/mcp"));
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("server runs");
        });
        Self {
            addr,
            url: format!("http://{addr}/mcp"),
            task,
        }
    }

    /// A client for this server with no session yet.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            url: self.url.clone(),
            session: None,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A minimal MCP client over raw HTTP, so tests can also send what real clients never would.
#[derive(Clone)]
pub struct Client {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The endpoint.
    pub url: String,
    /// The session id from `initialize`, sent on every later request.
    pub session: Option<String>,
}

/// An HTTP reply, read whole.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// `Mcp-Session-Id`, if any.
    pub session: Option<String>,
    /// The raw body.
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The JSON messages of an SSE body, in order.
    pub fn sse_messages(&self) -> Vec<Value> {
        parse_sse(&self.body)
            .into_iter()
            .filter(|data| !data.is_empty())
            .map(|data| {
                serde_json::from_str(&data).unwrap_or_else(|e| panic!("bad SSE data ({e}): {data}"))
            })
            .collect()
    }

    /// Whether the reply is an SSE stream.
    pub fn is_sse(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("text/event-stream"))
    }
}

/// The `data` of each event of an SSE body (multi-line data joined with `\n`).
pub fn parse_sse(body: &str) -> Vec<String> {
    let mut events = Vec::new();
    for block in body.replace("\r\n", "\n").split("\n\n") {
        let data: Vec<&str> = block
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        if block.lines().any(|l| l.starts_with("data:")) {
            events.push(data.join("\n"));
        }
    }
    events
}

impl Client {
    /// POSTs a raw body with the headers a well-behaved client sends.
    pub async fn post_raw(&self, body: impl Into<String>) -> Reply {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.into());
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session);
        }
        read(request.send().await.expect("HTTP request")).await
    }

    /// POSTs a JSON value.
    pub async fn post(&self, message: Value) -> Reply {
        self.post_raw(message.to_string()).await
    }

    /// Sends `initialize` (remembering the session) and `notifications/initialized`.
    pub async fn initialize(&mut self, version: &str) -> Value {
        let reply = self
            .post(json!({
                "jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "tests", "version": "0"}}
            }))
            .await;
        assert_eq!(reply.status, 200, "initialize failed: {}", reply.body);
        self.session = Some(
            reply
                .session
                .clone()
                .expect("initialize returns Mcp-Session-Id"),
        );
        let ack = self
            .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        assert_eq!(ack.status, 202, "initialized notification: {}", ack.body);
        reply.json()["result"].clone()
    }

    /// Sends a request and returns the reply.
    pub async fn request(&self, id: i64, method: &str, params: Value) -> Reply {
        self.post(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await
    }
}

/// Reads a whole reply.
pub async fn read(response: reqwest::Response) -> Reply {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let content_type = header("content-type");
    let session = header("mcp-session-id");
    let body = response.text().await.expect("read body");
    Reply {
        status,
        content_type,
        session,
        body,
    }
}

/// One SSE event as received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SseEvent {
    /// The `id` field.
    pub id: Option<String>,
    /// The `data` field (lines joined with `\n`).
    pub data: String,
    /// The `retry` field.
    pub retry: Option<u64>,
}

impl SseEvent {
    /// The data as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("bad SSE data ({e}): {}", self.data))
    }
}

/// Reads an SSE response event by event, as it arrives.
pub struct SseReader {
    stream:
        std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl SseReader {
    /// Wraps a response whose body is an SSE stream.
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event (comments skipped), or `None` when the stream ends. Panics after 10 s
    /// without one, so a hung server fails the test instead of hanging it.
    pub async fn next(&mut self) -> Option<SseEvent> {
        use futures_util::StreamExt as _;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                let mut fields = false;
                for line in block.lines() {
                    let (name, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match name {
                        "id" => event.id = Some(value.to_owned()),
                        "retry" => event.retry = value.parse().ok(),
                        "data" => {
                            if fields && !event.data.is_empty() {
                                event.data.push('\n');
                            }
                            event.data.push_str(value);
                        }
                        _ => continue,
                    }
                    fields = true;
                }
                if fields {
                    return Some(event);
                }
                continue;
            }
            let chunk =
                tokio::time::timeout(std::time::Duration::from_secs(10), self.stream.next())
                    .await
                    .expect("no SSE event within 10 s");
            match chunk {
                Some(Ok(bytes)) => self
                    .buffer
                    .push_str(&String::from_utf8_lossy(&bytes).replace("\r\n", "\n")),
                Some(Err(e)) => panic!("SSE stream failed: {e}"),
                None => return None,
            }
        }
    }

    /// The next event that carries a message (priming events skipped).
    pub async fn next_message(&mut self) -> Option<SseEvent> {
        loop {
            let event = self.next().await?;
            if !event.data.is_empty() {
                return Some(event);
            }
        }
    }
}

impl Client {
    /// Sends a request with these extra headers and returns the raw response (for streams).
    pub async fn send(
        &self,
        method: reqwest::Method,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, &self.url)
            .header("accept", "application/json, text/event-stream");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("HTTP request")
    }

    /// Opens the session's GET stream (optionally resuming after `last_event_id`).
    pub async fn get_stream(&self, last_event_id: Option<&str>) -> reqwest::Response {
        let headers: Vec<(&str, &str)> = last_event_id
            .map(|id| ("last-event-id", id))
            .into_iter()
            .collect();
        self.send(reqwest::Method::GET, None, &headers).await
    }

    /// Ends the session with DELETE.
    pub async fn delete(&self) -> u16 {
        self.send(reqwest::Method::DELETE, None, &[])
            .await
            .status()
            .as_u16()
    }
}
