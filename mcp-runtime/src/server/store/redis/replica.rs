//! What one replica holds, and nothing more: its connection to Redis, the live state of the
//! sessions it is serving right now (calls running here, a `GET` stream open here, requests
//! to the client waiting here, the streams whose calls run here), and the wake-ups of the
//! streams it follows. An idle session has no entry: it costs this process nothing.
//!
//! A heartbeat keeps what runs here alive in Redis: it refreshes the TTL of busy sessions
//! and the lease of every call stream this replica runs. When the replica dies the leases
//! run out, and whichever replica serves a resumption ends the stream with an error.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::connection::{Connection, cluster_nodes};
use tokio::sync::{OnceCell, broadcast, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::admission;
use super::bus;
use super::keys::Keys;
use super::session::Record;
use crate::protocol::RequestId;
use crate::server::bus::Change;
use crate::server::inflight::InFlight;
use crate::server::store::{Answer, StoreError};

/// How long one Redis operation may take before the request that needs it fails (503).
const OPERATION_TIMEOUT: Duration = Duration::from_secs(2);

/// How many changes a slow subscriber may fall behind (see the memory store).
const BACKLOG: usize = 64;

/// The timings the store derives from the server's settings.
#[derive(Debug, Clone)]
pub(super) struct Timings {
    /// TTL of an initialized session's keys (the idle timeout), refreshed on use.
    pub(super) idle: Duration,
    /// TTL of a session before `notifications/initialized`.
    pub(super) handshake: Duration,
    /// How long a call stream's lease lasts without a heartbeat.
    pub(super) lease: Duration,
    /// Events kept per stream.
    pub(super) replay_events: usize,
    /// Calls one session may have in flight on one replica.
    pub(super) max_calls: usize,
    /// How long a call stream's writer waits for its readers to take something.
    pub(super) stall: Duration,
    /// Sessions open at once, across replicas (`max_sessions`).
    pub(super) max_sessions: usize,
    /// Sessions one client may hold, across replicas (`max_sessions_per_client`).
    pub(super) max_per_client: usize,
}

impl Timings {
    /// How often the heartbeat runs, and how often a follower with nothing to read looks
    /// again (in case a wake-up was lost) and checks the lease of the call it follows.
    pub(super) fn beat(&self) -> Duration {
        (self.lease / 4).max(Duration::from_millis(50))
    }
}

/// The live state of one session in this replica.
#[derive(Debug)]
pub(super) struct Local {
    pub(super) record: Arc<Record>,
    /// Cancelled when the session ends (here or on another replica): its calls stop, the
    /// streams followed here end.
    pub(super) ended: CancellationToken,
    pub(super) calls: Arc<InFlight>,
    pub(super) waiting: Mutex<HashMap<RequestId, oneshot::Sender<Answer>>>,
    pub(super) standalone_attached: AtomicBool,
    /// Cancelled by a graceful shutdown: the `GET` stream followed here ends (the client
    /// reopens it on another replica), while the stream itself goes on in Redis.
    pub(super) standalone_closed: CancellationToken,
    /// The call streams whose calls run here, whose leases the heartbeat refreshes.
    pub(super) owned: Mutex<HashSet<u64>>,
    /// The score this replica last marked the session busy with in the admission index
    /// (0: none since it was last idle here).
    pub(super) busy_mark: AtomicI64,
    /// The call slots (`max_calls_per_session`) the session's calls hold here.
    pub(super) slots: Mutex<HashSet<String>>,
}

impl Local {
    fn new(record: Arc<Record>) -> Self {
        Self {
            record,
            ended: CancellationToken::new(),
            calls: Arc::default(),
            waiting: Mutex::default(),
            standalone_attached: AtomicBool::new(false),
            standalone_closed: CancellationToken::new(),
            owned: Mutex::default(),
            busy_mark: AtomicI64::new(0),
            slots: Mutex::default(),
        }
    }

    /// Something of the session lives here: a call, a `GET` stream, a stream it runs.
    pub(super) fn is_busy(&self) -> bool {
        !self.calls.is_empty()
            || self.standalone_attached.load(Ordering::Relaxed)
            || !lock(&self.owned).is_empty()
    }

    fn is_idle(self: &Arc<Self>) -> bool {
        let waiting = {
            let mut waiting = lock(&self.waiting);
            waiting.retain(|_, sender| !sender.is_closed());
            !waiting.is_empty()
        };
        // Only the replica's map holds it: no follower, no session handle in use.
        Arc::strong_count(self) == 1 && !self.is_busy() && !waiting
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A stream of a session: its session id and number.
type StreamKey = (Arc<str>, u64);

/// The replica: connection, live sessions, wake-ups, and the local end of the bus.
pub(super) struct Replica {
    pub(super) keys: Keys,
    /// This replica's random token, which its claims hold (see `claims`).
    pub(super) token: String,
    pub(super) timings: Timings,
    url: String,
    connection: OnceCell<Connection>,
    locals: Mutex<HashMap<Arc<str>, Arc<Local>>>,
    wakers: Mutex<HashMap<StreamKey, watch::Sender<()>>>,
    pub(super) changes: broadcast::Sender<Change>,
    /// The version of the shared list edits, as the bus last told it.
    pub(super) lists_version: watch::Sender<i64>,
    /// Ids of tasks another replica's `tasks/cancel` named.
    pub(super) task_cancels: broadcast::Sender<String>,
    /// Ids of tasks whose record some replica put.
    pub(super) task_statuses: broadcast::Sender<String>,
    /// Redis's clock, which every time written for other replicas to compare is read from.
    pub(super) clock: Clock,
    /// What this replica read of the bus's backlog.
    pub(super) backlog: super::backlog::Backlog,
    me: Weak<Replica>,
}

/// Redis's clock as this replica reads it: the local clock plus an offset measured when
/// the connection opens and at every heartbeat. The session index and the call slots
/// compare times that different replicas wrote; read from one clock (Redis's), they agree
/// whatever the replicas' own clocks say.
#[derive(Debug, Default)]
pub(super) struct Clock {
    /// Redis's time minus the local time, in milliseconds.
    offset: AtomicI64,
    /// A local clock off by this much (tests).
    #[cfg(test)]
    pub(super) skew: AtomicI64,
}

impl Clock {
    fn local_ms(&self) -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, millis);
        #[cfg(test)]
        let now = now + self.skew.load(Ordering::Relaxed);
        now
    }

    /// Milliseconds since the Unix epoch, by Redis's clock.
    pub(super) fn now_ms(&self) -> i64 {
        self.local_ms() + self.offset.load(Ordering::Relaxed)
    }

    /// Measures the offset again (`TIME`, taken as read halfway through the round trip).
    async fn sync(&self, replica: &Replica, connection: &mut Connection) {
        let before = self.local_ms();
        let time = redis::cmd("TIME");
        match replica
            .run(time.query_async::<(i64, i64)>(connection))
            .await
        {
            Ok((seconds, micros)) => {
                let after = self.local_ms();
                let redis = seconds * 1000 + micros / 1000;
                let offset = redis - before - (after - before) / 2;
                self.offset.store(offset, Ordering::Relaxed);
            }
            Err(e) => tracing::debug!("could not read Redis's clock: {e}"),
        }
    }
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("keys", &self.keys)
            .field("live_sessions", &lock(&self.locals).len())
            .finish_non_exhaustive()
    }
}

