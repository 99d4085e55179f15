//! What the server offers, as parts. Each feature declares its capabilities and the methods
//! it answers; the engine routes requests to it, and builds `initialize`'s capabilities and
//! the `server/discover` result from what is registered.
//!
//! Adding a feature (say, prompts) means a module here that implements [`Feature`] and one
//! line in [`Features::standard`]: no transport and no `match` elsewhere changes.

pub(crate) mod apps;
pub(crate) mod completion;
pub(crate) mod lifecycle;
pub(crate) mod listing;
pub(crate) mod logging;
pub(crate) mod prompts;
pub(crate) mod resources;
pub(crate) mod roots;
pub(crate) mod scoped;
mod scopes;
pub(crate) mod skills;
pub(crate) mod subscriptions;
pub(crate) mod surface;
pub(crate) mod tasks;
pub(crate) mod tool_set;
pub(crate) mod tools;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::Outcome;
use super::call::CallStream;
use super::engine::Engine;
use super::envelope::{Envelope, MirroredHeaders};
use super::store::SessionRef;
use crate::identity::Identity;
use crate::protocol::jsonrpc::{Complete, error_message, result_message};
use crate::protocol::{RequestId, RpcError};
use crate::request::RequestMeta;
use futures_util::future::{BoxFuture, FutureExt as _};

/// The eras a method exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eras {
    /// Only with a session (protocol 2024-11-05 … 2025-11-25).
    Handshake,
    /// Only as a self-contained request (2026-07-28).
    Stateless,
    /// Both.
    Both,
}

impl Eras {
    fn admits(self, stateless: bool) -> bool {
        match self {
            Self::Both => true,
            Self::Handshake => !stateless,
            Self::Stateless => stateless,
        }
    }
}

/// A method a feature answers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Method {
    pub(crate) name: &'static str,
    pub(crate) eras: Eras,
}

impl Method {
    pub(crate) const fn new(name: &'static str, eras: Eras) -> Self {
        Self { name, eras }
    }
}

/// One part of what the server offers.
pub(crate) trait Feature: Any + Send + Sync {
    /// Adds this feature's entries to the server's capabilities (both eras).
    fn declare(&self, _capabilities: &mut Map<String, Value>) {}

    /// The requests this feature answers.
    fn methods(&self) -> &'static [Method];

    /// Answers one of [`methods`](Self::methods).
    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled>;

    /// The notifications from the client this feature acts on.
    fn notifications(&self) -> &'static [&'static str] {
        &[]
    }

    /// Acts on one of [`notifications`](Self::notifications).
    fn notify<'a>(
        &'a self,
        _session: Option<&'a SessionRef>,
        _method: &'a str,
        _params: Option<&'a RawValue>,
    ) -> BoxFuture<'a, ()> {
        std::future::ready(()).boxed()
    }

    /// For [`Features::get`].
    fn as_any(&self) -> &dyn Any;
}

/// A request routed to a feature, with everything the engine learned about it.
pub(crate) struct Request<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) id: RequestId,
    pub(crate) method: &'a str,
    pub(crate) params: Option<&'a RawValue>,
    pub(crate) era: EraFacts<'a>,
    /// Cancelled when the client cancels the request (or its session ends).
    pub(crate) cancel: tokio_util::sync::CancellationToken,
    /// What the transport knows of the request beyond the message (the caller's identity
    /// and credential, metadata for tools); `None` on transports without any (stdio).
    pub(crate) meta: Option<Arc<RequestMeta>>,
}

/// What a request carries from its era.
// Built once per request and moved into its feature: boxing the envelope would cost an
// allocation per stateless request for nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum EraFacts<'a> {
    /// The session (`None` only for `initialize`, and for `ping` before it).
    Handshake(Option<SessionRef>),
    /// The validated envelope, and the headers that mirrored the body (HTTP).
    Stateless {
        envelope: Envelope,
        mirrored: Option<&'a MirroredHeaders<'a>>,
    },
}

impl Request<'_> {
    /// The verified identity of the caller; `None` without auth, or on stdio.
    pub(crate) fn identity(&self) -> Option<&Identity> {
        self.meta.as_deref().and_then(RequestMeta::identity)
    }

    /// Whether this is a 2026-07-28 request.
    pub(crate) fn is_stateless(&self) -> bool {
        matches!(self.era, EraFacts::Stateless { .. })
    }

    /// The session of a handshake-era request.
    pub(crate) fn session(&self) -> Option<&SessionRef> {
        match &self.era {
            EraFacts::Handshake(session) => session.as_ref(),
            EraFacts::Stateless { .. } => None,
        }
    }

    /// `params` read as `T` (absent params read as `{}`); else -32602 saying why.
    pub(crate) fn params<T: DeserializeOwned>(&self) -> Result<T, RpcError> {
        parse_params(self.params)
    }

    /// A success response in this request's era's shape (2026-07-28 adds `resultType`).
    pub(crate) fn reply<T: serde::Serialize + ?Sized>(&self, result: &T) -> Handled {
        Handled::Reply(Ok(if self.is_stateless() {
            result_message(&self.id, &Complete::new(result))
        } else {
            result_message(&self.id, result)
        }))
    }

    /// A response already in its era's shape.
    pub(crate) fn reply_raw(&self, result: &RawValue) -> Handled {
        Handled::Reply(Ok(result_message(&self.id, result)))
    }
}

