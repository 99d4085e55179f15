//! Changes the server announces (list changes, and later resource updates), fanned out by
//! the store's [`Bus`](super::store::Bus) to everyone who follows them: handshake-era
//! sessions (on their `GET` stream) and 2026-07-28 subscriptions (`subscriptions/listen`).

/// One change the server announces.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Change {
    /// The tool list changed.
    ToolsListChanged,
    /// The resource list (or the templates) changed.
    ResourcesListChanged,
    /// The prompt list changed.
    PromptsListChanged,
    /// The resource with this URI changed: for the clients subscribed to it.
    ResourceUpdated(String),
}

impl Change {
    /// The notification method that tells a client of this change.
    pub(crate) fn method(&self) -> &'static str {
        use crate::protocol::methods::*;
        match self {
            Self::ToolsListChanged => TOOLS_LIST_CHANGED,
            Self::ResourcesListChanged => RESOURCES_LIST_CHANGED,
            Self::PromptsListChanged => PROMPTS_LIST_CHANGED,
            Self::ResourceUpdated(_) => RESOURCES_UPDATED,
        }
    }

    /// The notification's params.
    pub(crate) fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut params = serde_json::Map::new();
        if let Self::ResourceUpdated(uri) = self {
            params.insert("uri".into(), uri.clone().into());
        }
        params
    }

    /// The whole notification, as sent to a session's standalone stream.
    pub(crate) fn notification(&self) -> bytes::Bytes {
        crate::protocol::jsonrpc::notification_message(self.method(), &self.params())
    }

    /// The list changes, which a subscriber that fell behind is told of all at once (they
    /// are idempotent; missed resource updates cannot be recovered).
    pub(crate) fn every_list_change() -> [Self; 3] {
        [
            Self::ToolsListChanged,
            Self::ResourcesListChanged,
            Self::PromptsListChanged,
        ]
    }
}
