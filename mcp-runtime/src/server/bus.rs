//! Changes the server announces (list changes, and later resource updates), fanned out by
//! the store's [`Bus`](super::store::Bus) to everyone who follows them: handshake-era
//! sessions (on their `GET` stream) and 2026-07-28 subscriptions (`subscriptions/listen`).

/// One change the server announces.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Change {
    /// The tool list changed.
    ToolsListChanged,
}

impl Change {
    /// The notification method that tells a client of this change.
    pub(crate) fn method(&self) -> &'static str {
        match self {
            Self::ToolsListChanged => crate::protocol::methods::TOOLS_LIST_CHANGED,
        }
    }
}
