//! The bus's backlog: every message that must not be lost (a cancellation, the client's
//! answer, the end of a session, a task's cancellation or change, an announcement) is also
//! appended to a Redis Stream beside its pub/sub channel, and every replica reads the
//! streams every heartbeat from where it last read. Pub/sub delivers at once but only to
//! whoever is subscribed right then; a replica that was not (its connection dropped, a
//! cluster failover moving the shard channel) finds the message in the backlog a beat
//! later. Each message carries a random number, by which a replica handles it once, from
//! whichever of the two it came first.
//!
//! Wake-ups of streams and list versions are not kept: their followers look again anyway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::bus::{self, SHARDS};
use super::connection::Connection;
use super::replica::{Replica, lock};
use crate::server::store::StoreError;

/// Messages each backlog stream keeps (trimmed approximately): far more than a heartbeat
/// brings, so a replica that missed a few seconds of pub/sub misses nothing.
const KEPT: usize = 10_000;

/// How long a handled message is remembered, against its second copy (pub/sub and the
/// backlog both bring it).
const REMEMBERED: Duration = Duration::from_secs(60);

/// Messages read from a backlog stream at once.
const BATCH: usize = 500;

/// What this replica has read of the backlog, and which messages it handled.
#[derive(Debug)]
pub(super) struct Backlog {
    /// Per backlog stream, the id of the last entry read (`None` until the first read,
    /// which starts at the stream's end: older messages were for replicas before us).
    read_to: Vec<Mutex<Option<String>>>,
    /// The messages handled, by their number, with when.
    handled: Mutex<HashMap<u64, Instant>>,
    /// Set when pub/sub was interrupted: read the backlog now, not at the next beat.
    now: Arc<Notify>,
}

impl Default for Backlog {
    fn default() -> Self {
        Self {
            read_to: (0..SHARDS).map(|_| Mutex::new(None)).collect(),
            handled: Mutex::default(),
            now: Arc::default(),
        }
    }
}

impl Backlog {
    /// Whether message `number` is new here (and, if so, remembers it as handled).
    pub(super) fn first_time(&self, number: u64) -> bool {
        lock(&self.handled).insert(number, Instant::now()).is_none()
    }

    /// Forgets the messages handled longer ago than both copies take to arrive.
    fn forget_old(&self) {
        lock(&self.handled).retain(|_, at| at.elapsed() < REMEMBERED);
    }

    /// Asks for the backlog to be read now (pub/sub was interrupted).
    pub(super) fn read_soon(&self) {
        self.now.notify_one();
    }
}

/// A random number for a message that goes into the backlog.
pub(super) fn number() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // Unique enough for deduplication within a minute.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return u64::try_from(nanos % u128::from(u64::MAX)).unwrap_or(0);
    }
    u64::from_le_bytes(bytes)
}

/// Adds to `pipe` what appends `payload` to backlog stream `shard`.
pub(super) fn append_in(
    pipe: &mut redis::Pipeline,
    replica: &Replica,
    shard: usize,
    payload: &str,
) {
    pipe.cmd("XADD")
        .arg(replica.keys.backlog(shard))
        .arg("MAXLEN")
        .arg("~")
        .arg(KEPT)
        .arg("*")
        .arg("m")
        .arg(payload)
        .ignore();
}

/// Reads the backlog every heartbeat (and at once when pub/sub was interrupted), handling
/// what pub/sub did not bring. Ends with the replica.
pub(super) async fn follow(replica: Weak<Replica>) {
    let Some((beat, now)) = replica
        .upgrade()
        .map(|r| (r.timings.beat(), r.backlog.now.clone()))
    else {
        return;
    };
    loop {
        // Not held while waiting: the replica's end ends this task.
        let Some(replica) = replica.upgrade() else {
            return;
        };
        replica.backlog.forget_old();
        let Some(connection) = replica.opened() else {
            // Opening: read the backlog's end as soon as it is open.
            drop(replica);
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let streams = match connection {
            Connection::Cluster(_) => SHARDS,
            Connection::Single(_) | Connection::Sentinel(_) => 1,
        };
        for shard in 0..streams {
            if let Err(e) = read(&replica, &mut connection.clone(), shard).await {
                tracing::debug!("the bus's backlog is not readable yet: {e}");
            }
        }
        drop(replica);
        tokio::select! {
            () = now.notified() => {}
            () = tokio::time::sleep(beat) => {}
        }
    }
}

/// Reads backlog stream `shard` from where this replica left it, handling each message it
/// has not handled yet.
async fn read(
    replica: &Arc<Replica>,
    connection: &mut Connection,
    shard: usize,
) -> Result<(), StoreError> {
    let key = replica.keys.backlog(shard);
    let from = lock(&replica.backlog.read_to[shard]).clone();
    let Some(mut from) = from else {
        // First read: start at the end.
        let mut command = redis::cmd("XREVRANGE");
        command.arg(&key).arg("+").arg("-").arg("COUNT").arg(1);
        let last = replica
            .run(command.query_async::<Vec<(String, Vec<String>)>>(connection))
            .await?;
        let start = last
            .into_iter()
            .next()
            .map_or_else(|| "0-0".to_owned(), |(id, _)| id);
        *lock(&replica.backlog.read_to[shard]) = Some(start);
        return Ok(());
    };
    // Bounded: a backlog written faster than it is read is read on at the next beat.
    for _ in 0..KEPT / BATCH {
        let mut command = redis::cmd("XRANGE");
        command
            .arg(&key)
            .arg(format!("({from}"))
            .arg("+")
            .arg("COUNT")
            .arg(BATCH);
        let entries = replica
            .run(command.query_async::<Vec<(String, Vec<String>)>>(connection))
            .await?;
        let count = entries.len();
        for (id, fields) in entries {
            if let Some(payload) = fields
                .chunks(2)
                .find(|f| f[0] == "m")
                .and_then(|f| f.get(1))
            {
                bus::receive(replica, payload);
            }
            from = id;
        }
        *lock(&replica.backlog.read_to[shard]) = Some(from.clone());
        if count < BATCH {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_handled_once_whichever_way_it_comes() {
        let backlog = Backlog::default();
        let (one, two) = (number(), number());
        assert_ne!(one, two);
        assert!(backlog.first_time(one));
        assert!(!backlog.first_time(one), "its second copy");
        assert!(backlog.first_time(two));
    }
}
