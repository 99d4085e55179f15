//! The in-process store, the default: sessions and their event logs live in this process,
//! announcements reach this process's sessions and subscriptions.

mod evict;
mod log;
mod session;

#[cfg(feature = "fuzzing")]
pub(crate) use log::StreamLog;
pub(crate) mod tasks;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::BoxStream;
use tokio::sync::broadcast;

use super::{Bus, NewSession, Session as _, SessionRef, SessionStore, StoreError};
use crate::observe;
use crate::server::bus::Change;
use crate::server::config::Config;
use session::MemorySession;

/// How often creating a session also sweeps out expired ones.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How many changes a slow subscriber may fall behind before it skips to the newest; a list
/// change is idempotent, so a skipped one is sent once as the latest.
const BACKLOG: usize = 64;

/// Every live session of this process, by id, and the bus of its announcements.
#[derive(Debug)]
pub(crate) struct MemoryStore {
    /// Looked up on every request of a session; the ids are ours (random), so foldhash's
    /// seeded hash is enough and costs less than SipHash.
    map: RwLock<HashMap<Arc<str>, Arc<MemorySession>, foldhash::fast::RandomState>>,
    config: Config,
    last_sweep: Mutex<Instant>,
    changes: broadcast::Sender<Change>,
    evictions: Mutex<evict::Evictions>,
}

impl MemoryStore {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            map: RwLock::default(),
            evictions: Mutex::new(evict::Evictions::new(config.handshake_timeout)),
            config,
            last_sweep: Mutex::new(Instant::now()),
            changes: broadcast::Sender::new(BACKLOG),
        }
    }

    /// Opens a session, making room first: at the client's quota by ending that client's
    /// least recently used idle session, at the global cap anyone's (unfinished handshakes
    /// first). Refused only when every candidate is in use.
    fn open(&self, new: NewSession) -> Result<Arc<MemorySession>, StoreError> {
        self.sweep_if_due();
        let mut victims = Vec::new();
        {
            let mut evictions = lock(&self.evictions);
            if let Some(client) = &new.client {
                let quota = self.config.max_sessions_per_client;
                if evictions.held_by(client) >= quota {
                    let victim = evictions
                        .evict_of_client(client)
                        .ok_or(StoreError::ClientFull(quota))?;
                    victims.push(victim);
                }
            }
            if self.count() - victims.len() >= self.config.max_sessions {
                let victim = evictions
                    .evict_anyone()
                    .ok_or(StoreError::Full(self.config.max_sessions))?;
                victims.push(victim);
            }
        }
        for victim in victims {
            tracing::debug!(
                session = %victim.id(),
                idle_for = ?victim.last_used().elapsed(),
                age = ?victim.opened().elapsed(),
                initialized = victim.is_initialized(),
                "evicted an idle session to admit a new one"
            );
            observe::admission(observe::Resource::Session, observe::Decision::Evicted);
            self.end(victim.id());
        }
        let id: Arc<str> = match &new.id {
            Some(id) => id.clone(),
            None => new_session_id()
                .map_err(|e| {
                    StoreError::Unavailable(format!("no randomness for a session id: {e}"))
                })?
                .into(),
        };
        let session = Arc::new(MemorySession::new(id.clone(), new, &self.config));
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, session.clone());
        lock(&self.evictions).admit(&session, self.count());
        Ok(session)
    }

    /// The live session with this id (an expired one is ended here and not returned).
    fn find(&self, id: &str) -> Option<Arc<MemorySession>> {
        let session = self
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()?;
        if session.is_expired(&self.config, Instant::now()) {
            self.end(id);
            return None;
        }
        session.touch();
        Some(session)
    }

    fn end(&self, id: &str) -> bool {
        let removed = self
            .map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        match removed {
            Some(session) => {
                session.end();
                lock(&self.evictions).release(&session);
                true
            }
            None => false,
        }
    }

    fn all(&self) -> Vec<Arc<MemorySession>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    fn sweep_now(&self) {
        let now = Instant::now();
        let expired: Vec<Arc<str>> = self
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, s)| s.is_expired(&self.config, now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.end(&id);
        }
    }

    fn sweep_if_due(&self) {
        let mut last = self.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= SWEEP_EVERY {
            *last = Instant::now();
            drop(last);
            self.sweep_now();
        }
    }

    fn count(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    std::future::ready(value).boxed()
}

