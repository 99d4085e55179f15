//! The connections the accept loop may close to admit a new one at `max_connections`: like
//! nginx when it runs out of connections, it closes an idle keep-alive connection rather than
//! refuse the newcomer. Never one with a request in flight or a stream open; connections that
//! never sent a byte go first (oldest first), then the longest idle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

/// What the registry needs to know of a connection, and how it tells one to close.
pub(super) trait Idleness: Send + Sync {
    /// `None` while the connection is in use (a request in flight, a stream open, a write
    /// blocked); else whether it ever sent a byte and since when it has been idle.
    fn idle_since(&self) -> Option<(bool, Instant)>;

    /// Asks the connection to close now (its place is needed).
    fn close(&self);

    /// Asks the connection to close once its request in flight, if any, is answered.
    fn drain(&self);
}

/// The open connections.
#[derive(Clone, Default)]
pub(super) struct Connections {
    open: Arc<Mutex<HashMap<u64, Arc<dyn Idleness>>>>,
    next: Arc<AtomicU64>,
    /// Set by [`drain_all`](Self::drain_all): a connection registered later drains at once.
    draining: Arc<AtomicBool>,
}

/// A connection's place in the registry; leaving it (the drop) removes the connection.
pub(super) struct Registration {
    id: u64,
    open: Arc<Mutex<HashMap<u64, Arc<dyn Idleness>>>>,
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
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        // Read under the lock `drain_all` takes, so no connection misses the drain.
        if self.draining.load(Ordering::Acquire) {
            connection.drain();
        }
        open.insert(id, connection);
        Registration {
            id,
            open: self.open.clone(),
        }
    }

    /// Asks every connection, and every one registered from now on, to close once its
    /// request in flight is answered (the graceful shutdown).
    pub(super) fn drain_all(&self) {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        self.draining.store(true, Ordering::Release);
        for connection in open.values() {
            connection.drain();
        }
    }

    /// Closes the connection that is cheapest to lose, if one is idle; `true` if one was.
    /// Scans every connection: this runs only at the cap, and a scan is cheaper than keeping
    /// an order up to date on every request.
    pub(super) fn close_one_idle(&self) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let victim = open
            .iter()
            .filter_map(|(id, c)| c.idle_since().map(|rank| (rank, *id)))
            .min()
            .map(|(_, id)| id);
        match victim.and_then(|id| open.remove(&id)) {
            Some(connection) => {
                connection.close();
                true
            }
            None => false,
        }
    }
}
