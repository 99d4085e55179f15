//! The engine: one transport-free entry point that takes a message and what the transport
//! knows about it, and returns the [`Outcome`]. Every protocol rule lives here, once: era
//! detection, the session requirement, initialize-once, batches, strict request ids,
//! cancellation of stateless requests on transports that cannot close one stream per
//! request. HTTP and stdio only move bytes and render outcomes, so they cannot diverge.

use tracing::Instrument as _;

use crate::observe;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::StreamExt as _;
use futures_util::future::{BoxFuture, FutureExt as _, join_all};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::bus::Change;
use super::call::Outgoing;
use super::config::Config;
use super::envelope::{self, MirroredHeaders};
use super::features::surface::Surface;
use super::features::tools::{CacheHints, Tools};
use super::features::{EraFacts, Features, Request, lifecycle};
use super::inflight::{InFlight, InFlightGuard};
use super::outcome::{Outcome, Reason, Refusal};
use super::store::memory::MemoryStore;
use super::store::{SessionRef, Store};
use crate::protocol::jsonrpc::{Incoming, IncomingRequest, error_message, is_batch, parse_message};
use crate::protocol::methods::{CANCELLED, INITIALIZE, PING};
use crate::protocol::types::{CancelledParams, Implementation};
use crate::protocol::{ProtocolVersion, RpcError, VersionHeader};
use crate::request::RequestMeta;
use crate::tool::{StateMap, ToolDef};

/// What the transport knows about a message besides its bytes: typed facts, never a
/// transport's own types.
#[derive(Default)]
pub(crate) struct Inbound<'a> {
    /// The session the message names: HTTP's `Mcp-Session-Id`, or the session a stdio
    /// connection opened.
    pub(crate) session_id: Option<&'a str>,
    /// That session, when the transport found it already (HTTP looks it up before it reads
    /// the body, so an unknown one is refused unread; stdio holds its connection's).
    pub(crate) resolved: Option<SessionRef>,
    /// The protocol version the transport was told out of band (HTTP's
    /// `MCP-Protocol-Version` header), parsed once.
    pub(crate) protocol_version: Option<VersionHeader<'a>>,
    /// HTTP's headers that mirror a 2026-07-28 body (`Mcp-Method`, `Mcp-Name`, …); `None`
    /// on transports without headers, which skip that step of the validation ladder.
    pub(crate) mirrored: Option<&'a MirroredHeaders<'a>>,
    /// Who sent the request and the metadata tools may read; `None` on transports without
    /// per-request metadata (stdio).
    pub(crate) meta: Option<Arc<RequestMeta>>,
}

/// One transport connection, as far as the protocol cares.
///
/// Over HTTP each request is its own stream, and a client cancels a 2026-07-28 request by
/// closing it: [`Link::per_request`]. Over stdio one stream carries everything, so the
/// client cancels with `notifications/cancelled`, which needs the requests in flight:
/// [`Link::connection`].
#[derive(Debug, Default)]
pub(crate) struct Link {
    stateless: Option<Arc<InFlight>>,
}

impl Link {
    /// A link that lives for one request.
    pub(crate) fn per_request() -> Self {
        Self { stateless: None }
    }

    /// A long-lived connection that multiplexes requests.
    pub(crate) fn connection() -> Self {
        Self {
            stateless: Some(Arc::default()),
        }
    }
}

/// The server's state shared by every connection: identity, features, sessions.
pub(crate) struct Engine {
    info: Implementation,
    instructions: Option<String>,
    pub(crate) config: Config,
    /// Sessions, their event logs, and the bus of announcements.
    pub(crate) store: Arc<dyn Store>,
    states: Arc<StateMap>,
    features: Features,
    capabilities: Map<String, Value>,
    /// `server/discover` result, serialized once.
    discover: Box<RawValue>,
    /// Cancelled when the server begins to shut down.
    shutdown: CancellationToken,
    /// The slots tool calls run in, and the queue before them.
    calls: Arc<super::admission::CallGate>,
    /// The definitions other replicas' list edits name (see `lists`).
    pub(crate) catalog: super::lists::Catalog,
    /// This engine, for the calls it runs (`Context::server`).
    me: Weak<Engine>,
}