/// `params` read as `T`; absent params read as `{}`.
pub(crate) fn parse_params<T: DeserializeOwned>(params: Option<&RawValue>) -> Result<T, RpcError> {
    let raw = params.map_or("{}", RawValue::get);
    serde_json::from_str(raw).map_err(RpcError::invalid_params)
}

/// A feature's answer that needs no waiting, as the future `handle` returns.
pub(crate) fn now<'a>(handled: Handled) -> BoxFuture<'a, Handled> {
    std::future::ready(handled).boxed()
}

/// What a feature made of a request.
pub(crate) enum Handled {
    /// A complete response body, or the error to answer with.
    Reply(Result<Bytes, RpcError>),
    /// A streaming response.
    Stream(CallStream),
    /// A session was opened (`initialize`).
    Opened(Bytes, SessionRef),
    /// Refused before anything was done (a limit, the store down).
    Refused(Box<super::Refusal>),
}

impl From<RpcError> for Handled {
    fn from(error: RpcError) -> Self {
        Self::error(error)
    }
}

impl Handled {
    pub(crate) fn error(error: RpcError) -> Self {
        Self::Reply(Err(error))
    }

    /// As the engine's outcome, for a request of this id and era.
    pub(crate) fn into_outcome(
        self,
        id: &RequestId,
        stateless: bool,
        session: Option<SessionRef>,
    ) -> Outcome {
        match self {
            Self::Reply(Ok(body)) => Outcome::Reply {
                body,
                error: None,
                stateless,
            },
            Self::Reply(Err(error)) => Outcome::Reply {
                body: error_message(Some(id), &error),
                error: Some(error.code),
                stateless,
            },
            Self::Stream(stream) => Outcome::Stream { stream, session },
            Self::Opened(body, session) => Outcome::Opened { body, session },
            Self::Refused(refusal) => Outcome::Refused(refusal.to(Some(id))),
        }
    }
}

/// Every feature of a server, and the routing table built from them.
pub(crate) struct Features {
    parts: Vec<Arc<dyn Feature>>,
    /// Looked up on every message, with names we chose: foldhash, not SipHash.
    methods: HashMap<&'static str, (usize, Eras), foldhash::fast::RandomState>,
    notifications: HashMap<&'static str, Vec<usize>, foldhash::fast::RandomState>,
}

impl Features {
    /// The features every server has, in the order their capabilities are listed.
    /// `more`: the features of the rest of the surface (`surface::Surface`).
    pub(crate) fn standard(tools: tools::Tools, more: Vec<Arc<dyn Feature>>) -> Self {
        let mut parts: Vec<Arc<dyn Feature>> = vec![
            Arc::new(lifecycle::Lifecycle),
            Arc::new(tools),
            Arc::new(logging::Logging),
            Arc::new(subscriptions::Subscriptions),
            Arc::new(tasks::Tasks::default()),
            Arc::new(roots::Roots),
        ];
        parts.extend(more);
        Self::new(parts)
    }

    fn new(parts: Vec<Arc<dyn Feature>>) -> Self {
        let mut methods = HashMap::default();
        let mut notifications: HashMap<&'static str, Vec<usize>, _> = HashMap::default();
        for (index, part) in parts.iter().enumerate() {
            for method in part.methods() {
                let earlier = methods.insert(method.name, (index, method.eras));
                debug_assert!(earlier.is_none(), "two features answer {}", method.name);
            }
            for name in part.notifications() {
                notifications.entry(*name).or_default().push(index);
            }
        }
        Self {
            parts,
            methods,
            notifications,
        }
    }

    /// The server's capabilities: what every feature declares.
    pub(crate) fn capabilities(&self) -> Map<String, Value> {
        let mut capabilities = Map::new();
        for part in &self.parts {
            part.declare(&mut capabilities);
        }
        capabilities
    }

    /// The feature that answers `method` in this era.
    pub(crate) fn route(&self, method: &str, stateless: bool) -> Option<&dyn Feature> {
        let (index, eras) = self.methods.get(method)?;
        eras.admits(stateless).then(|| &*self.parts[*index])
    }

    /// Hands a notification to the features that act on it; unknown ones are ignored, as
    /// JSON-RPC asks.
    pub(crate) async fn notify(
        &self,
        session: Option<&SessionRef>,
        method: &str,
        params: Option<&RawValue>,
    ) {
        match self.notifications.get(method) {
            Some(indices) => {
                for index in indices {
                    self.parts[*index].notify(session, method, params).await;
                }
            }
            None => tracing::debug!("ignoring notification {method}"),
        }
    }

    /// The feature of type `F`.
    pub(crate) fn get<F: Feature>(&self) -> Option<&F> {
        self.parts
            .iter()
            .find_map(|part| part.as_any().downcast_ref::<F>())
    }
}
