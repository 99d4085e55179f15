//! What a call's context needs from the server side, in the context's own terms: where its
//! frames go ([`Outgoing`]), the session it runs in ([`CallSession`]) and how it reaches its
//! client ([`PeerLink`], [`CallRounds`]). The engine implements these traits and fills the
//! context with its own values, so the context names no type of the engine's.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::peer_error::PeerError;
use crate::protocol::types::Implementation;
use crate::protocol::{ProtocolVersion, RequestId};

/// One item of a call's stream.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outgoing {
    /// A notification related to the call (progress, log).
    Notification(Bytes),
    /// The tool asked to end the SSE stream here and let the client resume by polling
    /// (SEP-1699); carries no message.
    CloseStream,
    /// The call's JSON-RPC response: always the last item.
    Response(Bytes),
}

impl Outgoing {
    /// The JSON-RPC message this item carries, if any.
    pub(crate) fn into_message(self) -> Option<Bytes> {
        match self {
            Self::Notification(b) | Self::Response(b) => Some(b),
            Self::CloseStream => None,
        }
    }
}

/// The handshake-era session a call runs in, as the call sees it.
pub(crate) trait CallSession: Send + Sync + fmt::Debug {
    /// The protocol version agreed at `initialize`.
    fn protocol_version(&self) -> ProtocolVersion;
    /// The `clientInfo` of `initialize`.
    fn client_info(&self) -> &Implementation;
    /// The `capabilities` the client declared in `initialize`.
    fn client_capabilities(&self) -> &Map<String, Value>;
    /// Registers a request to the client under `id`: the receiver resolves with its answer
    /// (the `result`, or the `error` object), whichever replica it reaches. `Err`: why it
    /// could not be registered.
    fn await_answer(
        &self,
        id: RequestId,
    ) -> BoxFuture<'_, Result<oneshot::Receiver<Result<Value, Value>>, String>>;
}

/// A 2026-07-28 call's rounds of questions (`InputRequiredResult`), as the call sees them.
pub(crate) trait CallRounds: Send + Sync + fmt::Debug {
    /// The capabilities the request's `_meta` declared.
    fn capabilities(&self) -> Map<String, Value>;
    /// Called before the call turns into a task; whether it will (see
    /// [`CallContext::start_task`](crate::CallContext::start_task)).
    fn before_task(&self) -> bool;
    /// The answer to `request` under `key`: from the rounds so far if `valid` takes it; else
    /// the question is asked (by ending the round, or by parking the call's task), and the
    /// future resolves when the answer comes (or never, when the round ends here).
    fn ask<'a>(
        &'a self,
        key: String,
        request: Value,
        valid: &'a (dyn Fn(&Value) -> bool + Send + Sync),
    ) -> BoxFuture<'a, Result<Value, PeerError>>;
    /// The engine's own value behind this trait, for the engine.
    fn as_any(&self) -> &dyn Any;
}

/// How a call reaches its client.
#[derive(Debug, Default)]
pub(crate) enum PeerLink {
    /// Handshake era: JSON-RPC requests on the call's stream, answers through the session.
    Session { timeout: Duration },
    /// 2026-07-28: questions end the round; answers come with the retry.
    Rounds(Box<dyn CallRounds>),
    /// Nobody to ask (a call outside any session).
    #[default]
    None,
}
