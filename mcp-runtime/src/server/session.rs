//! Sessions of the handshake era: created by `initialize`, named by `Mcp-Session-Id`,
//! ended by `DELETE` or by expiry. A session owns its in-flight calls (to cancel them) and
//! its SSE event logs (to replay them).

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::config::Config;
use super::inflight::{InFlight, InFlightGuard};
use super::streams::StreamLog;
use crate::protocol::types::Implementation;
use crate::protocol::{LogLevel, ProtocolVersion, RequestId, RpcError};

/// One client's session.
#[derive(Debug)]
pub(crate) struct Session {
    id: Arc<str>,
    protocol_version: ProtocolVersion,
    client_info: Implementation,
    /// The `capabilities` the client declared in `initialize`.
    client_capabilities: Map<String, Value>,
    initialized: AtomicBool,
    /// Held open by its connection (stdio), which ends it: never expires.
    pinned: AtomicBool,
    log_level: AtomicU8,
    last_active: Mutex<Instant>,
    /// Cancelled when the session ends; every call's token is a child of it.
    ended: CancellationToken,
    calls: Arc<InFlight>,
    streams: Mutex<Streams>,
    replay_events: usize,
    replay_streams: usize,
}

#[derive(Debug, Default)]
struct Streams {
    next_id: u64,
    /// Streams kept for replay, oldest first.
    logs: VecDeque<Arc<StreamLog>>,
    /// The log behind `GET` (server-initiated messages), once one was opened.
    standalone: Option<Arc<StreamLog>>,
    standalone_attached: bool,
}

impl Session {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    pub(crate) fn client_info(&self) -> &Implementation {
        &self.client_info
    }

    pub(crate) fn client_capabilities(&self) -> &Map<String, Value> {
        &self.client_capabilities
    }

    pub(crate) fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::Relaxed);
    }

    /// The least severe level the client wants (`logging/setLevel`; all until it says).
    pub(crate) fn log_level(&self) -> LogLevel {
        LogLevel::from_index(self.log_level.load(Ordering::Relaxed))
    }

    pub(crate) fn set_log_level(&self, level: LogLevel) {
        self.log_level.store(level.index(), Ordering::Relaxed);
    }

    pub(crate) fn touch(&self) {
        *self.last_active.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    fn is_expired(&self, config: &Config, now: Instant) -> bool {
        let idle = now
            .saturating_duration_since(*self.last_active.lock().unwrap_or_else(|e| e.into_inner()));
        let limit = if self.initialized.load(Ordering::Relaxed) {
            config.session_idle_timeout
        } else {
            config.handshake_timeout
        };
        idle > limit && !self.is_busy()
    }

    /// Keeps the session from expiring: for transports whose connection is the session
    /// (stdio) and which end it when the connection ends.
    pub(crate) fn pin(&self) {
        self.pinned.store(true, Ordering::Relaxed);
    }

    /// A session with a call running or a stream open is in use, however long ago it was
    /// last spoken to.
    fn is_busy(&self) -> bool {
        self.pinned.load(Ordering::Relaxed)
            || !self.calls.is_empty()
            || self
                .streams
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .standalone_attached
    }

    /// Registers a request in flight; its token is cancelled by `notifications/cancelled`
    /// for its id or by the end of the session. An id already in flight is refused.
    pub(crate) fn start_call(
        &self,
        id: &RequestId,
    ) -> Result<(CancellationToken, InFlightGuard), RpcError> {
        self.calls.start(id, Some(&self.ended))
    }

    /// Cancels the request with this id, if it is still running.
    pub(crate) fn cancel_call(&self, id: &RequestId) -> bool {
        self.calls.cancel(id)
    }

    /// Opens a new stream log (for a POST reply that became SSE).
    pub(crate) fn open_stream(&self) -> Arc<StreamLog> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.next_id += 1;
        let log = Arc::new(StreamLog::new(streams.next_id, self.replay_events));
        streams.logs.push_back(log.clone());
        // Keep memory bounded: forget the oldest finished streams beyond the limit.
        while streams.logs.len() > self.replay_streams {
            match streams.logs.iter().position(|l| l.is_closed()) {
                Some(oldest_closed) => {
                    streams.logs.remove(oldest_closed);
                }
                None => break,
            }
        }
        log
    }

    /// The stream with this id, if it is still kept.
    pub(crate) fn stream(&self, id: u64) -> Option<Arc<StreamLog>> {
        let streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.logs.iter().find(|l| l.id() == id).cloned()
    }

    /// Attaches a client to the standalone stream; `None` if one is already attached.
    pub(crate) fn attach_standalone(self: &Arc<Self>) -> Option<StandaloneGuard> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if streams.standalone_attached {
            return None;
        }
        streams.standalone_attached = true;
        let log = self.standalone_in(&mut streams);
        Some(StandaloneGuard {
            session: self.clone(),
            log,
        })
    }

    /// Where server-initiated messages go; created on first use.
    pub(crate) fn standalone_log(&self) -> Arc<StreamLog> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        self.standalone_in(&mut streams)
    }

    fn standalone_in(&self, streams: &mut Streams) -> Arc<StreamLog> {
        if let Some(log) = &streams.standalone {
            return log.clone();
        }
        streams.next_id += 1;
        let log = Arc::new(StreamLog::new(streams.next_id, self.replay_events));
        streams.logs.push_back(log.clone());
        streams.standalone = Some(log.clone());
        log
    }

    /// Ends the standalone (GET) stream, if one was ever opened.
    pub(crate) fn close_standalone(&self) {
        let streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(log) = &streams.standalone {
            log.close();
        }
    }

    /// Whether this stream is the standalone (GET) stream.
    pub(crate) fn is_standalone(&self, stream: u64) -> bool {
        let streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams
            .standalone
            .as_ref()
            .is_some_and(|l| l.id() == stream)
    }

    /// Ends the session: cancels its calls and closes its streams.
    fn end(&self) {
        self.ended.cancel();
        let streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        for log in &streams.logs {
            log.close();
        }
    }
}