impl Replica {
    pub(super) fn new(url: String, keys: Keys, timings: Timings) -> Arc<Self> {
        let token = crate::server::store::memory::new_session_id().unwrap_or_else(|_| {
            format!("{}-{:?}", std::process::id(), std::time::SystemTime::now())
        });
        Arc::new_cyclic(|me| Self {
            keys,
            token,
            timings,
            url,
            connection: OnceCell::new(),
            locals: Mutex::default(),
            wakers: Mutex::default(),
            changes: broadcast::Sender::new(BACKLOG),
            task_cancels: broadcast::Sender::new(BACKLOG),
            task_statuses: broadcast::Sender::new(BACKLOG),
            lists_version: watch::Sender::new(0),
            clock: Clock::default(),
            backlog: super::backlog::Backlog::default(),
            me: me.clone(),
        })
    }

    /// The connection, opened on first use (and again after a failed first attempt):
    /// subscribes to the bus and starts the heartbeat. The connection manager reconnects
    /// by itself afterwards, and resubscribes.
    pub(super) async fn connection(&self) -> Result<Connection, StoreError> {
        let opened = self
            .connection
            .get_or_try_init(|| async {
                let opening = tokio::time::timeout(OPERATION_TIMEOUT, self.open());
                match opening.await {
                    Ok(opened) => opened,
                    Err(_) => Err(StoreError::Unavailable(format!(
                        "Redis at {} did not answer within {OPERATION_TIMEOUT:?}",
                        self.url
                    ))),
                }
            })
            .await?;
        Ok(opened.clone())
    }

