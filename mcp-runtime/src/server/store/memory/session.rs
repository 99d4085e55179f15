//! In-process sessions of the handshake era: created by `initialize`, named by
//! `Mcp-Session-Id`, ended by `DELETE` or by expiry. A session owns its in-flight calls (to
//! cancel them) and its SSE event logs (to replay them).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use futures_util::future::{BoxFuture, FutureExt as _};
use serde_json::{Map, Value};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::log::{MemoryLog, StreamLog};
use crate::protocol::types::Implementation;
use crate::protocol::{LogLevel, ProtocolVersion, RequestId};
use crate::server::admission::ClientKey;
use crate::server::config::Config;
use crate::server::inflight::{InFlight, InFlightGuard};
use crate::server::store::{Answer, EventLog, NewSession, Session, StandaloneGuard, StoreError};

/// One client's session, in this process.
#[derive(Debug)]
pub(crate) struct MemorySession {
    id: Arc<str>,
    protocol_version: ProtocolVersion,
    client_info: Implementation,
    client_capabilities: Map<String, Value>,
    initialized: AtomicBool,
    /// When the handshake completed (`notifications/initialized`).
    initialized_at: std::sync::OnceLock<Instant>,
    /// Held open by its connection (stdio), which ends it: never expires.
    pinned: AtomicBool,
    log_level: AtomicU8,
    last_active: Arc<Mutex<Instant>>,
    /// When `initialize` opened it: the handshake's deadline counts from here.
    opened: Instant,
    /// Cancelled when the session ends; every call's token is a child of it.
    ended: CancellationToken,
    calls: Arc<InFlight>,
    /// The resources whose updates the client subscribed to.
    resources: Mutex<HashSet<String>>,
    /// Requests to the client waiting for their answer, by id.
    waiting: Mutex<HashMap<RequestId, oneshot::Sender<Answer>>>,
    streams: Arc<Mutex<Streams>>,
    replay_events: usize,
    replay_streams: usize,
    stall_timeout: std::time::Duration,
    max_calls: usize,
    /// Whom the session is counted against (its client's quota), if anyone.
    pub(super) client: Option<ClientKey>,
    /// Still counted in the admission bookkeeping (cleared once, when it is let go).
    pub(super) counted: AtomicBool,
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn done<'a>() -> BoxFuture<'a, Result<(), StoreError>> {
    std::future::ready(Ok(())).boxed()
}

impl MemorySession {
    /// Attaches a listener to the standalone stream; `None` if one is already attached.
    fn attach_here(&self) -> Option<StandaloneGuard> {
        let mut streams = lock(&self.streams);
        if streams.standalone_attached {
            return None;
        }
        streams.standalone_attached = true;
        let log = standalone_in(&mut streams, self.replay_events);
        let (shared, last_active) = (self.streams.clone(), self.last_active.clone());
        Some(StandaloneGuard {
            log: Arc::new(MemoryLog(log)),
            release: Box::new(move || {
                lock(&shared).standalone_attached = false;
                *lock(&last_active) = Instant::now();
            }),
        })
    }

    pub(crate) fn new(id: Arc<str>, new: NewSession, config: &Config) -> Self {
        Self {
            id,
            protocol_version: new.protocol_version,
            client_info: new.client_info,
            client_capabilities: new.client_capabilities,
            initialized: AtomicBool::new(false),
            initialized_at: std::sync::OnceLock::new(),
            pinned: AtomicBool::new(false),
            log_level: AtomicU8::new(LogLevel::Debug.index()),
            last_active: Arc::new(Mutex::new(Instant::now())),
            opened: Instant::now(),
            ended: CancellationToken::new(),
            calls: Arc::default(),
            waiting: Mutex::default(),
            resources: Mutex::default(),
            streams: Arc::default(),
            replay_events: config.replay_events,
            replay_streams: config.replay_streams,
            stall_timeout: config.stall_timeout,
            // Calls past the running cap wait in the call queue: they are in flight too.
            max_calls: config
                .max_calls_per_session
                .saturating_add(config.call_queue),
            client: new.client,
            counted: AtomicBool::new(true),
        }
    }

    pub(crate) fn touch(&self) {
        *lock(&self.last_active) = Instant::now();
    }

    pub(crate) fn is_expired(&self, config: &Config, now: Instant) -> bool {
        if !self.initialized.load(Ordering::Relaxed) {
            // The handshake has a deadline from the session's start: requests sent without
            // ever completing it do not move the deadline.
            return now.saturating_duration_since(self.opened) > config.handshake_timeout
                && !self.is_busy();
        }
        // In use until spoken to last, or until its last call ended, whichever is later.
        let last_active = *lock(&self.last_active);
        let last_used = self
            .calls
            .last_end()
            .map_or(last_active, |end| end.max(last_active));
        let idle = now.saturating_duration_since(last_used);
        idle > config.session_idle_timeout && !self.is_busy()
    }

    /// When `initialize` opened it.
    pub(super) fn opened(&self) -> Instant {
        self.opened
    }

