//! What the engine makes of one inbound message, in terms every transport can render.

use bytes::Bytes;
use futures_util::future::BoxFuture;

use super::call::CallStream;
use super::store::SessionRef;
use crate::protocol::jsonrpc::error_message;
use crate::protocol::{ErrorCode, RequestId, RpcError};

/// The engine's answer to one message (or batch).
pub(crate) enum Outcome {
    /// A complete JSON-RPC response. `error` is its error code, if it is an error;
    /// `stateless`: a 2026-07-28 response, whose errors map to HTTP statuses.
    Reply {
        body: Bytes,
        error: Option<ErrorCode>,
        stateless: bool,
    },
    /// `initialize` succeeded: its response, and the session it opened.
    Opened { body: Bytes, session: SessionRef },
    /// A streaming request (a tool call, a subscription): its notifications, then its
    /// response. `session` is the handshake-era session it belongs to, whose stream logs
    /// make it resumable.
    Stream {
        stream: CallStream,
        session: Option<SessionRef>,
    },
    /// A batch (2025-03-26): resolves to the array of its responses (`None`: it held none).
    Batch(BoxFuture<'static, Option<Bytes>>),
    /// A notification or a response from the client: nothing to send back.
    Accepted,
    /// Refused before any method ran.
    Refused(Box<Refusal>),
}

/// Why a message was refused before it reached a method: each transport renders the
/// reason its own way (HTTP: a status code), with the same JSON-RPC error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Reason {
    /// Not JSON, not JSON-RPC, or a batch where none is allowed (HTTP 400).
    Malformed,
    /// A handshake-era request with no session (HTTP 400).
    NoSession,
    /// A session id that names no live session (HTTP 404).
    UnknownSession,
    /// A protocol version this server does not speak, or one without sessions where a
    /// session is needed (HTTP 400).
    BadVersion,
    /// The session store cannot be reached (HTTP 503): nothing was done; retry later.
    Unavailable,
    /// A limit is reached (sessions, concurrent calls): nothing was done; retry later
    /// (HTTP 503 with `Retry-After`).
    Overloaded,
    /// The caller's token lacks a scope the tool requires (HTTP 403 with an
    /// `insufficient_scope` challenge; the error's data names the scopes).
    InsufficientScope,
}

/// A refused message: the reason, the JSON-RPC error, and the id it answers.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) reason: Reason,
    pub(crate) error: RpcError,
    pub(crate) id: Option<RequestId>,
    /// Whether the message was a request. JSON-RPC never answers a notification, so a
    /// transport whose only way to refuse is a message (stdio) stays silent.
    pub(crate) answerable: bool,
    /// [`Reason::InsufficientScope`]: every scope the request needs (for the challenge).
    pub(crate) required_scopes: Vec<String>,
}

impl Refusal {
    pub(crate) fn new(reason: Reason, error: RpcError) -> Box<Self> {
        Box::new(Self {
            reason,
            error,
            id: None,
            answerable: true,
            required_scopes: Vec::new(),
        })
    }

    pub(crate) fn to(mut self: Box<Self>, id: Option<&RequestId>) -> Box<Self> {
        self.id = id.cloned();
        self
    }

    pub(crate) fn unanswerable(mut self: Box<Self>) -> Box<Self> {
        self.answerable = false;
        self
    }

    /// The JSON-RPC error message.
    pub(crate) fn message(&self) -> Bytes {
        error_message(self.id.as_ref(), &self.error)
    }
}

impl From<Refusal> for Outcome {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(Box::new(refusal))
    }
}

impl From<Box<Refusal>> for Outcome {
    fn from(refusal: Box<Refusal>) -> Self {
        Self::Refused(refusal)
    }
}
