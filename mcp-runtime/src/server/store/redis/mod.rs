//! The Redis store: many replicas of one server behind a plain round-robin load balancer,
//! any of them answering any request of any session, with no sticky routing.
//!
//! What lives in Redis (keys under a prefix, hash-tagged per session: see `keys`):
//! - sessions, one hash each, whose Redis TTL is the idle timeout (the handshake timeout
//!   until `notifications/initialized`), refreshed by every request;
//! - SSE event logs in Redis Streams of bounded length, so a `GET` with `Last-Event-ID` on
//!   any replica replays what another sent; event ids come from a counter in Redis;
//! - requests to the client waiting for an answer, and each call stream's lease;
//! - task records (the tasks extension), expiring with their time to live, so any replica
//!   answers `tasks/get`;
//! - the session index that the session caps are counted in (see `admission`), the claims
//!   of request ids in flight and of `GET` streams, and the shared list edits.
//!
//! What crosses between replicas goes over the bus (see `bus`: one pub/sub channel, or
//! sharded pub/sub on a cluster): wake-ups of streams, cancellations, the client's
//! answers, the end of a session, list changes, task cancellations and changes; what must
//! not be lost is kept in the bus's backlog too (see `backlog`), for a replica that pub/sub
//! missed. What
//! one replica keeps is only what runs there (see `replica`); an idle session costs it
//! nothing.
//!
//! # Failure semantics
//! - **A replica dies mid-call** (SIGKILL, OOM, lost node): its calls' leases run out
//!   (after [`RedisStore::lease`], 10 s by default, plus up to half a lease for a follower
//!   to be sure: it must find the lease gone twice). A client resuming such a call's stream
//!   on another replica gets every event that was stored, then a JSON-RPC error (-32603,
//!   "the server replica running this request stopped before it answered…") for the call,
//!   and the stream ends: never a hang. The call's side effects may or may not have
//!   happened.
//! - **A rolling restart** (SIGTERM): the replica stops taking connections, ends the `GET`
//!   streams it holds (clients reopen them on another replica, where `Last-Event-ID` finds
//!   what they missed), and lets its calls finish; sessions live in Redis and stay usable on
//!   every other replica.
//! - **Redis is down**: every request that needs it fails within about two seconds with
//!   HTTP 503 and a message naming Redis; followed streams end (clients resume later). The
//!   connection comes back by itself when Redis does. Every write is one atomic script, so a
//!   failure never leaves half a session or half an event; a late write to a stream that was
//!   ended (or a session that was deleted) is refused, not merged.
//! - Announcements (list changes) are written to the `GET` stream of every session that had
//!   one open within the idle timeout (a sorted set in Redis), so a client reconnecting
//!   later gets them with `Last-Event-ID`; a session that never opened a `GET` stream gets
//!   none. A request id in flight and a session's one `GET` stream are claimed in Redis
//!   (see `claims`), so both rules hold across replicas; the list edits themselves reach
//!   every replica (see `lists`), and `tasks/cancel` stops the tool wherever it runs.
//!
//! - A stream keeps the last [replay buffer](crate::Server::replay_buffer) events. The call
//!   writing it does not wait for slow readers (unlike the memory store): a reader that
//!   falls further behind than that is disconnected, and resuming tells it the events are
//!   gone (404), rather than skipping them silently.
//! - The session limits ([`Server::max_sessions`](crate::Server::max_sessions),
//!   [`Server::max_sessions_per_client`](crate::Server::max_sessions_per_client)) are
//!   counted in Redis, across every replica: at a cap the least recently used idle session
//!   is evicted, as in one process (see `admission`; a session busy on a replica that died
//!   becomes evictable a few heartbeats later). The call queue is per replica.
//!
//! Needs Redis 7 or later (stream ids `<ms>-*`, RESP3 push messages). Runs on one node or
//! on a Redis Cluster (see `connection`).

mod admission;
mod backlog;
mod bus;
mod claims;
mod connection;
mod keys;
mod lists;
mod log;
mod replica;
mod sentinel;
mod session;
mod slots;
mod tasks;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::BoxStream;

use super::tasks::TaskStore;
use super::{Bus, NewSession, SessionRef, SessionStore, Store, StoreError};
use crate::server::bus::Change;
use crate::server::config::Config;
use bus::Message;
use keys::Keys;
use replica::{Replica, Timings, millis};
use session::{LOAD, REMOVE, Record, RedisSession};

