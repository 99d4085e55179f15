//! The session caps across replicas: `max_sessions` and `max_sessions_per_client` counted in
//! Redis, so three replicas with a cap of 4 hold 4 sessions in all, not 12.
//!
//! An index in Redis (a sorted set of every session, one per client, and a hash naming each
//! session's client, all under one hash tag so one script in one cluster slot counts and
//! evicts) scores each session by the time from which it may be evicted:
//! - an idle session by when it was last used, so the lowest score is the least recently
//!   used;
//! - a session busy on some replica (a request in flight, a `GET` stream open, a call
//!   stream it runs) by a time [`BUSY_BEATS`] heartbeats ahead, which that replica's
//!   heartbeat keeps pushing forward; when the session goes idle there, the replica sets it
//!   back to now. A replica that dies stops pushing: its sessions become evictable after
//!   those beats.
//!
//! Creating a session runs [`ADMIT`]: at the client's quota it evicts that client's least
//! recently used idle session, at the global cap anyone's, and refuses
//! ([`StoreError::ClientFull`], [`StoreError::Full`]) when every candidate is busy, as the
//! memory store does. Every score is read from Redis's clock (see `replica::Clock`), so the
//! replicas' own clocks need not agree.

use std::sync::LazyLock;
use std::sync::atomic::Ordering;

use super::replica::{Local, Replica, millis};
use crate::server::store::StoreError;

/// How many heartbeats ahead a busy session's score is set: one missed beat does not make
/// it evictable, a dead replica's sessions are after this many.
pub(super) const BUSY_BEATS: u32 = 3;

/// Counts a new session in, making room first.
/// KEYS: index, owners. ARGV: now, idle ms, max sessions, quota per client, session id,
/// client key ('' none), client index base.
/// Returns `{status, victims…}`: status `ok`, `full` or `client`; the victims are evicted
/// sessions the caller must end.
static ADMIT: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
local now = tonumber(ARGV[1])
local base = ARGV[7]
local function unindex(sid)
  redis.call('ZREM', KEYS[1], sid)
  local c = redis.call('HGET', KEYS[2], sid)
  if c then
    redis.call('ZREM', base .. c, sid)
    redis.call('HDEL', KEYS[2], sid)
  end
end
-- Sessions unused for the idle timeout have expired in Redis: forget them.
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, 100)
for _, sid in ipairs(old) do unindex(sid) end
local out = {'ok'}
if ARGV[6] ~= '' then
  local mine = base .. ARGV[6]
  if redis.call('ZCARD', mine) >= tonumber(ARGV[4]) then
    local v = redis.call('ZRANGEBYSCORE', mine, '-inf', now, 'LIMIT', 0, 1)
    if #v == 0 then return {'client'} end
    unindex(v[1])
    table.insert(out, v[1])
  end
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local v = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
  if #v == 0 then
    out[1] = 'full'
    return out
  end
  unindex(v[1])
  table.insert(out, v[1])
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
if ARGV[6] ~= '' then
  redis.call('ZADD', base .. ARGV[6], now, ARGV[5])
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[6])
end
return out
",
    )
});

/// Takes an ended session out of the index. KEYS: index, owners. ARGV: session id, client
/// index base.
static UNINDEX: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
redis.call('ZREM', KEYS[1], ARGV[1])
local c = redis.call('HGET', KEYS[2], ARGV[1])
if c then
  redis.call('ZREM', ARGV[2] .. c, ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 1
",
    )
});

/// Sets an indexed session's score back to `now` if it is still the busy mark this replica
/// set (another replica's later mark stays). KEYS: index, client index or the index again.
/// ARGV: session id, the mark, now.
const IDLE: &str = r"
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not cur or tonumber(cur) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
return 1
";

/// Whom a session counts against, and the key of that client's index.
fn client_index(replica: &Replica, client: Option<&str>) -> String {
    client.map_or_else(
        || replica.keys.index(),
        |c| format!("{}{c}", replica.keys.client_index_base()),
    )
}