impl SessionStore for MemoryStore {
    fn create(&self, new: NewSession) -> BoxFuture<'_, Result<SessionRef, StoreError>> {
        ready(self.open(new).map(|s| s as SessionRef))
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SessionRef>, StoreError>> {
        ready(Ok(self.find(id).map(|s| s as SessionRef)))
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        ready(Ok(self.end(id)))
    }

    fn local(&self) -> Vec<SessionRef> {
        self.all().into_iter().map(|s| s as SessionRef).collect()
    }

    fn sweep(&self) {
        self.sweep_now();
    }

    fn len(&self) -> usize {
        self.count()
    }
}

impl Bus for MemoryStore {
    fn announce(&self, change: Change) {
        let message = change.notification();
        for session in self.all() {
            let wanted = match &change {
                Change::ResourceUpdated(uri) => session.is_subscribed(uri),
                _ => true,
            };
            if wanted {
                session.push_standalone(message.clone());
            }
        }
        // No subscriber is not an error: nobody listens.
        let _ = self.changes.send(change);
    }

    fn changes(&self) -> BoxStream<'static, Change> {
        super::changes_of(self.changes.subscribe())
    }
}

/// 128 bits from the operating system's CSPRNG, as 32 lowercase hex digits (visible ASCII,
/// as the transport spec requires).
pub(super) fn new_session_id() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    let mut id = String::with_capacity(32);
    for b in bytes {
        let _ = write!(id, "{b:02x}");
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::types::Implementation;
    use crate::protocol::{ProtocolVersion, RequestId};
    use serde_json::Map;

    fn new() -> NewSession {
        NewSession {
            protocol_version: ProtocolVersion::LATEST,
            client_info: Implementation {
                name: "c".into(),
                version: "1".into(),
                title: None,
            },
            client_capabilities: Map::new(),
            id: None,
            client: None,
        }
    }

    fn from(client: &str) -> NewSession {
        NewSession {
            client: Some(crate::server::admission::ClientKey(client.into())),
            ..new()
        }
    }

    #[test]
    fn sessions_are_created_found_and_removed() {
        let sessions = MemoryStore::new(Config::default());
        let a = sessions.open(new()).expect("rng");
        let b = sessions.open(new()).expect("rng");
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 32);
        assert!(sessions.find(a.id()).is_some());
        assert!(sessions.end(a.id()));
        assert!(!sessions.end(a.id()));
        assert!(sessions.find(a.id()).is_none());
        assert_eq!(sessions.count(), 1);
    }

    #[test]
    fn ending_a_session_cancels_its_calls() {
        let sessions = MemoryStore::new(Config::default());
        let s = sessions.open(new()).expect("rng");
        let (call, _guard) = s
            .start_call(&RequestId::Number(1))
            .now_or_never()
            .expect("ready")
            .expect("free id");
        sessions.end(s.id());
        assert!(call.is_cancelled());
    }

    #[test]
    fn idle_and_half_open_sessions_expire_unless_busy() {
        let config = Config {
            session_idle_timeout: Duration::from_millis(40),
            handshake_timeout: Duration::from_millis(10),
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let half_open = sessions.open(new()).expect("rng");
        let idle = sessions.open(new()).expect("rng");
        drop(idle.mark_initialized());
        let busy = sessions.open(new()).expect("rng");
        drop(busy.mark_initialized());
        let _running = busy
            .start_call(&RequestId::Number(7))
            .now_or_never()
            .expect("ready")
            .expect("free id");
        std::thread::sleep(Duration::from_millis(20));
        sessions.sweep_now();
        assert!(
            sessions.find(half_open.id()).is_none(),
            "no handshake: ended sooner"
        );
        assert!(sessions.find(idle.id()).is_some());
        std::thread::sleep(Duration::from_millis(50));
        sessions.sweep_now();
        assert_eq!(sessions.count(), 1);
        assert!(
            sessions.find(busy.id()).is_some(),
            "a running call keeps its session"
        );
        // Spoken to last long ago (the `find` above touched it, so wait past that first),
        // but in use until its call ended: the idle clock starts at the end of the call.
        std::thread::sleep(Duration::from_millis(50));
        drop(_running);
        sessions.sweep_now();
        assert_eq!(sessions.count(), 1, "idle only since its call ended");
        std::thread::sleep(Duration::from_millis(50));
        sessions.sweep_now();
        assert_eq!(sessions.count(), 0, "then idle past the timeout");
    }

    /// The bug the bench's flood found: the queue of handshakes was scanned only up to the
    /// first one still in progress, so an idle session behind it was not seen and the
    /// handshake in progress (a well-behaved client's, opening its session) was evicted.
    #[test]
    fn an_idle_session_behind_a_handshake_in_progress_makes_room_first() {
        let config = Config {
            max_sessions_per_client: 3,
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let opening = sessions.open(from("a")).expect("rng");
        let idle = sessions.open(from("a")).expect("rng");
        drop(idle.mark_initialized());
        let used = sessions.open(from("a")).expect("rng");
        drop(used.mark_initialized());
        std::thread::sleep(Duration::from_millis(5));
        assert!(sessions.find(used.id()).is_some());
        let _newcomer = sessions.open(from("a")).expect("room is made");
        assert!(
            sessions.find(opening.id()).is_some(),
            "a handshake in progress stays"
        );
        assert!(sessions.find(idle.id()).is_none(), "the idle one made room");
        assert!(
            sessions.find(used.id()).is_some(),
            "the one used last stays"
        );
    }

    #[test]
    fn using_a_session_does_not_extend_its_handshake() {
        let config = Config {
            handshake_timeout: Duration::from_millis(30),
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let half_open = sessions.open(new()).expect("rng");
        // Requests keep coming, the handshake never completes.
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(10));
            let _ = sessions.find(half_open.id());
        }
        sessions.sweep_now();
        assert!(
            sessions.find(half_open.id()).is_none(),
            "the handshake's deadline counts from initialize, not from the last request"
        );
    }

    #[test]
    fn a_pinned_session_never_expires() {
        let config = Config {
            session_idle_timeout: Duration::from_millis(1),
            handshake_timeout: Duration::from_millis(1),
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let stdio = sessions.open(new()).expect("rng");
        stdio.pin();
        std::thread::sleep(Duration::from_millis(5));
        sessions.sweep_now();
        assert!(sessions.find(stdio.id()).is_some());
    }

    #[tokio::test]
    async fn answers_reach_the_request_that_waits_for_them_once() {
        let sessions = MemoryStore::new(Config::default());
        let s = sessions.open(new()).expect("rng");
        let waiting = s
            .expect_answer(RequestId::String("q".into()))
            .await
            .expect("memory");
        let unknown = s
            .answer(RequestId::Number(1), Ok(serde_json::json!({})))
            .await;
        assert_eq!(unknown, Ok(false));
        let answer = Ok(serde_json::json!({"action": "accept"}));
        assert_eq!(
            s.answer(RequestId::String("q".into()), answer.clone())
                .await,
            Ok(true)
        );
        assert_eq!(waiting.await.ok(), Some(answer));
        assert_eq!(
            s.answer(RequestId::String("q".into()), Ok(serde_json::json!({})))
                .await,
            Ok(false),
            "answered already"
        );
    }

    #[test]
    fn at_the_cap_an_idle_session_makes_room_and_a_busy_one_never_does() {
        let config = Config {
            max_sessions: 3,
            // Unfinished after 25 ms (a quarter).
            handshake_timeout: Duration::from_millis(100),
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let busy = sessions.open(new()).expect("room");
        drop(busy.mark_initialized());
        let _call = busy
            .start_call(&RequestId::Number(1))
            .now_or_never()
            .expect("ready")
            .expect("free id");
        let used = sessions.open(new()).expect("room");
        drop(used.mark_initialized());
        let half_open = sessions.open(new()).expect("room");
        std::thread::sleep(Duration::from_millis(30));
        // Unfinished handshakes go first.
        let a = sessions.open(new()).expect("evicts");
        assert!(half_open.has_ended());
        assert_eq!(sessions.count(), 3);
        drop(a.mark_initialized());
        // `used` was used after `a` was queued? No: it is the least recently used idle one.
        std::thread::sleep(Duration::from_millis(2));
        sessions.find(a.id()).expect("live");
        let b = sessions.open(new()).expect("evicts");
        assert!(used.has_ended(), "the least recently used idle session");
        assert!(!a.has_ended() && !busy.has_ended());
        let _call_a = a
            .start_call(&RequestId::Number(1))
            .now_or_never()
            .expect("ready")
            .expect("free id");
        let _call_b = b
            .start_call(&RequestId::Number(1))
            .now_or_never()
            .expect("ready")
            .expect("free id");
        assert_eq!(
            sessions.open(new()).err(),
            Some(StoreError::Full(3)),
            "all busy"
        );
    }

    #[test]
    fn a_client_at_its_quota_churns_its_own_sessions_only() {
        let config = Config {
            max_sessions_per_client: 5,
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let other = sessions.open(from("ip:10.0.0.2")).expect("room");
        let active = sessions.open(from("ip:10.0.0.1")).expect("room");
        drop(active.mark_initialized());
        for i in 0..200 {
            let s = sessions.open(from("ip:10.0.0.1")).expect("evicts its own");
            drop(s.mark_initialized());
            if i % 3 == 0 {
                sessions.find(active.id()).expect("in use: kept");
            }
        }
        assert!(!other.has_ended(), "another client's idle session stays");
        assert!(!active.has_ended(), "the session in use stays");
        assert_eq!(sessions.count(), 6);
    }

    #[test]
    fn a_pipelined_flood_keeps_missing_the_session_in_use() {
        let config = Config {
            max_sessions_per_client: 1000,
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let active = sessions.open(from("ip:127.0.0.1")).expect("room");
        drop(active.mark_initialized());
        for round in 0..60 {
            let opened: Vec<_> = (0..200)
                .map(|_| sessions.open(from("ip:127.0.0.1")).expect("evicts"))
                .collect();
            for s in &opened {
                if sessions.find(s.id()).is_some() {
                    drop(s.mark_initialized());
                }
            }
            assert!(
                sessions.find(active.id()).is_some(),
                "evicted in round {round}"
            );
        }
    }

    /// What the bench's flood (workload i) found: a session in steady use, used less often
    /// than the flood opens sessions, was evicted between two of its calls, because each
    /// fresh flood session's own handshake counted as a use and earned it a second chance.
    #[test]
    fn a_session_used_between_evictions_outlives_a_flood_of_handshakes() {
        let config = Config {
            max_sessions_per_client: 1000,
            ..Config::default()
        };
        let sessions = MemoryStore::new(config);
        let active = sessions.open(from("ip:127.0.0.1")).expect("room");
        drop(active.mark_initialized());
        for i in 0..6000 {
            let s = sessions.open(from("ip:127.0.0.1")).expect("evicts");
            // The flood's `notifications/initialized`: the session is found, then marked.
            if sessions.find(s.id()).is_some() {
                drop(s.mark_initialized());
            }
            if i % 6 == 0 {
                assert!(
                    sessions.find(active.id()).is_some(),
                    "evicted after {i} flood sessions"
                );
            }
        }
    }

    #[test]
    fn the_standalone_stream_takes_one_listener_at_a_time() {
        let sessions = MemoryStore::new(Config::default());
        let s = sessions.open(new()).expect("rng");
        let first = s
            .attach_standalone()
            .now_or_never()
            .expect("ready")
            .expect("memory")
            .expect("free");
        assert!(
            s.attach_standalone()
                .now_or_never()
                .expect("ready")
                .expect("memory")
                .is_none()
        );
        drop(first);
        assert!(
            s.attach_standalone()
                .now_or_never()
                .expect("ready")
                .expect("memory")
                .is_some()
        );
    }
}
