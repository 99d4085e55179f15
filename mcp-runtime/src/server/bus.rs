//! Changes the server announces (list changes, and later resource updates), fanned out to
//! everyone who follows them: handshake-era sessions (on their `GET` stream) and 2026-07-28
//! subscriptions (`subscriptions/listen`).

use tokio::sync::broadcast;

/// How many changes a slow subscriber may fall behind before it skips to the newest; a list
/// change is idempotent, so a skipped one is sent once as the latest.
const BACKLOG: usize = 64;

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

/// The in-process bus of changes.
#[derive(Debug)]
pub(crate) struct Bus {
    sender: broadcast::Sender<Change>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            sender: broadcast::Sender::new(BACKLOG),
        }
    }
}

impl Bus {
    /// Announces a change to every subscriber.
    pub(crate) fn publish(&self, change: Change) {
        // No subscriber is not an error: nobody listens.
        let _ = self.sender.send(change);
    }

    /// Follows the changes announced from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }
}