/// Keeps sessions, their SSE streams and the bus between replicas in Redis, so that many
/// replicas of a server behind a plain load balancer serve every session alike. Requires
/// the `redis` feature.
///
/// ```no_run
/// use mcp_runtime::Server;
/// use mcp_runtime::store::RedisStore;
///
/// # async fn run() -> std::io::Result<()> {
/// Server::new("notes")
///     .registered_tools()
///     .store(RedisStore::new("redis://127.0.0.1:6379").prefix("notes"))
///     .serve()
///     .await
/// # }
/// ```
///
/// [`serve`](crate::serve) uses it when `MCP_REDIS_URL` is set (and `MCP_REDIS_PREFIX`,
/// if set, as its prefix). The connection opens on first use, so a server starts while
/// Redis is down and answers 503 until it is back. See the module documentation of
/// `server::store::redis` (and the README's "Deploy" section) for what happens when a
/// replica or Redis fails.
#[derive(Debug, Clone)]
pub struct RedisStore {
    url: String,
    prefix: String,
    lease: Duration,
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[user:password@]host:port[/db]`), or on a
    /// Redis Cluster when `url` names several nodes, comma-separated
    /// (`redis://h1:7000,redis://h2:7001,…`), or on the master that Redis Sentinel names
    /// (`redis+sentinel://[user:password@]s1:26379,s2:26379/<master set>`; the
    /// credentials are the master's), followed to the new master after a failover.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "mcp".to_owned(),
            lease: Duration::from_secs(10),
        }
    }

    /// Puts every key under `prefix` (default `mcp`), so servers can share one Redis.
    /// Braces are dropped from it (they would break the per-session hash tags).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a call survives the replica that runs it before a client resuming its
    /// stream is told it is lost (default 10 seconds). The replica refreshes the lease four
    /// times per period; shorter means faster errors after a crash and more Redis traffic.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(200));
        self
    }

    /// The store, with the server's timeouts and replay limits: sessions and the bus, and
    /// task records.
    pub(crate) fn open(&self, config: &Config) -> (Arc<dyn Store>, Arc<dyn TaskStore>) {
        let backend = self.backend(config);
        (backend.clone(), backend)
    }

    /// [`open`](Self::open) for a replica whose own clock is off by `skew_ms`.
    #[cfg(test)]
    pub(crate) fn open_skewed(&self, config: &Config, skew_ms: i64) -> Arc<dyn Store> {
        let backend = self.backend(config);
        backend
            .replica
            .clock
            .skew
            .store(skew_ms, std::sync::atomic::Ordering::Relaxed);
        backend
    }

    fn backend(&self, config: &Config) -> Arc<RedisBackend> {
        let timings = Timings {
            idle: config.session_idle_timeout,
            handshake: config.handshake_timeout,
            lease: self.lease,
            replay_events: config.replay_events,
            // Calls past the running cap wait in the call queue: they are in flight too.
            max_calls: config
                .max_calls_per_session
                .saturating_add(config.call_queue),
            stall: config.stall_timeout,
            max_sessions: config.max_sessions.max(1),
            max_per_client: config.max_sessions_per_client.max(1),
        };
        Arc::new(RedisBackend {
            replica: Replica::new(self.url.clone(), Keys::new(&self.prefix), timings),
        })
    }
}

/// The store the engine talks to.
#[derive(Debug)]
struct RedisBackend {
    replica: Arc<Replica>,
}

impl RedisBackend {
    fn session(&self, record: Arc<Record>) -> SessionRef {
        Arc::new(RedisSession {
            record,
            replica: self.replica.clone(),
        })
    }

    async fn create_session(&self, new: NewSession) -> Result<SessionRef, StoreError> {
        let id: Arc<str> = match &new.id {
            Some(id) => id.clone(),
            None => super::memory::new_session_id()
                .map_err(|e| {
                    StoreError::Unavailable(format!("no randomness for a session id: {e}"))
                })?
                .into(),
        };
        let record = Arc::new(Record::from_new(id.clone(), new));
        let victims = admission::admit(&self.replica, &id, record.client.as_deref()).await?;
        for victim in victims {
            tracing::debug!(session = %victim, "evicted an idle session to admit a new one");
            self.end_session(&victim, false).await?;
        }
        let ttl = millis(self.replica.timings.handshake);
        let key = self.replica.keys.session(&id);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .hset_multiple(&key, &record.fields(ttl))
            .ignore()
            .pexpire(&key, ttl)
            .ignore();
        let mut connection = self.replica.connection().await?;
        self.replica
            .run(pipe.query_async::<()>(&mut connection))
            .await?;
        Ok(self.session(record))
    }