/// Holds the standalone stream attached while a client listens on it.
pub(crate) struct StandaloneGuard {
    session: Arc<Session>,
    pub(crate) log: Arc<StreamLog>,
}

impl Drop for StandaloneGuard {
    fn drop(&mut self) {
        self.session
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .standalone_attached = false;
        self.session.touch();
    }
}

/// Every live session, by id.
#[derive(Debug)]
pub(crate) struct Sessions {
    map: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    config: Config,
    last_sweep: Mutex<Instant>,
}

/// How often creating a session also sweeps out expired ones.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

impl Sessions {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            map: RwLock::default(),
            config,
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    /// Opens a session with a fresh, unguessable id.
    pub(crate) fn create(
        &self,
        protocol_version: ProtocolVersion,
        client_info: Implementation,
        client_capabilities: Map<String, Value>,
    ) -> std::io::Result<Arc<Session>> {
        self.sweep_if_due();
        let id: Arc<str> = new_session_id()?.into();
        let session = Arc::new(Session {
            id: id.clone(),
            protocol_version,
            client_info,
            client_capabilities,
            initialized: AtomicBool::new(false),
            pinned: AtomicBool::new(false),
            log_level: AtomicU8::new(LogLevel::Debug.index()),
            last_active: Mutex::new(Instant::now()),
            ended: CancellationToken::new(),
            calls: Arc::default(),
            streams: Mutex::default(),
            replay_events: self.config.replay_events,
            replay_streams: self.config.replay_streams,
        });
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, session.clone());
        Ok(session)
    }

    /// The live session with this id (an expired one is ended here and not returned).
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()?;
        if session.is_expired(&self.config, Instant::now()) {
            self.remove(id);
            return None;
        }
        session.touch();
        Some(session)
    }

    /// Ends a session; `false` if there was none with that id.
    pub(crate) fn remove(&self, id: &str) -> bool {
        let removed = self
            .map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        match removed {
            Some(session) => {
                session.end();
                true
            }
            None => false,
        }
    }

    /// Every live session (for server-initiated notifications).
    pub(crate) fn all(&self) -> Vec<Arc<Session>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Ends every expired session.
    pub(crate) fn sweep(&self) {
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
            self.remove(&id);
        }
    }

    fn sweep_if_due(&self) {
        let mut last = self.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= SWEEP_EVERY {
            *last = Instant::now();
            drop(last);
            self.sweep();
        }
    }

    /// How many sessions are live.
    pub(crate) fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// 128 bits from the operating system's CSPRNG, as 32 lowercase hex digits (visible ASCII,
/// as the transport spec requires).
fn new_session_id() -> std::io::Result<String> {
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

    fn info() -> Implementation {
        Implementation {
            name: "c".into(),
            version: "1".into(),
            title: None,
        }
    }

    #[test]
    fn sessions_are_created_found_and_removed() {
        let sessions = Sessions::new(Config::default());
        let a = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        let b = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 32);
        assert!(sessions.get(a.id()).is_some());
        assert!(sessions.remove(a.id()));
        assert!(!sessions.remove(a.id()));
        assert!(sessions.get(a.id()).is_none());
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn ending_a_session_cancels_its_calls() {
        let sessions = Sessions::new(Config::default());
        let s = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        let (call, _guard) = s.start_call(&RequestId::Number(1)).expect("free id");
        sessions.remove(s.id());
        assert!(call.is_cancelled());
    }

    #[test]
    fn idle_and_half_open_sessions_expire_unless_busy() {
        let config = Config {
            session_idle_timeout: Duration::from_millis(40),
            handshake_timeout: Duration::from_millis(10),
            ..Config::default()
        };
        let sessions = Sessions::new(config);
        let half_open = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        let idle = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        idle.mark_initialized();
        let busy = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        busy.mark_initialized();
        let _running = busy.start_call(&RequestId::Number(7)).expect("free id");
        std::thread::sleep(Duration::from_millis(20));
        sessions.sweep();
        assert!(
            sessions.get(half_open.id()).is_none(),
            "no handshake: ended sooner"
        );
        assert!(sessions.get(idle.id()).is_some());
        std::thread::sleep(Duration::from_millis(50));
        sessions.sweep();
        assert_eq!(sessions.len(), 1);
        assert!(
            sessions.get(busy.id()).is_some(),
            "a running call keeps its session"
        );
    }

    #[test]
    fn a_pinned_session_never_expires() {
        let config = Config {
            session_idle_timeout: Duration::from_millis(1),
            handshake_timeout: Duration::from_millis(1),
            ..Config::default()
        };
        let sessions = Sessions::new(config);
        let stdio = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        stdio.pin();
        std::thread::sleep(Duration::from_millis(5));
        sessions.sweep();
        assert!(sessions.get(stdio.id()).is_some());
    }

    #[test]
    fn the_standalone_stream_takes_one_listener_at_a_time() {
        let sessions = Sessions::new(Config::default());
        let s = sessions
            .create(ProtocolVersion::LATEST, info(), Map::new())
            .expect("rng");
        let first = s.attach_standalone().expect("free");
        assert!(s.attach_standalone().is_none());
        drop(first);
        assert!(s.attach_standalone().is_some());
    }
}
