//! [`PeerError`]: why a question to the client got no answer. Here, below the asking
//! (`crate::peer`) and the engine's side of it, which both return it; public as
//! `mcp_runtime::peer::PeerError`.

use std::time::Duration;

/// Why asking the client failed. Converts into [`ToolError`](crate::tool::ToolError) with `?`, so
/// the model reads it as an `isError` result unless the tool handles it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// The client did not declare the capability this question needs.
    #[error(
        "the client does not support {capability} (it did not declare the `{capability}` capability)"
    )]
    NotSupported {
        /// The missing capability: `elicitation`, `elicitation.url`, `sampling`, `roots`.
        capability: &'static str,
    },
    /// The client did not answer in time.
    #[error("the client did not answer {method} within {timeout:?}")]
    Timeout {
        /// The request that went unanswered.
        method: &'static str,
        /// How long the server waited.
        timeout: Duration,
    },
    /// The client answered with a JSON-RPC error.
    #[error("the client refused {method}: {message} (error {code})")]
    Client {
        /// The request the client refused.
        method: &'static str,
        /// The error's code.
        code: i64,
        /// The error's message.
        message: String,
    },
    /// The call was cancelled while it waited.
    #[error("the call was cancelled while waiting for the client")]
    Cancelled,
    /// The session ended while the call waited.
    #[error("the session ended before the client answered")]
    SessionEnded,
    /// The answer does not have the shape the request asks for.
    #[error("the client's answer to {method} is invalid: {detail}")]
    InvalidAnswer {
        /// The request answered.
        method: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The requested elicitation schema breaks the spec's restrictions (a flat object of
    /// primitive properties): a bug in the tool, not the client's fault.
    #[error("invalid elicitation schema: {0}")]
    InvalidSchema(String),
    /// Asked outside a tool call, or where no client can be reached.
    #[error("no client to ask: {0}")]
    Unreachable(&'static str),
    /// The session store could not be reached.
    #[error("the session store is unavailable: {0}")]
    Store(String),
}
