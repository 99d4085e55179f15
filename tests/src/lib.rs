//! Support for the integration tests: start a real server on `127.0.0.1:0` and speak to it
//! over HTTP.

use std::net::SocketAddr;

use mcp_runtime::Server;
use serde_json::{Value, json};

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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let router = server.router();
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
