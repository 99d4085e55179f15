//! Tool calls past a cap wait for a slot instead of being refused: at most
//! `max_concurrent_calls` run server-wide and `max_calls_per_session` in one session; the
//! rest wait in a queue of at most `call_queue` calls for up to `call_queue_timeout`, then
//! get 503 with `Retry-After`. A burst is absorbed; a flood is still shed, at once when the
//! queue is full.
//!
//! With a store shared by replicas the per-session cap is counted in the store (a
//! session's calls land on any replica); the server-wide cap and the queue stay per
//! replica: they bound what this process holds (running calls, waiting requests), which is
//! what they protect.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::observe;
use crate::protocol::{ErrorCode, RpcError};
use crate::server::config::Config;
use crate::server::outcome::{Reason, Refusal};
use crate::server::store::{Session, SessionRef, SlotTry};

/// How often a call waiting for a session slot held on other replicas looks again, in
/// case the wake-up of a release was lost.
const SHARED_LOOK: Duration = Duration::from_millis(250);

/// The slots tool calls run in, server-wide and per session, and the queue before them.
#[derive(Debug)]
pub(crate) struct CallGate {
    global: Arc<Semaphore>,
    max_concurrent: usize,
    /// One semaphore per session with a call running or waiting; removed with its last one.
    /// Looked up on every call in a session (ids are ours, random): foldhash, not SipHash.
    sessions: Mutex<HashMap<Arc<str>, Arc<Semaphore>, foldhash::fast::RandomState>>,
    per_session: usize,
    queue: usize,
    waiting: AtomicUsize,
    timeout: Duration,
}

/// A tool call's place: held while it runs.
#[derive(Debug)]
pub(crate) struct CallPermit {
    _global: OwnedSemaphorePermit,
    _session: Option<SessionSlot>,
    /// The session's slot in a store shared by replicas.
    _shared: Option<Box<dyn std::any::Any + Send + Sync>>,
}

#[derive(Debug)]
struct SessionSlot {
    permit: Option<OwnedSemaphorePermit>,
    id: Arc<str>,
    gate: std::sync::Weak<CallGate>,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        drop(self.permit.take());
        if let Some(gate) = self.gate.upgrade() {
            gate.forget_if_unused(&self.id);
        }
    }
}

