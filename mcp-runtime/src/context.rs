//! The context of one tool call, reachable anywhere in the call's future tree.
//!
//! The server runs every tool call inside `CallContext::scope`; [`progress!`](crate::progress),
//! [`log!`](crate::log), [`is_cancelled`] and [`cancelled`] find the call through a
//! task-local, so helpers deep in the call tree need no context parameter. Outside a call
//! they do nothing.
//!
//! The context sits below the engine: what it needs from the server side (the session, the
//! way to the client, where frames go) it reads through the traits of `link`, which the
//! engine implements.

mod link;
mod outbox;
pub(crate) mod peer_error;

use std::any::Any;
use std::sync::{Arc, Weak};
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::identity::Identity;
use crate::protocol::jsonrpc::notification_message;
use crate::protocol::logging::LogMessageParams;
use crate::protocol::types::{Implementation, Number, ProgressParams, ProgressToken};
use crate::protocol::{LogLevel, RequestId};
use crate::request::RequestMeta;
use crate::state::{State, StateMap};
use http::HeaderMap;
pub(crate) use link::{CallRounds, CallSession, Outgoing, PeerLink};
pub(crate) use outbox::{CAPACITY as OUTBOX_CAPACITY, Outbox};

tokio::task_local! {
    static CURRENT: Arc<CallContext>;
}

/// What the server knows about the tool call in progress.
#[derive(Debug)]
pub struct CallContext {
    request_id: RequestId,
    tool: String,
    progress_token: Option<ProgressToken>,
    session: Option<Arc<dyn CallSession>>,
    /// A stateless request's `clientInfo`, checked but raw until a tool asks for it.
    client_info_raw: Option<Box<RawValue>>,
    client_info: OnceLock<Option<Implementation>>,
    states: Arc<StateMap>,
    meta: Option<Arc<RequestMeta>>,
    /// The engine running the call, which only the engine reads (`CallContext::server`).
    server: Weak<dyn Any + Send + Sync>,
    /// The least severe level the client wants; `None`: it wants no log messages.
    log_level: Option<LogLevel>,
    cancel: CancellationToken,
    last_progress: Mutex<Option<f64>>,
    /// Where frames go (see `CallStream::start`).
    outbox: Outbox,
    /// How the call asks its client (elicitation, sampling, roots).
    peer: PeerLink,
    /// Questions asked so far, per method: default keys of 2026-07-28 `inputRequests`.
    questions: Mutex<Vec<&'static str>>,
    /// A JSON-RPC error the call answers with instead of its result (URL elicitation
    /// required).
    protocol_error: Mutex<Option<crate::protocol::RpcError>>,
}

/// What a call is started with; see [`CallContext`].
pub(crate) struct CallSetup {
    pub(crate) request_id: RequestId,
    pub(crate) tool: String,
    pub(crate) progress_token: Option<ProgressToken>,
    pub(crate) origin: CallOrigin,
    pub(crate) states: Arc<StateMap>,
    /// What the transport learned about the request, on transports that have it.
    pub(crate) meta: Option<Arc<RequestMeta>>,
    /// The engine running the call.
    pub(crate) server: Weak<dyn Any + Send + Sync>,
}

/// What the call inherits from its era: a session, or a stateless request's envelope.
pub(crate) struct CallOrigin {
    pub(crate) session: Option<Arc<dyn CallSession>>,
    pub(crate) log_level: Option<LogLevel>,
    pub(crate) cancel: CancellationToken,
    /// A 2026-07-28 request: its result carries `resultType`.
    pub(crate) stateless: bool,
    /// The `clientInfo` a 2026-07-28 request carried, checked and raw (handshake era: the
    /// session has it).
    pub(crate) client_info: Option<Box<RawValue>>,
    /// How the call asks its client.
    pub(crate) peer: PeerLink,
}