impl Engine {
    /// An engine; `me` is the `Weak` of the `Arc` it goes into (`Arc::new_cyclic`).
    pub(crate) fn new(
        info: Implementation,
        instructions: Option<String>,
        tools: Vec<ToolDef>,
        surface: Surface,
        states: StateMap,
        config: Config,
        me: Weak<Engine>,
    ) -> Self {
        let hints = CacheHints::public(config.cache_ttl);
        let more = surface.into_features(&tools, config.page_size, hints);
        let features = Features::standard(Tools::new(tools, config.page_size, hints), more);
        let capabilities = features.capabilities();
        let discover =
            lifecycle::discover_result(&info, instructions.as_deref(), &capabilities, hints);
        Self {
            store: Arc::new(MemoryStore::new(config.clone())),
            states: Arc::new(states),
            features,
            capabilities,
            discover,
            shutdown: CancellationToken::new(),
            calls: super::admission::CallGate::new(&config),
            catalog: super::lists::Catalog::default(),
            me,
            info,
            instructions,
            config,
        }
    }

    /// Keeps sessions, streams and announcements, and task records, in these stores
    /// instead of in this process.
    pub(crate) fn with_store(
        mut self,
        store: Option<(Arc<dyn Store>, Arc<dyn super::store::tasks::TaskStore>)>,
    ) -> Self {
        if let Some((store, tasks)) = store {
            self.store = store;
            self.tasks().share_store(tasks);
        }
        self
    }

    pub(crate) fn info(&self) -> &Implementation {
        &self.info
    }

    pub(crate) fn instructions(&self) -> Option<&str> {
        self.instructions.as_deref()
    }

    /// The capabilities every feature declared.
    pub(crate) fn capabilities(&self) -> &Map<String, Value> {
        &self.capabilities
    }

    pub(crate) fn discover(&self) -> &RawValue {
        &self.discover
    }

    pub(crate) fn states(&self) -> &Arc<StateMap> {
        &self.states
    }

    pub(crate) fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// A slot for one tool call of `session`: at once, or after a bounded wait in the
    /// call queue, or a refusal saying the server is at its limit.
    pub(crate) async fn call_permit(
        &self,
        session: Option<&SessionRef>,
    ) -> Result<super::admission::CallPermit, Box<Refusal>> {
        self.calls.admit_call(session).await
    }

    pub(crate) fn me(&self) -> Weak<Engine> {
        self.me.clone()
    }

    /// The feature of type `F`, if this server has it.
    pub(crate) fn feature<F: super::features::Feature>(&self) -> Option<&F> {
        self.features.get::<F>()
    }

    /// The tools feature.
    pub(crate) fn tools(&self) -> &Tools {
        self.features
            .get::<Tools>()
            .unwrap_or_else(|| unreachable!("every server has the tools feature"))
    }

    /// The tasks feature (the tasks extension).
    pub(crate) fn tasks(&self) -> &super::features::tasks::Tasks {
        self.features
            .get::<super::features::tasks::Tasks>()
            .unwrap_or_else(|| unreachable!("every server has the tasks feature"))
    }