/// Counts a waiting call while it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CallGate {
    pub(crate) fn new(config: &Config) -> Arc<Self> {
        Arc::new(Self {
            global: Arc::new(Semaphore::new(config.max_concurrent_calls)),
            max_concurrent: config.max_concurrent_calls,
            sessions: Mutex::default(),
            per_session: config.max_calls_per_session,
            queue: config.call_queue,
            waiting: AtomicUsize::new(0),
            timeout: config.call_queue_timeout,
        })
    }

    /// A place for one call of `session` (`None`: a call outside any session), its slot
    /// among the session's counted by the session's store when the store is shared by
    /// replicas: at once if there is room, else after a bounded wait in the queue, else a
    /// refusal (503).
    pub(crate) async fn admit_call(
        self: &Arc<Self>,
        session: Option<&SessionRef>,
    ) -> Result<CallPermit, Box<Refusal>> {
        let deadline = Instant::now() + self.timeout;
        let shared = match session {
            Some(session) => self.shared_slot(session.as_ref(), deadline).await?,
            None => None,
        };
        // Counted in the store already, or here.
        let here = session.filter(|_| shared.is_none()).map(|s| s.id());
        let mut permit = self.admit_until(here, deadline).await?;
        permit._shared = shared;
        Ok(permit)
    }

    /// The session's slot in a store shared by replicas (`None`: the store is this
    /// process's, which counts the session's calls here), waiting in the queue while every
    /// slot is taken.
    async fn shared_slot(
        &self,
        session: &dyn Session,
        deadline: Instant,
    ) -> Result<Option<Box<dyn std::any::Any + Send + Sync>>, Box<Refusal>> {
        let mut queued = None;
        loop {
            let mut freed = match session.take_call_slot(self.per_session).await {
                Ok(SlotTry::Unshared) => return Ok(None),
                Ok(SlotTry::Taken(slot)) => return Ok(Some(slot)),
                Ok(SlotTry::Full(freed)) => freed,
                Err(e) => {
                    let error = RpcError::new(ErrorCode::INTERNAL_ERROR, e.to_string());
                    return Err(Refusal::new(Reason::Unavailable, error));
                }
            };
            if queued.is_none() {
                queued = Some(self.enter_queue()?);
            }
            let now = Instant::now();
            if now >= deadline {
                observe::admission(observe::Resource::Call, observe::Decision::Shed);
                return Err(self.refusal(format!(
                    "this session has {} tool calls running across the server's replicas, as many as it may, and no slot freed within {:?}: retry later",
                    self.per_session, self.timeout
                )));
            }
            // Woken by a release anywhere; a look now and then in case a wake-up was lost.
            let look_again = deadline.min(now + SHARED_LOOK);
            tokio::select! {
                _ = freed.changed() => {}
                () = tokio::time::sleep_until(look_again) => {}
            }
        }
    }

    /// A place in the queue, or a refusal when it is full.
    fn enter_queue(&self) -> Result<Waiting<'_>, Box<Refusal>> {
        let queued = self
            .waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.queue).then_some(n + 1)
            })
            .is_ok();
        if !queued {
            observe::admission(observe::Resource::Call, observe::Decision::Shed);
            return Err(self.refusal(format!(
                "the server is running {} tool calls and {} more are waiting, as many as it queues: retry later",
                self.max_concurrent, self.queue
            )));
        }
        observe::admission(observe::Resource::Call, observe::Decision::Queued);
        Ok(Waiting(&self.waiting))
    }

    /// A place for one call of `session` (`None`: a call outside any session) among
    /// those counted here: at once if there is room, else after a bounded wait in the
    /// queue, else a refusal (503).
    #[cfg(test)]
    pub(crate) async fn admit(
        self: &Arc<Self>,
        session: Option<&str>,
    ) -> Result<CallPermit, Box<Refusal>> {
        self.admit_until(session, Instant::now() + self.timeout)
            .await
    }

    async fn admit_until(
        self: &Arc<Self>,
        session: Option<&str>,
        deadline: Instant,
    ) -> Result<CallPermit, Box<Refusal>> {
        let per_session = session.map(|id| self.session_semaphore(id));
        let mut session_slot = per_session.map(|(id, semaphore)| {
            let permit = semaphore.clone().try_acquire_owned().ok();
            (id, semaphore, permit)
        });
        let global = self.global.clone().try_acquire_owned().ok();
        let session_ready = session_slot.as_ref().is_none_or(|(_, _, p)| p.is_some());
        let global = match global {
            Some(global) if session_ready => global,
            global => {
                // Past a cap: wait in the queue, if it has room.
                let _waiting = self.enter_queue()?;
                let wait = async {
                    if let Some((_, semaphore, permit)) = &mut session_slot {
                        if permit.is_none() {
                            *permit = semaphore.clone().acquire_owned().await.ok();
                        }
                    }
                    match global {
                        Some(global) => Some(global),
                        None => self.global.clone().acquire_owned().await.ok(),
                    }
                };
                match tokio::time::timeout_at(deadline, wait).await {
                    Ok(Some(global)) => global,
                    _ => {
                        observe::admission(observe::Resource::Call, observe::Decision::Shed);
                        let why = if session_slot.as_ref().is_some_and(|(_, _, p)| p.is_none()) {
                            format!(
                                "this session has {} tool calls running, as many as it may, and no slot freed within {:?}: retry later",
                                self.per_session, self.timeout
                            )
                        } else {
                            format!(
                                "the server is running {} tool calls, as many as it may at once, and no slot freed within {:?}: retry later",
                                self.max_concurrent, self.timeout
                            )
                        };
                        return Err(self.refusal(why));
                    }
                }
            }
        };
        Ok(CallPermit {
            _global: global,
            _session: session_slot.map(|(id, _, permit)| SessionSlot {
                permit,
                id,
                gate: Arc::downgrade(self),
            }),
            _shared: None,
        })
    }

    fn refusal(&self, message: String) -> Box<Refusal> {
        Refusal::new(
            Reason::Overloaded,
            RpcError::new(ErrorCode::INTERNAL_ERROR, message),
        )
    }

    fn session_semaphore(&self, id: &str) -> (Arc<str>, Arc<Semaphore>) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((id, semaphore)) = sessions.get_key_value(id) {
            return (id.clone(), semaphore.clone());
        }
        let id: Arc<str> = id.into();
        let semaphore = Arc::new(Semaphore::new(self.per_session));
        sessions.insert(id.clone(), semaphore.clone());
        (id, semaphore)
    }

    /// Drops a session's semaphore once no call holds or waits for it.
    fn forget_if_unused(&self, id: &str) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if sessions
            .get(id)
            .is_some_and(|s| Arc::strong_count(s) == 1 && s.available_permits() == self.per_session)
        {
            sessions.remove(id);
        }
    }

    /// How many sessions have a call running or waiting (for tests).
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(concurrent: usize, per_session: usize, queue: usize, wait_ms: u64) -> Arc<CallGate> {
        CallGate::new(&Config {
            max_concurrent_calls: concurrent,
            max_calls_per_session: per_session,
            call_queue: queue,
            call_queue_timeout: Duration::from_millis(wait_ms),
            ..Config::default()
        })
    }

    #[tokio::test]
    async fn a_call_past_the_cap_waits_for_a_slot() {
        let gate = gate(1, 8, 4, 5_000);
        let first = gate.admit(None).await.expect("room");
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit(None).await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "queued, not refused");
        drop(first);
        waiting
            .await
            .expect("task")
            .expect("admitted once the slot freed");
    }

    #[tokio::test]
    async fn a_full_queue_sheds_at_once_and_a_long_wait_is_refused() {
        let gate = gate(1, 8, 1, 50);
        let _running = gate.admit(None).await.expect("room");
        let queued = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit(None).await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let shed = gate.admit(None).await.expect_err("queue full");
        assert!(
            shed.error.message.contains("waiting"),
            "{}",
            shed.error.message
        );
        let timed_out = queued
            .await
            .expect("task")
            .expect_err("no slot freed in time");
        assert!(timed_out.error.message.contains("no slot freed"));
    }

    #[tokio::test]
    async fn sessions_queue_on_their_own_slots_and_are_forgotten_after() {
        let gate = gate(100, 1, 10, 5_000);
        let a = gate.admit(Some("a")).await.expect("room");
        let _b = gate
            .admit(Some("b"))
            .await
            .expect("another session is not held up");
        let a2 = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit(Some("a")).await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!a2.is_finished(), "waits for its session's slot");
        drop(a);
        a2.await.expect("task").expect("admitted");
        drop(_b);
        assert_eq!(gate.tracked(), 0);
    }
}