/// Counts session `sid` of `client` in, ending the sessions evicted to make room.
pub(super) async fn admit(
    replica: &Replica,
    sid: &str,
    client: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    // Opened first: the clock is read from Redis's once the connection is open.
    let mut connection = replica.connection().await?;
    let keys = &replica.keys;
    let script = &*ADMIT;
    let mut invocation = script.key(keys.index());
    invocation
        .key(keys.owners())
        .arg(replica.clock.now_ms())
        .arg(millis(replica.timings.idle))
        .arg(replica.timings.max_sessions)
        .arg(replica.timings.max_per_client)
        .arg(sid)
        .arg(client.unwrap_or_default())
        .arg(keys.client_index_base());
    let mut out = replica
        .run(invocation.invoke_async::<Vec<String>>(&mut connection))
        .await?
        .into_iter();
    let status = out.next().unwrap_or_default();
    let victims: Vec<String> = out.collect();
    match status.as_str() {
        "ok" => Ok(victims),
        "client" => Err(StoreError::ClientFull(replica.timings.max_per_client)),
        _ => {
            if !victims.is_empty() {
                // The client's own session was evicted before the global cap refused.
                tracing::debug!(?victims, "evicted before refusing a session");
            }
            Err(StoreError::Full(replica.timings.max_sessions))
        }
    }
}

/// Takes an ended session out of the index.
pub(super) async fn unindex(replica: &Replica, sid: &str) -> Result<(), StoreError> {
    let keys = &replica.keys;
    let script = &*UNINDEX;
    let mut invocation = script.key(keys.index());
    invocation
        .key(keys.owners())
        .arg(sid)
        .arg(keys.client_index_base());
    let mut connection = replica.connection().await?;
    replica
        .run(invocation.invoke_async::<i64>(&mut connection))
        .await
        .map(drop)
}

/// Adds to `pipe` what raises the session's score to `score` (never lowers it: a busy
/// mark elsewhere stays), for a session still indexed.
pub(super) fn raise_in(
    pipe: &mut redis::Pipeline,
    replica: &Replica,
    sid: &str,
    client: Option<&str>,
    score: i64,
) {
    pipe.cmd("ZADD")
        .arg(replica.keys.index())
        .arg("XX")
        .arg("GT")
        .arg(score)
        .arg(sid)
        .ignore();
    if client.is_some() {
        pipe.cmd("ZADD")
            .arg(client_index(replica, client))
            .arg("XX")
            .arg("GT")
            .arg(score)
            .arg(sid)
            .ignore();
    }
}

/// The score of a session busy from now on.
pub(super) fn busy_score(replica: &Replica) -> i64 {
    replica.clock.now_ms() + millis(replica.timings.beat() * BUSY_BEATS)
}

/// Adds to `pipe` what marks the session busy here, unless a mark made less than half its
/// span ago still holds.
pub(super) fn mark_busy_in(pipe: &mut redis::Pipeline, replica: &Replica, local: &Local) -> bool {
    let score = busy_score(replica);
    let span = millis(replica.timings.beat() * BUSY_BEATS);
    let marked = local.busy_mark.load(Ordering::Acquire);
    if marked > 0 && marked - replica.clock.now_ms() > span / 2 {
        return false;
    }
    local.busy_mark.store(score, Ordering::Release);
    let client = local.record.client.as_deref();
    raise_in(pipe, replica, &local.record.id, client, score);
    true
}

/// Marks the session busy here now (a call started, a `GET` stream attached), in the
/// background: the request does not wait for it.
pub(super) fn mark_busy(replica: &std::sync::Arc<Replica>, local: &Local) {
    let mut pipe = redis::pipe();
    if !mark_busy_in(&mut pipe, replica, local) {
        return;
    }
    let replica = replica.clone();
    tokio::spawn(async move {
        let Ok(mut connection) = replica.connection().await else {
            return;
        };
        if let Err(e) = replica.run(pipe.query_async::<()>(&mut connection)).await {
            tracing::debug!("could not mark a session busy: {e}");
        }
    });
}

/// Adds to `pipe` what marks a session that went idle here as used now, if it carries
/// this replica's busy mark.
pub(super) fn mark_idle_in(pipe: &mut redis::Pipeline, replica: &Replica, local: &Local) {
    let marked = local.busy_mark.swap(0, Ordering::AcqRel);
    if marked == 0 {
        return;
    }
    pipe.cmd("EVAL")
        .arg(IDLE)
        .arg(2)
        .arg(replica.keys.index())
        .arg(client_index(replica, local.record.client.as_deref()))
        .arg(&*local.record.id)
        .arg(marked)
        .arg(replica.clock.now_ms())
        .ignore();
}