    /// Sweeps expired sessions in the background, so an idle server frees them too (not
    /// only at the next `initialize`). Without a Tokio runtime here it does nothing; the
    /// task ends with the engine.
    pub(crate) fn start_session_sweeper(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let shortest = self
            .config
            .session_idle_timeout
            .min(self.config.handshake_timeout);
        let every = (shortest / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
        let engine = Arc::downgrade(self);
        runtime.spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match engine.upgrade() {
                    Some(engine) => engine.store.sweep(),
                    None => break,
                }
            }
        });
    }

    /// Begins a graceful shutdown: streams that would never end by themselves (`GET`
    /// streams, subscriptions) end now; calls in flight run on.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.cancel();
        for session in self.store.local() {
            session.close_standalone();
        }
    }

    /// Announces a change to every session (on its `GET` stream, or kept for it until the
    /// client opens or resumes one) and every subscription.
    pub(crate) fn announce(&self, change: Change) {
        self.store.announce(change);
    }

    /// Handles one message, or a batch of them.
    pub(crate) async fn handle(&self, link: &Link, inbound: &Inbound<'_>, body: &[u8]) -> Outcome {
        if is_batch(body) {
            return self.batch(inbound, body).await;
        }
        match parse_message(body) {
            Ok(message) => self.message(link, inbound, message).await,
            Err(error) => Refusal::new(Reason::Malformed, error).into(),
        }
    }

    async fn message(&self, link: &Link, inbound: &Inbound<'_>, message: Incoming<'_>) -> Outcome {
        let stateless = is_stateless(inbound, &message);
        match message {
            Incoming::Request(request) => {
                // Observability: one span per request (method, id, session; the tools
                // feature adds the tool and the caller's trace), and its count by outcome.
                let span = observe::request_span(&request.method, &request.id, inbound.session_id);
                let method = observe::method_label(&request.method);
                let outcome = if stateless {
                    self.stateless(link, inbound, request)
                        .instrument(span)
                        .await
                } else {
                    self.handshake(inbound, request, None)
                        .instrument(span)
                        .await
                };
                let failed = matches!(
                    outcome,
                    Outcome::Reply { error: Some(_), .. } | Outcome::Refused(_)
                );
                observe::request(method, failed);
                outcome
            }
            Incoming::Notification { method, params } => {
                self.notification(link, inbound, stateless, &method, params)
                    .await
            }
            Incoming::Response { id, answer } => {
                if stateless {
                    return Outcome::Accepted;
                }
                match self.named_session(inbound).await {
                    Ok(session) => deliver(&session, id, answer).await,
                    Err(refusal) => refusal.unanswerable().into(),
                }
            }
        }
    }

    /// The session `inbound` names, as [`session`](Self::session) finds it; the one the
    /// transport already found when there is one.
    async fn named_session(&self, inbound: &Inbound<'_>) -> Result<SessionRef, Box<Refusal>> {
        let known_version = !matches!(inbound.protocol_version, Some(VersionHeader::Unknown(_)));
        match &inbound.resolved {
            Some(session) if known_version && Some(session.id()) == inbound.session_id => {
                Ok(session.clone())
            }
            _ => {
                self.session(inbound.session_id, inbound.protocol_version)
                    .await
            }
        }
    }

    /// The session a handshake-era message names: none → [`Reason::NoSession`], unknown or
    /// ended → [`Reason::UnknownSession`]; a protocol version header must name a revision
    /// we speak → else [`Reason::BadVersion`].
    pub(crate) async fn session(
        &self,
        session_id: Option<&str>,
        protocol_version: Option<VersionHeader<'_>>,
    ) -> Result<SessionRef, Box<Refusal>> {
        if let Some(VersionHeader::Unknown(text)) = protocol_version {
            {
                return Err(Refusal::new(
                    Reason::BadVersion,
                    RpcError::invalid_request(format!(
                        "unsupported MCP-Protocol-Version {text:?}; this server supports {}",
                        ProtocolVersion::supported_list()
                    )),
                ));
            }
        }
        let Some(id) = session_id else {
            return Err(Refusal::new(
                Reason::NoSession,
                RpcError::invalid_request(
                    "no session: send `initialize` first (over HTTP, echo the Mcp-Session-Id it returns on every request)",
                ),
            ));
        };
        match self.store.get(id).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(Refusal::new(
                Reason::UnknownSession,
                RpcError::invalid_request(format!(
                    "session {id:?} not found: it has ended or never existed; start a new one with `initialize`"
                )),
            )),
            Err(e) => Err(unavailable(&e)),
        }
    }

    /// A handshake-era request. `batched`: the session of the batch it is part of.
    async fn handshake(
        &self,
        inbound: &Inbound<'_>,
        request: IncomingRequest<'_>,
        batched: Option<&SessionRef>,
    ) -> Outcome {
        let session = if request.method == INITIALIZE {
            // A live session already: `initialize` is sent once per session.
            let live = match inbound.session_id {
                Some(id) => matches!(self.store.get(id).await, Ok(Some(_))),
                None => false,
            };
            if batched.is_some() || live {
                let error = RpcError::invalid_request(
                    "this session is already initialized: `initialize` is sent once, before anything else",
                );
                return Refusal::new(Reason::Malformed, error)
                    .to(Some(&request.id))
                    .into();
            }
            None
        } else if let Some(session) = batched {
            Some(session.clone())
        } else {
            match self.named_session(inbound).await {
                Ok(session) => Some(session),
                // `ping` may come before `initialize` (lifecycle): it needs no session.
                Err(refusal) if refusal.reason == Reason::NoSession && request.method == PING => {
                    None
                }
                Err(refusal) => return refusal.to(Some(&request.id)).into(),
            }
        };
        let (cancel, guard) = match &session {
            Some(session) => match session.start_call(&request.id).await {
                Ok((token, guard)) => (token, Some(guard)),
                Err(refusal) => return refusal.to(Some(&request.id)).into(),
            },
            None => (CancellationToken::new(), None),
        };
        self.route(
            request,
            EraFacts::Handshake(session.clone()),
            cancel,
            guard,
            inbound,
            session,
        )
        .await
    }

    /// A 2026-07-28 request: the envelope is validated first; no session.
    async fn stateless(
        &self,
        link: &Link,
        inbound: &Inbound<'_>,
        request: IncomingRequest<'_>,
    ) -> Outcome {
        let envelope = match envelope::validate(&request.method, request.params, inbound.mirrored) {
            Ok(envelope) => envelope,
            Err(e) => return reply_error(&request, &e, true),
        };
        let (cancel, guard) = match &link.stateless {
            Some(in_flight) => {
                let limit = self
                    .config
                    .max_calls_per_session
                    .saturating_add(self.config.call_queue);
                match in_flight.start(&request.id, None, limit) {
                    Ok((token, guard)) => (token, Some(guard)),
                    Err(refusal) => return refusal.to(Some(&request.id)).into(),
                }
            }
            None => (CancellationToken::new(), None),
        };
        let era = EraFacts::Stateless {
            envelope,
            mirrored: inbound.mirrored,
        };
        self.route(request, era, cancel, guard, inbound, None).await
    }

    async fn route(
        &self,
        request: IncomingRequest<'_>,
        era: EraFacts<'_>,
        cancel: CancellationToken,
        guard: Option<InFlightGuard>,
        inbound: &Inbound<'_>,
        session: Option<SessionRef>,
    ) -> Outcome {
        let stateless = matches!(era, EraFacts::Stateless { .. });
        let Some(feature) = self.features.route(&request.method, stateless) else {
            let outcome = reply_error(
                &request,
                &RpcError::method_not_found(&request.method),
                stateless,
            );
            return match guard {
                Some(guard) if guard.releases() => answered(guard, outcome).await,
                _ => outcome,
            };
        };
        let id = request.id.clone();
        let handled = feature
            .handle(Request {
                engine: self,
                id: request.id,
                method: &request.method,
                params: request.params,
                era,
                cancel,
                meta: inbound.meta.clone(),
            })
            .await;
        match handled.into_outcome(&id, stateless, session) {
            Outcome::Stream { stream, session } => Outcome::Stream {
                stream: stream.holding(guard),
                session,
            },
            other => match guard {
                Some(guard) if guard.releases() => answered(guard, other).await,
                _ => other,
            },
        }
    }

    async fn notification(
        &self,
        link: &Link,
        inbound: &Inbound<'_>,
        stateless: bool,
        method: &str,
        params: Option<&RawValue>,
    ) -> Outcome {
        if method == CANCELLED {
            // A stateless request on a multiplexed connection: drop it where it stands.
            if let (Some(in_flight), Ok(cancelled)) = (
                &link.stateless,
                super::features::parse_params::<CancelledParams>(params),
            ) {
                if in_flight.cancel(&cancelled.request_id) {
                    return Outcome::Accepted;
                }
            }
        }
        if stateless {
            // 2026-07-28 defines no other notification from the client here.
            return Outcome::Accepted;
        }
        match self.named_session(inbound).await {
            Ok(session) => {
                self.features.notify(Some(&session), method, params).await;
                Outcome::Accepted
            }
            Err(refusal) => refusal.unanswerable().into(),
        }
    }

    /// A JSON-RPC batch: allowed only in sessions that negotiated 2025-03-26, never with
    /// `initialize`, never empty, at most `max_batch` messages. Its requests run
    /// concurrently; the reply is the array of their responses.
    async fn batch(&self, inbound: &Inbound<'_>, body: &[u8]) -> Outcome {
        let refuse =
            |message: String| Refusal::new(Reason::Malformed, RpcError::invalid_request(message));
        if inbound
            .protocol_version
            .is_some_and(VersionHeader::is_stateless)
        {
            return refuse(format!(
                "JSON-RPC batches are not part of protocol {}: send one message per request",
                ProtocolVersion::V2026_07_28
            ))
            .into();
        }
        let session = match self.named_session(inbound).await {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        if !session.protocol_version().has_batches() {
            return refuse(format!(
                "JSON-RPC batches exist only in protocol version {}; this session speaks {}: send one message per request",
                ProtocolVersion::V2025_03_26,
                session.protocol_version()
            ))
            .into();
        }
        let items: Vec<&RawValue> = match serde_json::from_slice(body) {
            Ok(items) => items,
            Err(e) => return Refusal::new(Reason::Malformed, RpcError::parse_error(e)).into(),
        };
        if items.is_empty() {
            return refuse("an empty batch".into()).into();
        }
        if items.len() > self.config.max_batch {
            return refuse(format!(
                "a batch of {} messages; at most {} are accepted in one batch",
                items.len(),
                self.config.max_batch
            ))
            .into();
        }
        let mut replies: Vec<BoxFuture<'static, Option<Bytes>>> = Vec::new();
        for item in items {
            let outcome = match parse_message(item.get().as_bytes()) {
                Err(error) => Refusal::new(Reason::Malformed, error).into(),
                Ok(Incoming::Request(request)) if request.method == INITIALIZE => {
                    let error = RpcError::invalid_request("initialize cannot be part of a batch");
                    Refusal::new(Reason::Malformed, error)
                        .to(Some(&request.id))
                        .into()
                }
                Ok(Incoming::Request(request)) => {
                    self.handshake(inbound, request, Some(&session)).await
                }
                Ok(Incoming::Notification { method, params }) => {
                    self.features.notify(Some(&session), &method, params).await;
                    Outcome::Accepted
                }
                Ok(Incoming::Response { id, answer }) => deliver(&session, id, answer).await,
            };
            if let Some(reply) = batch_reply(outcome) {
                replies.push(reply);
            }
        }
        if replies.is_empty() {
            return Outcome::Accepted;
        }
        Outcome::Batch(
            async move {
                let bodies: Vec<Bytes> = join_all(replies).await.into_iter().flatten().collect();
                if bodies.is_empty() {
                    return None;
                }
                let mut array =
                    BytesMut::with_capacity(bodies.iter().map(|b| b.len() + 1).sum::<usize>() + 1);
                array.put_u8(b'[');
                for (i, body) in bodies.iter().enumerate() {
                    if i > 0 {
                        array.put_u8(b',');
                    }
                    array.extend_from_slice(body);
                }
                array.put_u8(b']');
                Some(array.freeze())
            }
            .boxed(),
        )
    }
}

