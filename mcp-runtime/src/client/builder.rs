//! Configuring a client before it connects.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};

use super::auth::{Auth, TokenProvider};
use super::backoff::Reconnect;
use super::handlers::{
    ElicitRequest, ElicitResult, Handlers, Root, SamplingRequest, SamplingResult,
};
use super::http::HttpTransport;
use super::in_process::InProcessTransport;
use super::shared::Shared;
use super::stdio::StdioTransport;
use super::transport::Transport;
use super::{Client, ClientError, connect};
use crate::protocol::ProtocolVersion;
use crate::protocol::types::Implementation;

enum Target {
    Http(String),
    Stdio(tokio::process::Command),
    /// A server driven in this process, for tests without sockets.
    InProcess(Box<crate::Server>),
}

/// Builds a [`Client`]: where the server is, how to authenticate, what the client can
/// answer. Start with [`Client::http`] or [`Client::stdio`].
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct ClientBuilder {
    target: Target,
    headers: HeaderMap,
    header_error: Option<String>,
    auth: Auth,
    handlers: Handlers,
    timeout: Option<Duration>,
    reconnect: Reconnect,
    client_info: Implementation,
    version: Option<ProtocolVersion>,
    http: Option<reqwest::Client>,
}

impl ClientBuilder {
    fn new(target: Target) -> Self {
        Self {
            target,
            headers: HeaderMap::new(),
            header_error: None,
            auth: Auth::None,
            handlers: Handlers::default(),
            timeout: Some(Duration::from_secs(60)),
            reconnect: Reconnect::default(),
            client_info: Implementation {
                name: "mcp-runtime-client".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                title: None,
            },
            version: None,
            http: None,
        }
    }

    pub(super) fn http(url: impl Into<String>) -> Self {
        Self::new(Target::Http(url.into()))
    }

    pub(super) fn stdio(command: tokio::process::Command) -> Self {
        Self::new(Target::Stdio(command))
    }

    pub(super) fn in_process(server: crate::Server) -> Self {
        Self::new(Target::InProcess(Box::new(server)))
    }

    /// Sends `Authorization: Bearer <token>` on every HTTP request.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::Static(token.into());
        self
    }

    /// Asks `provider` for the bearer token, and again whenever the server answers `401`.
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.auth = Auth::provider(provider);
        self
    }

    /// Sends this header on every HTTP request. An invalid name or value makes
    /// [`connect`](Self::connect) fail.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => {
                self.header_error
                    .get_or_insert_with(|| format!("invalid header `{name}: {value}`"));
            }
        }
        self
    }

    /// How long to wait for the next message about a request (progress resets it);
    /// `None` waits forever. Default: 60 s.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// How to resume a dropped SSE stream (handshake era).
    pub fn reconnect(mut self, policy: Reconnect) -> Self {
        self.reconnect = policy;
        self
    }

    /// The `clientInfo` the client sends.
    pub fn client_info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.client_info = Implementation {
            name: name.into(),
            version: version.into(),
            title: None,
        };
        self
    }

    /// Speaks only this revision (no discovery or fallback): `2026-07-28`, or a
    /// handshake revision to send in `initialize`.
    pub fn protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// Uses this `reqwest::Client` (proxies, TLS roots, timeouts of your own).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Answers the server's elicitations (declares the `elicitation` capability).
    ///
    /// ```
    /// use mcp_runtime::client::{Client, ElicitResult};
    ///
    /// let builder = Client::http("http://127.0.0.1:8000/mcp")
    ///     .on_elicitation(|request| async move {
    ///         println!("the server asks: {}", request.message);
    ///         ElicitResult::accept(serde_json::json!({"confirm": true}))
    ///     });
    /// # let _ = builder;
    /// ```
    pub fn on_elicitation<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(ElicitRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ElicitResult> + Send + 'static,
    {
        self.handlers.on_elicitation(handler);
        self
    }

    /// Answers the server's sampling requests (declares the `sampling` capability); an
    /// `Err` refuses with its message.
    pub fn on_sampling<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(SamplingRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SamplingResult, String>> + Send + 'static,
    {
        self.handlers.on_sampling(handler);
        self
    }

    /// The roots the client offers (declares the `roots` capability).
    pub fn roots(mut self, roots: Vec<Root>) -> Self {
        self.handlers.roots(roots);
        self
    }

    /// Connects: starts the transport and negotiates the protocol revision.
    pub async fn connect(self) -> Result<Client, ClientError> {
        if let Some(why) = self.header_error {
            return Err(ClientError::Protocol(why));
        }
        let transport: Arc<dyn Transport> = match self.target {
            Target::Http(url) => {
                let http = match self.http {
                    Some(http) => http,
                    None => reqwest::Client::builder()
                        .connect_timeout(Duration::from_secs(10))
                        .build()
                        .map_err(|e| {
                            ClientError::transport_from("cannot build the HTTP client", e)
                        })?,
                };
                Arc::new(HttpTransport::new(
                    http,
                    url,
                    self.headers,
                    self.auth,
                    self.reconnect,
                ))
            }
            Target::Stdio(command) => Arc::new(StdioTransport::spawn(command)?),
            Target::InProcess(server) => {
                let engine = server
                    .try_engine()
                    .map_err(|e| ClientError::Protocol(format!("the server cannot start: {e}")))?;
                Arc::new(InProcessTransport::new(engine))
            }
        };
        let (shared, alive) = Shared::new(
            transport.clone(),
            self.handlers,
            self.client_info,
            self.timeout,
        );
        if transport.listens_from_start() {
            shared.start_transport_listener();
        }
        let info = match connect::negotiate(&shared, self.version).await {
            Ok(info) => info,
            Err(e) => {
                transport.close().await;
                return Err(e);
            }
        };
        // A handshake-era server sends requests that belong to no call (roots/list, say)
        // on the session's GET stream: a client that can answer listens from the start.
        if !info.protocol_version.is_stateless() && !shared.handlers.capabilities().is_empty() {
            shared.start_transport_listener();
        }
        Ok(Client {
            shared,
            info,
            _alive: Arc::new(alive),
        })
    }
}
