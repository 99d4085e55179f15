//! Streamable HTTP: each request is a POST whose answer is one JSON message or an SSE
//! stream ([`sse`](super::sse)); the session id, the protocol headers and the bearer token
//! travel on every request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt as _};
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;

use super::ClientError;
use super::auth::Auth;
use super::backoff::Reconnect;
use super::param_headers::encode;
use super::sse;
use super::transport::{MessageStream, Outgoing, Transport};

use crate::protocol::headers::{LAST_EVENT_ID, MCP_METHOD, MCP_NAME, PROTOCOL_VERSION, SESSION_ID};

/// A Streamable HTTP connection.
#[derive(Clone)]
pub(crate) struct HttpTransport(Arc<Inner>);

pub(crate) struct Inner {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    auth: Auth,
    pub(crate) reconnect: Reconnect,
    /// `Mcp-Session-Id`, once the server assigned one.
    session: Mutex<Option<HeaderValue>>,
    /// The revision of the last message sent (for GET and DELETE, which have no body).
    protocol: Mutex<Option<(&'static str, bool)>>,
    /// Set when the server answered 404 to the session; taken by the client, which
    /// starts a new session.
    expired: AtomicBool,
    /// The server has answered once: from then on, unreachable means "try again".
    reached: AtomicBool,
}

impl HttpTransport {
    pub(crate) fn new(
        http: reqwest::Client,
        url: String,
        headers: HeaderMap,
        auth: Auth,
        reconnect: Reconnect,
    ) -> Self {
        Self(Arc::new(Inner {
            http,
            url,
            headers,
            auth,
            reconnect,
            session: Mutex::new(None),
            protocol: Mutex::new(None),
            expired: AtomicBool::new(false),
            reached: AtomicBool::new(false),
        }))
    }
}

impl Inner {
    fn session(&self) -> Option<HeaderValue> {
        self.session.lock().ok().and_then(|s| s.clone())
    }

    fn protocol(&self) -> Option<(&'static str, bool)> {
        self.protocol.lock().ok().and_then(|p| *p)
    }

    /// Sends one HTTP request built by `build`, with the session, protocol version and
    /// token added; after a 401, asks the token provider once more and retries.
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let mut refreshed = false;
        let mut failures = 0;
        loop {
            let token = self.auth.token().await?;
            let mut request = build().headers(self.headers.clone());
            let session = self.session();
            if let Some(session) = &session {
                request = request.header(SESSION_ID, session);
            }
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let response = match request.send().await {
                Ok(response) => response,
                // Once the server has answered, a request that cannot reach it (a pooled
                // connection reset, a restart) is tried again with backoff.
                Err(e)
                    if self.reached.load(Ordering::SeqCst)
                        && failures < self.reconnect.max_attempts
                        && (e.is_connect() || e.is_request()) =>
                {
                    tracing::debug!("request failed ({e}); trying again");
                    tokio::time::sleep(self.reconnect.delay(failures, None)).await;
                    failures += 1;
                    continue;
                }
                Err(e) => {
                    return Err(ClientError::transport_from(
                        format!("cannot reach {}", self.url),
                        e,
                    ));
                }
            };
            self.reached.store(true, Ordering::SeqCst);
            if response.status() == StatusCode::UNAUTHORIZED
                && !refreshed
                && self.auth.rejected(token.as_deref()).await
            {
                refreshed = true;
                continue;
            }
            if response.status() == StatusCode::NOT_FOUND && session.is_some() {
                // The server no longer knows the session (it restarted, or ended it): the
                // client must start a new one, without the old id.
                if let Ok(mut slot) = self.session.lock() {
                    if *slot == session {
                        *slot = None;
                        self.expired.store(true, Ordering::SeqCst);
                    }
                }
                return Ok(response);
            }
            if let Some(session) = response.headers().get(SESSION_ID) {
                if let Ok(mut slot) = self.session.lock() {
                    slot.get_or_insert_with(|| session.clone());
                }
            }
            return Ok(response);
        }
    }

    async fn post(&self, message: &Outgoing) -> Result<reqwest::Response, ClientError> {
        if let (Some(version), Ok(mut protocol)) = (message.protocol_version, self.protocol.lock())
        {
            *protocol = Some((version, message.stateless));
        }
        let body = serde_json::to_vec(&message.body)
            .map_err(|e| ClientError::Protocol(format!("cannot serialize a message: {e}")))?;
        self.send(|| {
            let mut request = self
                .http
                .post(&self.url)
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json, text/event-stream")
                .body(body.clone());
            if let Some(version) = message.protocol_version {
                request = request.header(PROTOCOL_VERSION, version);
            }
            if message.stateless {
                if let Some(method) = &message.method {
                    request = request.header(MCP_METHOD, method.as_str());
                }
                if let Some(name) = message
                    .name
                    .as_deref()
                    .and_then(|n| HeaderValue::from_str(&encode(n)).ok())
                {
                    request = request.header(MCP_NAME, name);
                }
                for (name, value) in &message.param_headers {
                    request = request.header(name.as_str(), value.as_str());
                }
            }
            request
        })
        .await
    }