    /// Whether `notifications/initialized` arrived.
    pub(super) fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Relaxed)
    }

    /// When the handshake completed, once it has.
    pub(super) fn initialized_at(&self) -> Option<Instant> {
        self.initialized_at.get().copied()
    }

    /// When the session was last spoken to or its last call ended, whichever is later.
    pub(super) fn last_used(&self) -> Instant {
        let last_active = *lock(&self.last_active);
        self.calls
            .last_end()
            .map_or(last_active, |end| end.max(last_active))
    }

    /// Whether the session has ended (removed, expired or evicted).
    pub(super) fn has_ended(&self) -> bool {
        self.ended.is_cancelled()
    }

    /// A session with a call running or a stream open is in use, however long ago it was
    /// last spoken to.
    pub(super) fn is_busy(&self) -> bool {
        self.pinned.load(Ordering::Relaxed)
            || !self.calls.is_empty()
            || lock(&self.streams).standalone_attached
    }

    fn standalone_log(&self) -> Arc<StreamLog> {
        let mut streams = lock(&self.streams);
        standalone_in(&mut streams, self.replay_events)
    }

    /// Whether the client subscribed to updates of `uri`.
    pub(crate) fn is_subscribed(&self, uri: &str) -> bool {
        lock(&self.resources).contains(uri)
    }

    /// Queues a server-initiated message for the standalone stream.
    pub(crate) fn push_standalone(&self, message: bytes::Bytes) {
        self.standalone_log().append(message);
    }

    /// Ends the session: cancels its calls and closes its streams.
    pub(crate) fn end(&self) {
        self.ended.cancel();
        for log in &lock(&self.streams).logs {
            log.finish();
        }
    }
}

fn standalone_in(streams: &mut Streams, capacity: usize) -> Arc<StreamLog> {
    if let Some(log) = &streams.standalone {
        return log.clone();
    }
    streams.next_id += 1;
    // Server-initiated notifications are appended without waiting (list changes repeat
    // themselves), so the stall timeout never applies.
    let log = Arc::new(StreamLog::new(
        streams.next_id,
        capacity,
        std::time::Duration::MAX,
    ));
    streams.logs.push_back(log.clone());
    streams.standalone = Some(log.clone());
    log
}

impl Session for MemorySession {
    fn id(&self) -> &str {
        &self.id
    }

    fn for_call(self: Arc<Self>) -> Arc<dyn crate::context::CallSession> {
        self
    }

    fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    fn client_info(&self) -> &Implementation {
        &self.client_info
    }

    fn client_capabilities(&self) -> &Map<String, Value> {
        &self.client_capabilities
    }

    fn log_level(&self) -> LogLevel {
        LogLevel::from_index(self.log_level.load(Ordering::Relaxed))
    }

    fn mark_initialized(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        let _ = self.initialized_at.set(Instant::now());
        self.initialized.store(true, Ordering::Relaxed);
        done()
    }

    fn set_log_level(&self, level: LogLevel) -> BoxFuture<'_, Result<(), StoreError>> {
        self.log_level.store(level.index(), Ordering::Relaxed);
        done()
    }

    fn subscribe_resource(&self, uri: &str, on: bool) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut resources = lock(&self.resources);
        if on {
            resources.insert(uri.to_owned());
        } else {
            resources.remove(uri);
        }
        done()
    }

    fn pin(&self) {
        self.pinned.store(true, Ordering::Relaxed);
    }

    fn start_call<'a>(
        &'a self,
        id: &'a RequestId,
    ) -> BoxFuture<'a, Result<(CancellationToken, InFlightGuard), Box<crate::server::Refusal>>>
    {
        std::future::ready(self.calls.start(id, Some(&self.ended), self.max_calls)).boxed()
    }

    fn cancel_call(&self, id: &RequestId) {
        self.calls.cancel(id);
    }

    fn expect_answer(
        &self,
        id: RequestId,
    ) -> BoxFuture<'_, Result<oneshot::Receiver<Answer>, StoreError>> {
        let (sender, receiver) = oneshot::channel();
        let mut waiting = lock(&self.waiting);
        // Forget requests whose waiter has gone (timed out, call cancelled).
        waiting.retain(|_, sender| !sender.is_closed());
        waiting.insert(id, sender);
        std::future::ready(Ok(receiver)).boxed()
    }

    fn answer(&self, id: RequestId, answer: Answer) -> BoxFuture<'_, Result<bool, StoreError>> {
        let delivered = match lock(&self.waiting).remove(&id) {
            Some(sender) => sender.send(answer).is_ok(),
            None => false,
        };
        std::future::ready(Ok(delivered)).boxed()
    }

    fn open_stream(&self) -> BoxFuture<'_, Result<Arc<dyn EventLog>, StoreError>> {
        let mut streams = lock(&self.streams);
        streams.next_id += 1;
        let log = Arc::new(StreamLog::new(
            streams.next_id,
            self.replay_events,
            self.stall_timeout,
        ));
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
        let log: Arc<dyn EventLog> = Arc::new(MemoryLog(log));
        std::future::ready(Ok(log)).boxed()
    }

    fn stream(&self, id: u64) -> BoxFuture<'_, Result<Option<Arc<dyn EventLog>>, StoreError>> {
        let found = lock(&self.streams)
            .logs
            .iter()
            .find(|l| l.id() == id)
            .cloned()
            .map(|log| Arc::new(MemoryLog(log)) as Arc<dyn EventLog>);
        std::future::ready(Ok(found)).boxed()
    }

    fn standalone(&self) -> Arc<dyn EventLog> {
        Arc::new(MemoryLog(self.standalone_log()))
    }

    fn attach_standalone(&self) -> BoxFuture<'_, Result<Option<StandaloneGuard>, StoreError>> {
        std::future::ready(Ok(self.attach_here())).boxed()
    }

    fn close_standalone(&self) {
        if let Some(log) = &lock(&self.streams).standalone {
            log.finish();
        }
    }
}