impl CallContext {
    pub(crate) fn new(setup: CallSetup, outbox: Outbox) -> Self {
        Self {
            request_id: setup.request_id,
            tool: setup.tool,
            progress_token: setup.progress_token,
            session: setup.origin.session,
            client_info_raw: setup.origin.client_info,
            client_info: OnceLock::new(),
            states: setup.states,
            meta: setup.meta,
            server: setup.server,
            log_level: setup.origin.log_level,
            cancel: setup.origin.cancel,
            last_progress: Mutex::new(None),
            outbox,
            peer: setup.origin.peer,
            questions: Mutex::default(),
            protocol_error: Mutex::default(),
        }
    }

    /// Makes the call answer with `error` instead of the tool's result.
    pub(crate) fn set_protocol_error(&self, error: crate::protocol::RpcError) {
        *self
            .protocol_error
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(error);
    }

    /// The error set by [`set_protocol_error`](Self::set_protocol_error), if any.
    pub(crate) fn take_protocol_error(&self) -> Option<crate::protocol::RpcError> {
        self.protocol_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    pub(crate) fn peer_link(&self) -> &PeerLink {
        &self.peer
    }

    pub(crate) fn session(&self) -> Option<&dyn CallSession> {
        self.session.as_deref()
    }

    /// The engine running the call, unless it is going away.
    pub(crate) fn engine(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.server.upgrade()
    }

    pub(crate) fn outbox(&self) -> Option<&mpsc::Sender<Outgoing>> {
        self.outbox.sender()
    }

    /// Wakes `waker` when the call's first frame opens its lazy outbox.
    pub(crate) fn watch_frames(&self, waker: &std::task::Waker) {
        self.outbox.watch(waker);
    }

    /// The receiver of a lazy outbox, once the call's first frame opened it.
    pub(crate) fn take_frames(&self) -> Option<mpsc::Receiver<Outgoing>> {
        self.outbox.take_receiver()
    }

    /// The capabilities the client declared: at `initialize` (handshake era) or in this
    /// request's `_meta` (2026-07-28).
    pub fn client_capabilities(&self) -> Map<String, Value> {
        match (&self.session, &self.peer) {
            (Some(session), _) => session.client_capabilities().clone(),
            (None, PeerLink::Rounds(rounds)) => rounds.capabilities(),
            (None, _) => Map::new(),
        }
    }

    /// The default key of the next 2026-07-28 question for `method`: `elicitation-1`,
    /// `sampling-1`, `roots-1`, … in the order the tool asks, the same in every round.
    pub(crate) fn next_question_key(&self, method: &'static str) -> String {
        let mut asked = self.questions.lock().unwrap_or_else(|e| e.into_inner());
        asked.push(method);
        let n = asked.iter().filter(|m| **m == method).count();
        let stem = method.split('/').next().unwrap_or(method);
        format!("{stem}-{n}")
    }

    /// Runs `future` with `self` as the current call.
    pub(crate) async fn scope<F: Future>(self: Arc<Self>, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// The context of the call this code runs in, if any.
    pub fn current() -> Option<Arc<CallContext>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// The JSON-RPC id of the `tools/call` request.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The name of the tool being called.
    pub fn tool_name(&self) -> &str {
        &self.tool
    }

    /// The client's name and version: from `initialize` for a session, from the request's
    /// `_meta` in the stateless era (where it is optional).
    pub fn client_info(&self) -> Option<&Implementation> {
        if let Some(session) = self.session.as_deref() {
            return Some(session.client_info());
        }
        self.client_info
            .get_or_init(|| {
                let raw = self.client_info_raw.as_deref()?;
                serde_json::from_str(raw.get()).ok()
            })
            .as_ref()
    }

    /// The HTTP headers of the request that started the call (e.g. `Authorization` for
    /// per-user credentials); `None` on transports without headers.
    pub fn http_headers(&self) -> Option<&HeaderMap> {
        self.meta.as_deref().map(RequestMeta::headers)
    }

    /// The extensions of the HTTP request that started the call: what a tower layer in
    /// front of the server learned about the request (a verified identity, a tenant, a
    /// trace id). `None` on transports without HTTP requests.
    ///
    /// ```
    /// use mcp_runtime::{Context, tool};
    ///
    /// #[derive(Clone)]
    /// struct Tenant(String);
    ///
    /// /// Says which tenant is calling (a layer inserts `Tenant` into the request).
    /// #[tool]
    /// async fn whoami(ctx: Context) -> String {
    ///     match ctx.extensions().and_then(|e| e.get::<Tenant>()) {
    ///         Some(Tenant(name)) => name.clone(),
    ///         None => "nobody".into(),
    ///     }
    /// }
    /// ```
    pub fn extensions(&self) -> Option<&http::Extensions> {
        self.meta.as_deref().map(RequestMeta::extensions)
    }

    /// Who is calling: the verified bearer of the request's token, on a server with
    /// [`Auth`](crate::Auth); `None` without auth and on stdio.
    ///
    /// ```
    /// use mcp_runtime::{Context, tool};
    ///
    /// /// Who am I?
    /// #[tool]
    /// async fn whoami(ctx: Context) -> String {
    ///     ctx.identity().map_or("anonymous".into(), |who| who.subject().to_owned())
    /// }
    /// ```
    pub fn identity(&self) -> Option<&Identity> {
        self.meta.as_deref()?.identity()
    }

    /// The server state of type `T`, if the server has one (see [`State`]).
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.states.get::<T>()
    }

    /// Whether the client asked for progress (sent a `progressToken`).
    pub fn wants_progress(&self) -> bool {
        self.progress_token.is_some()
    }

    /// Whether the client cancelled this call. The call is dropped at its next `.await`
    /// anyway; check this in CPU-bound loops, or use [`cancelled`](Self::cancelled) to
    /// clean up.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when the client cancels this call.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await;
    }