    async fn load(&self, id: &str) -> Result<Option<SessionRef>, StoreError> {
        if !keys::is_session_id(id) {
            return Ok(None);
        }
        let script = &*LOAD;
        let invocation = script.key(self.replica.keys.session(id));
        let mut connection = self.replica.connection().await?;
        let fields = self
            .replica
            .run(invocation.invoke_async::<Vec<String>>(&mut connection))
            .await?;
        if fields.is_empty() {
            return Ok(None);
        }
        let Some(record) = Record::parse(id, &fields) else {
            return Ok(None);
        };
        // Used now: the least recently used idle session is evicted first. Not while this
        // replica has it marked busy: its score is ahead of now already.
        let busy_here = self
            .replica
            .find_local(id)
            .is_some_and(|local| local.busy_mark.load(std::sync::atomic::Ordering::Acquire) > 0);
        if busy_here {
            return Ok(Some(self.session(Arc::new(record))));
        }
        let mut pipe = redis::pipe();
        admission::raise_in(
            &mut pipe,
            &self.replica,
            id,
            record.client.as_deref(),
            self.replica.clock.now_ms(),
        );
        let touched = self.replica.run(pipe.query_async::<()>(&mut connection));
        if let Err(e) = touched.await {
            tracing::debug!("could not mark session {id} used: {e}");
        }
        Ok(Some(self.session(Arc::new(record))))
    }

    async fn end(&self, id: &str) -> Result<bool, StoreError> {
        if !keys::is_session_id(id) {
            return Ok(false);
        }
        self.end_session(id, true).await
    }

    /// Deletes a session (and takes it out of the admission index unless it was already),
    /// ending what runs of it on every replica.
    async fn end_session(&self, id: &str, unindex: bool) -> Result<bool, StoreError> {
        if unindex {
            admission::unindex(&self.replica, id).await?;
        }
        let script = &*REMOVE;
        let mut invocation = script.key(self.replica.keys.session(id));
        invocation.arg(self.replica.keys.session_base(id));
        let mut connection = self.replica.connection().await?;
        let removed = self
            .replica
            .run(invocation.invoke_async::<i64>(&mut connection))
            .await?;
        if let Some(local) = self.replica.find_local(id) {
            local.ended.cancel();
        }
        bus::publish(&self.replica, Message::End { s: id.to_owned() }).await;
        Ok(removed == 1)
    }
}

impl SessionStore for RedisBackend {
    fn create(&self, new: NewSession) -> BoxFuture<'_, Result<SessionRef, StoreError>> {
        self.create_session(new).boxed()
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SessionRef>, StoreError>> {
        self.load(id).boxed()
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.end(id).boxed()
    }

    fn local(&self) -> Vec<SessionRef> {
        self.replica
            .locals()
            .into_iter()
            .filter(|local| local.is_busy())
            .map(|local| self.session(local.record.clone()))
            .collect()
    }

    fn sweep(&self) {
        // Redis expires sessions by itself; this replica forgets what is idle.
        self.replica.forget_idle();
    }

    /// The sessions with live state in this replica (the others are in Redis only).
    fn len(&self) -> usize {
        self.replica.locals().len()
    }
}

impl Bus for RedisBackend {
    fn announce(&self, change: Change) {
        let replica = self.replica.clone();
        tokio::spawn(async move { bus::announce(&replica, change).await });
    }

    fn share_list_edit(&self, edit: crate::server::lists::ListEdit) {
        self.share(edit);
    }

    fn list_edits(&self) -> Option<BoxStream<'static, Vec<crate::server::lists::ListEdit>>> {
        Some(self.follow_edits())
    }

    fn changes(&self) -> BoxStream<'static, Change> {
        let changes = crate::server::store::changes_of(self.replica.changes.subscribe());
        // Connect now, so announcements from other replicas reach this subscription.
        let replica = self.replica.clone();
        Box::pin(async_stream::stream! {
            if let Err(e) = replica.connection().await {
                tracing::warn!("subscription cannot hear other replicas yet: {e}");
            }
            for await change in changes {
                yield change;
            }
        })
    }
}