/// Whether a message belongs to the stateless era: its `MCP-Protocol-Version` header names
/// a stateless revision, or (by its body alone) it is `server/discover` or carries a
/// protocol version in `params._meta`.
fn is_stateless(inbound: &Inbound<'_>, message: &Incoming<'_>) -> bool {
    inbound
        .protocol_version
        .is_some_and(VersionHeader::is_stateless)
        || matches!(message, Incoming::Request(request) if envelope::is_stateless_request(request))
}

/// A response from the client to a request of the server: to whoever waits for it. One
/// that nobody waits for (unknown, timed out) is dropped, and logged: the client did
/// nothing wrong by answering late.
async fn deliver(
    session: &SessionRef,
    id: crate::protocol::RequestId,
    answer: Result<&RawValue, &RawValue>,
) -> Outcome {
    let parse = |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).unwrap_or(Value::Null);
    let answer = answer.map(parse).map_err(parse);
    match session.answer(id.clone(), answer).await {
        Ok(true) => Outcome::Accepted,
        Ok(false) => {
            tracing::info!(%id, "ignoring a response to no request in flight");
            Outcome::Accepted
        }
        Err(e) => unavailable(&e).unanswerable().into(),
    }
}

/// The store is down: fail fast, say so, and let the client retry.
fn unavailable(error: &super::store::StoreError) -> Box<Refusal> {
    Refusal::new(
        Reason::Unavailable,
        RpcError::new(
            crate::protocol::ErrorCode::INTERNAL_ERROR,
            error.to_string(),
        ),
    )
}

