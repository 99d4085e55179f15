//! Requests in flight that the client may cancel by id: a session's calls, and the stateless
//! requests of a stdio connection (whose one stream cannot be closed per request).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::outcome::{Reason, Refusal};
use crate::protocol::{RequestId, RpcError};

/// The cancellable requests of one session or connection, by id.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    calls: HashMap<RequestId, CancellationToken>,
    /// What else frees an id when its request ends (a claim in a shared store); kept here,
    /// not in the guard, so that the guard (in every call's stream) stays small.
    releases: HashMap<RequestId, Box<dyn FnOnce() + Send + Sync>>,
    /// When the latest request ended: a session is in use until its last call ends, so
    /// its idle clock starts there, not at the request that began the call.
    last_end: Option<Instant>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("calls", &self.calls)
            .field("last_end", &self.last_end)
            .finish_non_exhaustive()
    }
}

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a request under `id`, with a token that `parent` (the session's end)
    /// cancels too. An id already in flight is refused: the client could no longer say
    /// which of the two a cancellation means; so is a request past `limit` in flight.
    pub(crate) fn start(
        self: &Arc<Self>,
        id: &RequestId,
        parent: Option<&CancellationToken>,
        limit: usize,
    ) -> Result<(CancellationToken, InFlightGuard), Box<Refusal>> {
        let token = parent.map_or_else(CancellationToken::new, CancellationToken::child_token);
        let mut state = self.lock();
        let calls = &mut state.calls;
        if calls.contains_key(id) {
            return Err(id_in_use(id));
        }
        if calls.len() >= limit {
            let error = RpcError::new(
                crate::protocol::ErrorCode::INTERNAL_ERROR,
                format!(
                    "{limit} requests of this session are in flight, as many as it may have: retry when one ends"
                ),
            );
            return Err(Refusal::new(Reason::Overloaded, error));
        }
        calls.insert(id.clone(), token.clone());
        let guard = InFlightGuard {
            registry: Arc::clone(self),
            id: id.clone(),
        };
        Ok((token, guard))
    }

    /// Cancels the request with this id; `false` if none is in flight.
    pub(crate) fn cancel(&self, id: &RequestId) -> bool {
        match self.lock().calls.remove(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Whether nothing is in flight.
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().calls.is_empty()
    }

    /// The ids of the requests in flight.
    #[cfg_attr(
        not(feature = "redis"),
        allow(dead_code, reason = "the Redis store refreshes their claims")
    )]
    pub(crate) fn ids(&self) -> Vec<RequestId> {
        self.lock().calls.keys().cloned().collect()
    }

    /// When the latest request ended, if one has.
    pub(crate) fn last_end(&self) -> Option<Instant> {
        self.lock().last_end
    }
}

/// Keeps a request listed until it ends (the guard is dropped with its stream).
pub(crate) struct InFlightGuard {
    registry: Arc<InFlight>,
    id: RequestId,
}

impl std::fmt::Debug for InFlightGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlightGuard")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg_attr(
    not(feature = "redis"),
    allow(dead_code, reason = "the Redis store gives claims back with it")
)]
impl InFlightGuard {
    /// Runs `release` too when the request ends.
    pub(crate) fn on_release(self, release: impl FnOnce() + Send + Sync + 'static) -> Self {
        self.registry
            .lock()
            .releases
            .insert(self.id.clone(), Box::new(release));
        self
    }
}

/// The refusal of a request whose id is in use by a request in flight: the client could no
/// longer say which of the two a cancellation means.
pub(crate) fn id_in_use(id: &RequestId) -> Box<Refusal> {
    let error = RpcError::invalid_request(format!(
        "request id {id} is already in use by a request in flight: use a new id for each request"
    ));
    Refusal::new(Reason::Malformed, error)
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let release = {
            let mut state = self.registry.lock();
            state.calls.remove(&self.id);
            state.last_end = Some(Instant::now());
            // Only the Redis store registers releases: most drops skip the second lookup.
            if state.releases.is_empty() {
                None
            } else {
                state.releases.remove(&self.id)
            }
        };
        if let Some(release) = release {
            release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_while_in_flight_and_free_again_after() {
        let calls = Arc::new(InFlight::default());
        let id = RequestId::Number(1);
        let (token, guard) = calls.start(&id, None, 2).expect("free");
        assert_eq!(
            calls.start(&id, None, 2).expect_err("in use").error.code,
            crate::protocol::ErrorCode::INVALID_REQUEST
        );
        let _second = calls.start(&RequestId::Number(2), None, 2).expect("room");
        assert_eq!(
            calls
                .start(&RequestId::Number(3), None, 2)
                .expect_err("full")
                .reason,
            Reason::Overloaded
        );
        assert_eq!(calls.last_end(), None);
        let before = Instant::now();
        drop(_second);
        drop(guard);
        assert!(calls.is_empty());
        assert!(calls.last_end().is_some_and(|end| end >= before));
        assert!(!token.is_cancelled());
        let (token, _guard) = calls.start(&id, None, 2).expect("free again");
        assert!(calls.cancel(&id));
        assert!(token.is_cancelled());
        assert!(!calls.cancel(&id));
    }

    #[test]
    fn the_parent_cancels_its_children() {
        let calls = Arc::new(InFlight::default());
        let session = CancellationToken::new();
        let (token, _guard) = calls
            .start(&RequestId::Number(1), Some(&session), 1)
            .expect("free");
        session.cancel();
        assert!(token.is_cancelled());
    }
}