    pub(crate) fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Ends the SSE stream this call's messages travel on, without ending the call
    /// (SEP-1699 polling): the client reconnects with `GET` and `Last-Event-ID` after the
    /// stream's `retry` delay and receives everything that followed, the response included.
    /// Useful before a long silent stretch, so no connection is held open.
    ///
    /// Frames sent before this are delivered on the closing stream first. Only clients of
    /// protocol 2025-11-25 or later, in a session, know to reconnect; for others this does
    /// nothing.
    pub async fn close_sse_stream(&self) {
        let resumable = self
            .session
            .as_ref()
            .is_some_and(|s| s.protocol_version().primes_streams());
        if let (true, Some(outbox)) = (resumable, self.outbox.sender()) {
            // In band, so the transport closes the stream after the frames queued before.
            let _ = outbox.send(Outgoing::CloseStream).await;
        }
    }

    /// Sends one `notifications/progress` frame; see [`report_progress`].
    pub async fn report_progress(
        &self,
        done: Option<f64>,
        total: Option<f64>,
        message: Option<&str>,
    ) {
        let Some(token) = &self.progress_token else {
            return;
        };
        let progress = self.next_progress(done);
        let params = ProgressParams {
            progress_token: token,
            progress: Number(progress),
            total: total.map(Number),
            message,
        };
        self.send(notification_message(
            crate::protocol::methods::PROGRESS,
            &params,
        ))
        .await;
    }

    /// Sends one `notifications/message` frame if the client wants messages of this level.
    pub async fn log(&self, level: LogLevel, logger: Option<&str>, data: Value) {
        if self.log_level.is_none_or(|min| level < min) {
            return;
        }
        let params = LogMessageParams {
            level,
            logger,
            data: &data,
        };
        self.send(notification_message(
            crate::protocol::methods::MESSAGE,
            &params,
        ))
        .await;
    }

    async fn send(&self, frame: Bytes) {
        // The receiver is gone only when the call itself is being dropped: nothing to do.
        if let Some(outbox) = self.outbox.sender() {
            let _ = outbox.send(Outgoing::Notification(frame)).await;
        }
    }

