//! Requests in flight that the client may cancel by id: a session's calls, and the stateless
//! requests of a stdio connection (whose one stream cannot be closed per request).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::outcome::{Reason, Refusal};
use crate::protocol::{RequestId, RpcError};

/// The cancellable requests of one session or connection, by id.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    state: Mutex<State>,
    /// Cancelled when the registry is dropped: stops the task that waits for its parent.
    gone: CancellationToken,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gone.cancel();
    }
}

/// Frees an id in a shared store: the future is awaited before the request's answer goes
/// out (see [`InFlightGuard::end`]), or spawned if the request ends without one.
type Release = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send + Sync>;

/// A session's requests in flight are few (at most `max_calls_per_session`) and looked up
/// on every call, so they are hashed with foldhash rather than SipHash.
type Hasher = foldhash::fast::RandomState;

#[derive(Default)]
struct State {
    calls: HashMap<RequestId, CancellationToken, Hasher>,
    /// What else frees an id when its request ends (a claim in a shared store); kept here,
    /// not in the guard, so that the guard (in every call's stream) stays small.
    releases: HashMap<RequestId, Release, Hasher>,
    /// Whether a task waits for the parent token (the session's end) to cancel the calls.
    watching: bool,
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
        let token = match parent {
            None => CancellationToken::new(),
            Some(parent) => self.under(parent, &mut state.watching),
        };
        state.calls.insert(id.clone(), token.clone());
        let guard = InFlightGuard {
            registry: Some(Arc::clone(self)),
            id: id.clone(),
            releases: false,
        };
        Ok((token, guard))
    }

    /// A call's token, cancelled when `parent` is. Rather than a child token per call
    /// (two locks of the parent and an allocation each), one task per registry waits for
    /// the parent and cancels every call then; a call started after it sees the parent
    /// already cancelled. Outside a runtime (no task to spawn), a child token.
    fn under(
        self: &Arc<Self>,
        parent: &CancellationToken,
        watching: &mut bool,
    ) -> CancellationToken {
        if parent.is_cancelled() {
            let token = CancellationToken::new();
            token.cancel();
            return token;
        }
        if !*watching {
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return parent.child_token();
            };
            *watching = true;
            let registry = Arc::downgrade(self);
            let parent = parent.clone();
            // Ends with the registry too: a store may forget a session's state here (idle)
            // without ending the session.
            let gone = self.gone.clone();
            runtime.spawn(async move {
                tokio::select! {
                    () = parent.cancelled() => {
                        if let Some(registry) = registry.upgrade() {
                            registry.cancel_all();
                        }
                    }
                    () = gone.cancelled() => {}
                }
            });
        }
        CancellationToken::new()
    }

    /// Cancels every request in flight (the session ended).
    fn cancel_all(&self) {
        for token in self.lock().calls.values() {
            token.cancel();
        }
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
    /// `None` once [`end`](Self::end) has freed the id.
    registry: Option<Arc<InFlight>>,
    id: RequestId,
    /// Whether a release was registered (see [`on_release`](Self::on_release)).
    releases: bool,
}

impl std::fmt::Debug for InFlightGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlightGuard")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl InFlightGuard {
    /// Runs `release` too when the request ends: awaited before its answer goes out when
    /// the request is answered, spawned when it is not (cancelled, its stream dropped).
    #[cfg_attr(
        not(feature = "redis"),
        allow(dead_code, reason = "the Redis store gives claims back with it")
    )]
    pub(crate) fn on_release(
        mut self,
        release: impl FnOnce() -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Self {
        if let Some(registry) = &self.registry {
            registry
                .lock()
                .releases
                .insert(self.id.clone(), Box::new(release));
            self.releases = true;
        }
        self
    }

    /// Whether ending the request waits for a release (a claim in a shared store).
    pub(crate) fn releases(&self) -> bool {
        self.releases
    }

    /// Frees the id now, and returns what frees it elsewhere, to be awaited before the
    /// answer goes out: a client that got its answer may use the id again at once, on
    /// any replica (most clients never do; some send every request as id 1).
    pub(crate) fn end(mut self) -> Option<BoxFuture<'static, ()>> {
        self.free().map(|release| release())
    }

    fn free(&mut self) -> Option<Release> {
        let registry = self.registry.take()?;
        let mut state = registry.lock();
        state.calls.remove(&self.id);
        state.last_end = Some(Instant::now());
        // Only the Redis store registers releases: most requests skip the second lookup.
        if self.releases {
            state.releases.remove(&self.id)
        } else {
            None
        }
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
        if let Some(release) = self.free() {
            // Not answered: no one waits for the id, so the release need not be awaited.
            // Without a runtime the claim runs out with its lease.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(release());
            }
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

    #[tokio::test]
    async fn in_a_runtime_the_parent_cancels_running_and_later_calls() {
        let calls = Arc::new(InFlight::default());
        let session = CancellationToken::new();
        let (first, _a) = calls
            .start(&RequestId::Number(1), Some(&session), 3)
            .expect("free");
        let (second, _b) = calls
            .start(&RequestId::Number(2), Some(&session), 3)
            .expect("room");
        assert!(!first.is_cancelled() && !second.is_cancelled());
        session.cancel();
        let both = async {
            first.cancelled().await;
            second.cancelled().await;
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), both)
            .await
            .expect("the session's end cancels its calls");
        let (late, _c) = calls
            .start(&RequestId::Number(3), Some(&session), 3)
            .expect("room");
        assert!(late.is_cancelled(), "a call started after the end");
    }

    #[tokio::test]
    async fn the_waiting_task_ends_with_its_registry() {
        let tasks = || {
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks()
        };
        let before = tasks();
        let session = CancellationToken::new();
        let calls = Arc::new(InFlight::default());
        let (_token, guard) = calls
            .start(&RequestId::Number(1), Some(&session), 1)
            .expect("free");
        assert_eq!(tasks(), before + 1, "one task waits for the session's end");
        drop(guard);
        drop(calls);
        for _ in 0..200 {
            if tasks() == before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(tasks(), before, "dropping the registry ends its task");
        assert!(!session.is_cancelled());
    }
}
