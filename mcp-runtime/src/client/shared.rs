//! The state every request of one client shares: the transport, the negotiated revision,
//! the handlers, and the notification fan-out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::{Map, Value, json};
use tokio::sync::{broadcast, watch};

use super::handlers::Handlers;
use super::param_headers::HeaderParams;
use super::transport::{MessageStream, Outgoing, Transport};
use super::types::ServerNotification;
use crate::protocol::types::Implementation;
use crate::protocol::{LogLevel, ProtocolVersion};

/// `params._meta` keys of 2026-07-28.
const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";

pub(crate) struct Shared {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) handlers: Handlers,
    pub(crate) client_info: Implementation,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_input_rounds: u32,
    next_id: AtomicI64,
    version: RwLock<Option<ProtocolVersion>>,
    /// 2026-07-28: the log level every request asks for (no `logging/setLevel` there).
    log_level: RwLock<Option<LogLevel>>,
    notifications: broadcast::Sender<ServerNotification>,
    listening: AtomicBool,
    subscribed: AtomicBool,
    session_generation: AtomicU64,
    renewing: tokio::sync::Mutex<()>,
    /// Each listed tool's `x-mcp-header` parameters, from the last `tools/list`.
    tool_headers: RwLock<HashMap<String, HeaderParams>>,
    /// Ends when every `Client` handle is gone, which stops the background tasks.
    pub(crate) alive: watch::Receiver<()>,
    /// Set by `Client::close`: requests still waiting end with `Cancelled`.
    closed: watch::Sender<bool>,
}