    /// The spec requires `progress` to increase with every notification. A frame without a
    /// count, or with a count that does not move forward, advances by one.
    fn next_progress(&self, done: Option<f64>) -> f64 {
        let mut last = self.last_progress.lock().unwrap_or_else(|e| e.into_inner());
        let next = match (done, *last) {
            (Some(done), Some(prev)) if done > prev => done,
            (Some(done), None) if done.is_finite() => done,
            (_, Some(prev)) => prev + 1.0,
            (_, None) => 1.0,
        };
        *last = Some(next);
        next
    }
}

/// The current call's context as a tool parameter: `ctx: Context` (not part of the input
/// schema). The same as [`CallContext::current`], without the `Option`.
///
/// ```
/// use mcp_runtime::{Context, tool};
///
/// /// Who is calling?
/// #[tool]
/// async fn whoami(ctx: Context) -> String {
///     let client = ctx.client_info().map_or("an unknown client", |c| c.name.as_str());
///     let auth = ctx.http_headers().and_then(|h| h.get("authorization")).is_some();
///     format!("request {} from {client} (authenticated: {auth})", ctx.request_id())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Context(pub(crate) Arc<CallContext>);

impl std::ops::Deref for Context {
    type Target = CallContext;

    fn deref(&self) -> &CallContext {
        &self.0
    }
}

/// Reports progress of the current tool call: one `notifications/progress` frame on the
/// call's SSE stream, returning once the frame is queued.
///
/// Does nothing outside a tool call or when the client sent no `progressToken`. Prefer the
/// [`progress!`](crate::progress) macro, which formats the message for you.
pub async fn report_progress(done: Option<f64>, total: Option<f64>, message: Option<String>) {
    if let Some(ctx) = CallContext::current() {
        ctx.report_progress(done, total, message.as_deref()).await;
    }
}

/// Sends a log message of the current tool call to the client (`notifications/message`),
/// if the client's level lets it through. Prefer the [`log!`](crate::log) macro.
pub async fn log_message(level: LogLevel, message: String) {
    if let Some(ctx) = CallContext::current() {
        ctx.log(level, None, Value::String(message)).await;
    }
}

/// Whether the current tool call was cancelled by the client (`false` outside a call).
pub fn is_cancelled() -> bool {
    CallContext::current().is_some_and(|ctx| ctx.is_cancelled())
}

/// Resolves when the current tool call is cancelled; never outside a call.
///
/// ```
/// use mcp_runtime::{cancelled, tool};
///
/// /// Wait for a long time, but clean up when cancelled.
/// #[tool]
/// async fn wait(seconds: u64) -> String {
///     tokio::select! {
///         _ = tokio::time::sleep(std::time::Duration::from_secs(seconds)) => "waited".into(),
///         _ = cancelled() => "cancelled".into(), // the client never sees this result
///     }
/// }
/// ```
pub async fn cancelled() {
    match CallContext::current() {
        Some(ctx) => ctx.cancelled().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> CallContext {
        let (tx, _rx) = mpsc::channel(1);
        let setup = CallSetup {
            request_id: RequestId::Number(1),
            tool: "t".into(),
            progress_token: Some(ProgressToken::Number(1)),
            origin: CallOrigin {
                session: None,
                log_level: None,
                cancel: CancellationToken::new(),
                stateless: false,
                client_info: None,
                peer: PeerLink::None,
            },
            states: Arc::default(),
            meta: None,
            server: Weak::<()>::new(),
        };
        CallContext::new(setup, Outbox::Open(tx))
    }

    #[test]
    fn progress_strictly_increases() {
        let c = ctx();
        assert_eq!(c.next_progress(None), 1.0);
        assert_eq!(c.next_progress(Some(10.0)), 10.0);
        assert_eq!(c.next_progress(Some(10.0)), 11.0);
        assert_eq!(c.next_progress(None), 12.0);
        assert_eq!(c.next_progress(Some(50.0)), 50.0);
        assert_eq!(c.next_progress(Some(f64::NAN)), 51.0);
    }

    #[tokio::test]
    async fn outside_a_call_everything_is_a_no_op() {
        report_progress(Some(1.0), None, None).await;
        log_message(LogLevel::Info, "nobody listens".into()).await;
        assert!(!is_cancelled());
    }
}