    /// Opens a GET stream, resuming after `last_event_id` when given.
    pub(crate) async fn get(
        &self,
        last_event_id: Option<&str>,
    ) -> Result<reqwest::Response, ClientError> {
        let version = self.protocol().map(|(v, _)| v);
        self.send(|| {
            let mut request = self.http.get(&self.url).header(ACCEPT, "text/event-stream");
            if let Some(version) = version {
                request = request.header(PROTOCOL_VERSION, version);
            }
            if let Some(id) = last_event_id {
                request = request.header(LAST_EVENT_ID, id);
            }
            request
        })
        .await
    }
}

fn is_sse(response: &reqwest::Response) -> bool {
    content_type(response).starts_with("text/event-stream")
}

fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// An answer that is not a stream: one JSON-RPC message (also for a 400 that carries a
/// JSON-RPC error, as 2026-07-28 servers send), or the status as an error.
async fn single_message(response: reqwest::Response) -> Result<Value, ClientError> {
    let status = response.status();
    let json = content_type(&response).starts_with("application/json");
    let body = response
        .bytes()
        .await
        .map_err(|e| ClientError::transport_from("cannot read the response body", e))?;
    if json {
        if let Ok(message) = serde_json::from_slice::<Value>(&body) {
            if message.get("jsonrpc").is_some() {
                return Ok(message);
            }
        }
    }
    if status.is_success() {
        return Err(ClientError::Protocol(format!(
            "the server answered a request with HTTP {status} and no JSON-RPC message"
        )));
    }
    Err(ClientError::HttpStatus {
        status: status.as_u16(),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

impl Transport for HttpTransport {
    fn request(&self, request: Outgoing) -> BoxFuture<'_, Result<MessageStream, ClientError>> {
        Box::pin(async move {
            let response = self.0.post(&request).await?;
            if response.status() == StatusCode::NOT_FOUND && self.0.expired.load(Ordering::SeqCst) {
                return Err(ClientError::HttpStatus {
                    status: 404,
                    body: response.text().await.unwrap_or_default(),
                });
            }
            if response.status().is_success() && is_sse(&response) {
                let resumable = !request.stateless;
                return Ok(sse::messages(
                    self.0.clone(),
                    response,
                    resumable,
                    request.id,
                ));
            }
            let message = single_message(response).await?;
            Ok(stream::once(async { Ok(message) }).boxed())
        })
    }

    fn send(&self, message: Outgoing) -> BoxFuture<'_, Result<(), ClientError>> {
        Box::pin(async move {
            let response = self.0.post(&message).await?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let body = response.text().await.unwrap_or_default();
            Err(ClientError::HttpStatus {
                status: status.as_u16(),
                body,
            })
        })
    }

    fn cancel(&self, _id: i64, cancellation: Outgoing) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // 2026-07-28: dropping the response stream closed it, which is the cancellation.
            if !cancellation.stateless {
                if let Err(e) = self.send(cancellation).await {
                    tracing::debug!("notifications/cancelled not delivered: {e}");
                }
            }
        })
    }

    fn listen(&self) -> BoxFuture<'_, Result<Option<MessageStream>, ClientError>> {
        Box::pin(async move {
            if self.0.protocol().is_none_or(|(_, stateless)| stateless) {
                return Ok(None);
            }
            let response = self.0.get(None).await?;
            if response.status() == StatusCode::METHOD_NOT_ALLOWED {
                return Ok(None);
            }
            if !response.status().is_success() || !is_sse(&response) {
                return Err(ClientError::HttpStatus {
                    status: response.status().as_u16(),
                    body: response.text().await.unwrap_or_default(),
                });
            }
            Ok(Some(sse::messages(self.0.clone(), response, true, None)))
        })
    }

    fn listens_from_start(&self) -> bool {
        false
    }

    fn take_session_expired(&self) -> bool {
        self.0.expired.swap(false, Ordering::SeqCst)
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.0.session().is_none() {
                return;
            }
            let version = self.0.protocol().map(|(v, _)| v);
            let result = self
                .0
                .send(|| {
                    let mut request = self.0.http.delete(&self.0.url);
                    if let Some(version) = version {
                        request = request.header(PROTOCOL_VERSION, version);
                    }
                    request
                })
                .await;
            if let Err(e) = result {
                tracing::debug!("DELETE of the session failed: {e}");
            }
        })
    }
}