/// Held by every `Client` handle; dropping the last one ends the background tasks.
pub(crate) struct Alive(#[allow(dead_code)] watch::Sender<()>);

impl Shared {
    pub(crate) fn new(
        transport: Arc<dyn Transport>,
        handlers: Handlers,
        client_info: Implementation,
        timeout: Option<Duration>,
    ) -> (Arc<Self>, Alive) {
        let (alive_tx, alive_rx) = watch::channel(());
        let shared = Arc::new(Self {
            transport,
            handlers,
            client_info,
            timeout,
            max_input_rounds: 16,
            next_id: AtomicI64::new(0),
            version: RwLock::new(None),
            log_level: RwLock::new(None),
            notifications: broadcast::channel(256).0,
            listening: AtomicBool::new(false),
            subscribed: AtomicBool::new(false),
            tool_headers: RwLock::new(HashMap::new()),
            session_generation: AtomicU64::new(0),
            renewing: tokio::sync::Mutex::new(()),
            alive: alive_rx,
            closed: watch::channel(false).0,
        });
        (shared, Alive(alive_tx))
    }

    /// Remembers the `x-mcp-header` parameters of the tools just listed.
    pub(crate) fn remember_tools(&self, tools: HashMap<String, HeaderParams>) {
        if let Ok(mut known) = self.tool_headers.write() {
            *known = tools;
        }
    }

    /// Counts the sessions started, so concurrent requests that all found the session gone
    /// start only one new session.
    pub(crate) fn session_generation(&self) -> u64 {
        self.session_generation.load(Ordering::SeqCst)
    }

    /// Starts a new session (handshake era) unless one was started since `seen`.
    pub(crate) async fn renew_session(
        self: &Arc<Self>,
        seen: u64,
    ) -> Result<(), super::ClientError> {
        let _one_at_a_time = self.renewing.lock().await;
        if self.session_generation() != seen {
            return Ok(());
        }
        let version = self.version().unwrap_or(ProtocolVersion::LATEST);
        super::connect::initialize(self, version).await?;
        self.session_generation.fetch_add(1, Ordering::SeqCst);
        // The old session's GET stream ended with it.
        if !self.transport.listens_from_start() && self.listening.swap(false, Ordering::SeqCst) {
            self.start_transport_listener();
        }
        Ok(())
    }

    /// Ends every request still waiting with [`ClientError::Cancelled`](super::ClientError).
    pub(crate) fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Resolves once the client was closed.
    pub(crate) async fn closed(&self) {
        let mut closed = self.closed.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = closed.wait_for(|closed| *closed).await;
    }

    pub(crate) fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn version(&self) -> Option<ProtocolVersion> {
        self.version.read().ok().and_then(|v| *v)
    }

    pub(crate) fn set_version(&self, version: Option<ProtocolVersion>) {
        if let Ok(mut slot) = self.version.write() {
            *slot = version;
        }
    }

    pub(crate) fn set_log_level(&self, level: LogLevel) {
        if let Ok(mut slot) = self.log_level.write() {
            *slot = Some(level);
        }
    }

    pub(crate) fn stateless(&self) -> bool {
        self.version().is_some_and(ProtocolVersion::is_stateless)
    }

    fn outgoing(&self, body: Value, method: Option<&str>) -> Outgoing {
        Outgoing {
            body,
            method: method.map(str::to_owned),
            name: None,
            id: None,
            progress_token: None,
            protocol_version: self.version().map(ProtocolVersion::as_str),
            stateless: self.stateless(),
            param_headers: Vec::new(),
        }
    }

    /// A request; in 2026-07-28 its `params._meta` carries the revision, the client's
    /// capabilities and who it is.
    pub(crate) fn request(
        &self,
        id: i64,
        method: &str,
        mut params: Map<String, Value>,
        name: Option<String>,
        progress_token: Option<String>,
    ) -> Outgoing {
        if self.stateless() {
            let meta = meta(&mut params);
            if let Some(version) = self.version() {
                meta.insert(META_VERSION.into(), json!(version.as_str()));
            }
            meta.insert(
                META_CAPABILITIES.into(),
                Value::Object(self.handlers.capabilities()),
            );
            meta.insert(META_CLIENT_INFO.into(), json!(self.client_info));
            if let Some(level) = self.log_level.read().ok().and_then(|l| *l) {
                meta.insert(META_LOG_LEVEL.into(), json!(level));
            }
        }
        let param_headers = match (&name, params.get("arguments")) {
            (Some(tool), Some(Value::Object(arguments)))
                if method == "tools/call" && self.stateless() =>
            {
                self.tool_headers
                    .read()
                    .ok()
                    .and_then(|known| known.get(tool).map(|p| p.headers(arguments)))
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        Outgoing {
            name,
            id: Some(id),
            progress_token,
            param_headers,
            ..self.outgoing(body, Some(method))
        }
    }

    pub(crate) fn notification(&self, method: &str, params: Option<Value>) -> Outgoing {
        let mut body = json!({"jsonrpc": "2.0", "method": method});
        if let Some(params) = params {
            body["params"] = params;
        }
        self.outgoing(body, Some(method))
    }

    /// Answers a request of the server (handshake era, or stdio) through the transport.
    pub(crate) async fn answer(&self, request: &Value) {
        let Some(id) = request.get("id").cloned() else {
            return;
        };
        let method = request.get("method").and_then(Value::as_str).unwrap_or("");
        let params = request.get("params").cloned().unwrap_or(json!({}));
        let body = match self.handlers.answer(method, params).await {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err((code, message)) => {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            }
        };
        if let Err(e) = self.transport.send(self.outgoing(body, None)).await {
            tracing::warn!("could not answer the server's {method} request: {e}");
        }
    }

    /// Hands a notification to everyone listening (nobody listening is fine).
    pub(crate) fn publish(&self, message: &Value) {
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            return;
        };
        if method == "notifications/subscriptions/acknowledged" {
            return;
        }
        let _ = self.notifications.send(ServerNotification {
            method: method.to_owned(),
            params: message.get("params").cloned().unwrap_or(Value::Null),
        });
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<ServerNotification> {
        self.notifications.subscribe()
    }

    /// Starts everything that brings notifications: the transport's stream of unrelated
    /// messages, and in 2026-07-28 a `subscriptions/listen` request. Each starts once.
    pub(crate) fn start_listening(self: &Arc<Self>) {
        self.start_transport_listener();
        if self.stateless() && !self.subscribed.swap(true, Ordering::SeqCst) {
            super::subscription::start(self);
        }
    }

    /// Starts reading the transport's stream of unrelated messages, once.
    pub(crate) fn start_transport_listener(self: &Arc<Self>) {
        if self.listening.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = Arc::downgrade(self);
        let transport = self.transport.clone();
        let mut alive = self.alive.clone();
        tokio::spawn(async move {
            let stream = match transport.listen().await {
                Ok(Some(stream)) => stream,
                Ok(None) => return,
                Err(e) => {
                    tracing::debug!("the server offers no stream for notifications: {e}");
                    return;
                }
            };
            tokio::select! {
                () = listen(weak, stream) => {}
                _ = alive.changed() => {}
            }
        });
    }
}

async fn listen(shared: Weak<Shared>, mut stream: MessageStream) {
    while let Some(message) = stream.next().await {
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                tracing::debug!("the notification stream ended: {e}");
                return;
            }
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if message.get("method").is_none() {
            continue;
        }
        if message.get("id").is_some() {
            // A handler may wait for a person: do not hold up the stream meanwhile.
            tokio::spawn(async move { shared.answer(&message).await });
        } else {
            shared.publish(&message);
        }
    }
}

/// `params._meta`, created when missing.
pub(crate) fn meta(params: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let meta = params
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    match meta {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}
