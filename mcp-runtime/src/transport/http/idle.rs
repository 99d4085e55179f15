//! The connections the accept loop may close to admit a new one at `max_connections`: like
//! nginx when it runs out of connections, it closes an idle keep-alive connection rather than
//! refuse the newcomer. Never one with a request in flight or a stream open; connections that
//! never sent a byte go first (oldest first), then the longest idle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What the registry needs to know of a connection.
pub(super) trait Idleness: Send + Sync {
    /// `None` while the connection is in use (a request in flight, a stream open, a write
    /// blocked); else whether it ever sent a byte and since when it has been idle.
    fn idle_since(&self) -> Option<(bool, Instant)>;
}

struct Registered {
    connection: Arc<dyn Idleness>,
    close: CancellationToken,
}

/// The open connections, each with the token that closes it.
#[derive(Clone, Default)]
pub(super) struct Connections {
    open: Arc<Mutex<HashMap<u64, Registered>>>,
    next: Arc<AtomicU64>,
}

/// A connection's place in the registry; leaving it (the drop) removes the connection.
pub(super) struct Registration {
    id: u64,
    open: Arc<Mutex<HashMap<u64, Registered>>>,
    /// Cancelled when the accept loop closes this connection to admit another.
    pub(super) close: CancellationToken,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl Connections {
    /// Registers a connection.
    pub(super) fn register(&self, connection: Arc<dyn Idleness>) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let close = CancellationToken::new();
        self.open.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id,
            Registered {
                connection,
                close: close.clone(),
            },
        );
        Registration {
            id,
            open: self.open.clone(),
            close,
        }
    }

    /// Closes the connection that is cheapest to lose, if one is idle; `true` if one was.
    /// Scans every connection: this runs only at the cap, and a scan is cheaper than keeping
    /// an order up to date on every request.
    pub(super) fn close_one_idle(&self) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let victim = open
            .iter()
            .filter_map(|(id, r)| r.connection.idle_since().map(|rank| (rank, *id)))
            .min()
            .map(|(_, id)| id);
        match victim.and_then(|id| open.remove(&id)) {
            Some(registered) => {
                registered.close.cancel();
                true
            }
            None => false,
        }
    }
}