    /// The connection, if it is open (never opens it).
    pub(super) fn opened(&self) -> Option<Connection> {
        self.connection.get().cloned()
    }

    async fn open(&self) -> Result<Connection, StoreError> {
        let unavailable =
            |e: redis::RedisError| StoreError::Unavailable(format!("Redis at {}: {e}", self.url));
        let (pushes, received) = tokio::sync::mpsc::unbounded_channel();
        let connection = match cluster_nodes(&self.url) {
            Some(nodes) => {
                // Sharded pub/sub: each shard channel is followed on the node that owns
                // its slot (and again after a reconnection).
                let client = redis::cluster::ClusterClient::builder(nodes)
                    .use_protocol(redis::ProtocolVersion::RESP3)
                    .connection_timeout(Duration::from_secs(1))
                    .response_timeout(OPERATION_TIMEOUT)
                    .retries(2)
                    .push_sender(pushes)
                    .build()
                    .map_err(unavailable)?;
                let mut connection = client.get_async_connection().await.map_err(unavailable)?;
                for shard in 0..bus::SHARDS {
                    connection
                        .ssubscribe(self.keys.shard_channel(shard))
                        .await
                        .map_err(unavailable)?;
                }
                tokio::spawn(bus::keep_following(self.me.clone()));
                Connection::Cluster(connection)
            }
            None => match super::sentinel::Sentinels::parse(&self.url) {
                Some(sentinels) => {
                    let sentinels = sentinels.map_err(StoreError::Unavailable)?;
                    let addr = sentinels
                        .master_addr()
                        .await
                        .map_err(StoreError::Unavailable)?;
                    let channel = self.keys.channel();
                    let manager = single(&sentinels.master_url(&addr), pushes.clone(), &channel)
                        .await
                        .map_err(unavailable)?;
                    let failover = super::sentinel::Failover::new(addr, manager);
                    tokio::spawn(super::sentinel::follow(
                        sentinels,
                        Arc::downgrade(&failover),
                        pushes,
                        move |url, pushes| {
                            let channel = channel.clone();
                            async move {
                                single(&url, pushes, &channel)
                                    .await
                                    .map_err(|e| e.to_string())
                            }
                        },
                    ));
                    Connection::Sentinel(failover)
                }
                None => Connection::Single(
                    single(&self.url, pushes, &self.keys.channel())
                        .await
                        .map_err(unavailable)?,
                ),
            },
        };
        self.clock.sync(self, &mut connection.clone()).await;
        tokio::spawn(bus::dispatch(self.me.clone(), received));
        tokio::spawn(super::backlog::follow(self.me.clone()));
        tokio::spawn(heartbeat(self.me.clone()));
        Ok(connection)
    }

    /// Runs one Redis operation with the time limit every request relies on to fail fast.
    pub(super) async fn run<T>(
        &self,
        operation: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(OPERATION_TIMEOUT, operation).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(StoreError::Unavailable(format!(
                "Redis at {}: {e}",
                self.url
            ))),
            Err(_) => Err(StoreError::Unavailable(format!(
                "Redis at {} did not answer within {OPERATION_TIMEOUT:?}",
                self.url
            ))),
        }
    }

    /// The session's live state here, created on first need.
    pub(super) fn local(&self, record: &Arc<Record>) -> Arc<Local> {
        lock(&self.locals)
            .entry(record.id.clone())
            .or_insert_with(|| Arc::new(Local::new(record.clone())))
            .clone()
    }

    /// The session's live state here, if it has any.
    pub(super) fn find_local(&self, sid: &str) -> Option<Arc<Local>> {
        lock(&self.locals).get(sid).cloned()
    }

    /// Every session with live state here.
    pub(super) fn locals(&self) -> Vec<Arc<Local>> {
        lock(&self.locals).values().cloned().collect()
    }

    /// A receiver that changes when the stream gets something new.
    pub(super) fn waker(&self, sid: &Arc<str>, stream: u64) -> watch::Receiver<()> {
        lock(&self.wakers)
            .entry((sid.clone(), stream))
            .or_insert_with(|| watch::Sender::new(()))
            .subscribe()
    }

    /// Wakes the followers of a stream in this replica.
    pub(super) fn wake(&self, sid: &str, stream: u64) {
        let wakers = lock(&self.wakers);
        if let Some(sender) = wakers.get(&(Arc::<str>::from(sid), stream)) {
            sender.send_replace(());
        }
    }

    /// Forgets what nothing uses any more: idle sessions' state, wake-ups nobody follows.
    pub(super) fn forget_idle(&self) {
        lock(&self.locals).retain(|_, local| !local.is_idle());
        lock(&self.wakers).retain(|_, sender| sender.receiver_count() > 0);
    }
}

