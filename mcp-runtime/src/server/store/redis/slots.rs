//! The per-session cap on tool calls running at once (`max_calls_per_session`), counted
//! across replicas: a session's calls may land on any replica behind round-robin. Each
//! session has a sorted set of the slots taken, each scored by the lease deadline of the
//! replica holding it; that replica's heartbeat pushes the deadline on, so the slots of a
//! replica that died free themselves. A call that finds every slot taken waits in its
//! replica's call queue until a release anywhere wakes it (over the bus), or until it
//! looks again (a beat later: a wake-up may be lost).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Weak};

use super::bus::{self, Message};
use super::replica::{Local, Replica, lock, millis};
use crate::server::store::{SlotTry, StoreError};

/// The stream number whose wake-ups mean "a call slot of the session freed" (streams are
/// numbered from 0 up; this one is never a stream).
pub(super) const SLOT_FREED: u64 = u64::MAX;

/// Slot names are this replica's token and a counter: unique across replicas.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Takes a slot if fewer than the limit are taken (expired ones dropped first).
/// KEYS: the slots. ARGV: the slot's name, now, its deadline, the limit, the key's TTL.
static TAKE: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
",
    )
});

/// Gives a slot back; 1 if every slot was taken before (someone may wait for it).
/// KEYS: the slots. ARGV: the slot's name, now, the limit.
static GIVE_BACK: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
local full = redis.call('ZCOUNT', KEYS[1], ARGV[2], '+inf') >= tonumber(ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
if full then return 1 end
return 0
",
    )
});

/// A slot held by a call running here; given back when it is dropped.
#[derive(Debug)]
struct Slot {
    replica: Arc<Replica>,
    local: Weak<Local>,
    sid: Arc<str>,
    name: String,
    limit: usize,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(local) = self.local.upgrade() {
            lock(&local.slots).remove(&self.name);
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // No runtime: the slot runs out with its lease.
        };
        let (replica, sid, name, limit) = (
            self.replica.clone(),
            self.sid.clone(),
            std::mem::take(&mut self.name),
            self.limit,
        );
        runtime.spawn(async move {
            let mut invocation = GIVE_BACK.key(replica.keys.call_slots(&sid));
            invocation.arg(&name).arg(replica.clock.now_ms()).arg(limit);
            let given = async {
                let mut connection = replica.connection().await?;
                replica
                    .run(invocation.invoke_async::<i64>(&mut connection))
                    .await
            };
            match given.await {
                Ok(1) => {
                    let message = Message::Wake {
                        s: sid.to_string(),
                        n: SLOT_FREED,
                    };
                    bus::publish(&replica, message).await;
                }
                Ok(_) => {}
                Err(e) => tracing::debug!("a call slot runs out with its lease instead: {e}"),
            }
        });
    }
}

/// Takes one of the `limit` slots of `local`'s session for a call running here.
pub(super) async fn take(
    replica: &Arc<Replica>,
    local: &Arc<Local>,
    limit: usize,
) -> Result<SlotTry, StoreError> {
    let sid = local.record.id.clone();
    // Followed before the look, so a release right after it is not missed.
    let freed = replica.waker(&sid, SLOT_FREED);
    let name = format!("{}:{}", replica.token, NEXT.fetch_add(1, Ordering::Relaxed));
    // Opened first: the clock is read from Redis's once the connection is open.
    let mut connection = replica.connection().await?;
    let now = replica.clock.now_ms();
    let lease = millis(replica.timings.lease);
    let mut invocation = TAKE.key(replica.keys.call_slots(&sid));
    invocation
        .arg(&name)
        .arg(now)
        .arg(now.saturating_add(lease))
        .arg(limit)
        .arg(lease);
    let taken = replica
        .run(invocation.invoke_async::<i64>(&mut connection))
        .await?;
    if taken == 0 {
        return Ok(SlotTry::Full(freed));
    }
    lock(&local.slots).insert(name.clone());
    Ok(SlotTry::Taken(Box::new(Slot {
        replica: replica.clone(),
        local: Arc::downgrade(local),
        sid,
        name,
        limit,
    })))
}

/// Adds to `pipe` what pushes on the deadlines of the slots `local`'s calls hold here.
pub(super) fn refresh_in(pipe: &mut redis::Pipeline, replica: &Replica, local: &Local) {
    let slots: Vec<String> = lock(&local.slots).iter().cloned().collect();
    if slots.is_empty() {
        return;
    }
    let lease = millis(replica.timings.lease);
    let deadline = replica.clock.now_ms().saturating_add(lease);
    let key = replica.keys.call_slots(&local.record.id);
    for name in slots {
        pipe.cmd("ZADD")
            .arg(&key)
            .arg("XX")
            .arg(deadline)
            .arg(name)
            .ignore();
    }
    pipe.pexpire(key, lease).ignore();
}