/// `outcome`, once the request's id is free again everywhere (see [`InFlightGuard::end`]).
/// Boxed: only the Redis store's requests wait for it, and the request's future stays as
/// small as without it.
fn answered(guard: InFlightGuard, outcome: Outcome) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        if let Some(release) = guard.end() {
            release.await;
        }
        outcome
    })
}

fn reply_error(request: &IncomingRequest<'_>, error: &RpcError, stateless: bool) -> Outcome {
    Outcome::Reply {
        body: error_message(Some(&request.id), error),
        error: Some(error.code),
        stateless,
    }
}

/// The response a batched message contributes (a cancelled call contributes none).
fn batch_reply(outcome: Outcome) -> Option<BoxFuture<'static, Option<Bytes>>> {
    let ready = |body: Bytes| Some(std::future::ready(Some(body)).boxed());
    match outcome {
        Outcome::Reply { body, .. } | Outcome::Opened { body, .. } => ready(body),
        Outcome::Refused(refusal) => ready(refusal.message()),
        Outcome::Stream { mut stream, .. } => Some(
            async move {
                while let Some(item) = stream.next().await {
                    if let Outgoing::Response(body) = item {
                        return Some(body);
                    }
                }
                None
            }
            .boxed(),
        ),
        Outcome::Batch(_) | Outcome::Accepted => None,
    }
}