/// A connection to one node that reconnects (and follows the bus again) by itself, with
/// what the bus brings sent to `pushes`.
async fn single(
    url: &str,
    pushes: tokio::sync::mpsc::UnboundedSender<redis::PushInfo>,
    channel: &str,
) -> redis::RedisResult<ConnectionManager> {
    let info = redis::IntoConnectionInfo::into_connection_info(url)?;
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(redis::ProtocolVersion::RESP3);
    let client = redis::Client::open(info.set_redis_settings(settings))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(OPERATION_TIMEOUT))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500))
        .set_push_sender(pushes)
        .set_automatic_resubscription();
    let mut connection = ConnectionManager::new_with_config(client, config).await?;
    connection.subscribe(channel).await?;
    Ok(connection)
}

/// Refreshes, every beat, the TTL of the sessions busy here and the leases of the call
/// streams running here; forgets idle state. Ends with the replica.
async fn heartbeat(replica: Weak<Replica>) {
    let Some(beat) = replica.upgrade().map(|r| r.timings.beat()) else {
        return;
    };
    let mut ticks = tokio::time::interval(beat);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(replica) = replica.upgrade() else {
            return;
        };
        if let Some(mut connection) = replica.connection.get().cloned() {
            replica.clock.sync(&replica, &mut connection).await;
        }
        let mut pipe = redis::pipe();
        // Sessions that went idle here become evictable (as used now) before their state
        // here is forgotten; busy ones stay marked busy.
        let (busy, idle): (Vec<Arc<Local>>, Vec<Arc<Local>>) =
            replica.locals().into_iter().partition(|l| l.is_busy());
        for local in &idle {
            admission::mark_idle_in(&mut pipe, &replica, local);
        }
        drop(idle);
        replica.forget_idle();
        let (idle_ms, lease_ms) = (millis(replica.timings.idle), millis(replica.timings.lease));
        for local in &busy {
            admission::mark_busy_in(&mut pipe, &replica, local);
            super::claims::refresh_in(&mut pipe, &replica, local);
            super::slots::refresh_in(&mut pipe, &replica, local);
            let sid = &local.record.id;
            pipe.pexpire(replica.keys.session(sid), idle_ms).ignore();
            let mut streams: Vec<u64> = lock(&local.owned).iter().copied().collect();
            if local.standalone_attached.load(Ordering::Relaxed) {
                streams.push(0);
                bus::remember_in(&mut pipe, &replica, sid);
            }
            for stream in streams {
                pipe.pexpire(replica.keys.meta(sid, stream), idle_ms)
                    .ignore();
                pipe.pexpire(replica.keys.events(sid, stream), idle_ms)
                    .ignore();
                if stream != 0 {
                    pipe.cmd("SET")
                        .arg(replica.keys.lease(sid, stream))
                        .arg(1)
                        .arg("PX")
                        .arg(lease_ms)
                        .ignore();
                }
            }
        }
        // Not held across the round trip: a session that goes idle meanwhile is forgotten
        // by the next sweep, not kept alive by this beat.
        drop(busy);
        if pipe.is_empty() {
            continue;
        }
        // Started once the connection is open; it reconnects by itself.
        let Some(mut connection) = replica.connection.get().cloned() else {
            continue;
        };
        if let Err(e) = replica.run(connection.run_each(&pipe)).await {
            tracing::warn!("heartbeat to Redis failed (leases run out if this goes on): {e}");
        }
    }
}

/// A duration in whole milliseconds, for TTLs (at least 1: 0 would delete the key).
pub(super) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis())
        .unwrap_or(i64::MAX)
        .max(1)
}
