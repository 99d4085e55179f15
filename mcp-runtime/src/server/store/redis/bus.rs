//! The bus between replicas: one Redis pub/sub channel that every replica follows. It
//! carries what one replica produces for a session or stream another replica holds:
//! wake-ups of streams (an event was appended), cancellations, the client's answers to
//! requests that wait elsewhere, the end of a session, `tasks/cancel` for a task running
//! elsewhere, task records that changed (for task status notifications), and
//! announcements (list changes) for the 2026-07-28 subscriptions. Announcements to sessions go to their `GET` streams in
//! Redis instead (see [`announce`]), so a client that is not connected gets them later.
//!
//! On one Redis node the bus is one channel (`PUBLISH`). On a Redis Cluster it is sharded
//! pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7): [`SHARDS`] channels, each in a slot of its
//! own, which every replica follows; a message goes to one of them (by its session or
//! task, so one session's messages keep their order) and travels only within the shard
//! that owns its slot, instead of to every node as regular pub/sub does on a cluster.
//!
//! Pub/sub is fire-and-forget, so nothing depends on it alone: the events themselves are in
//! Redis Streams, and a follower that misses a wake-up reads them at its next poll; every
//! other message is kept in the bus's backlog too (see `backlog`), which every replica
//! reads every heartbeat.

use std::sync::{Arc, Weak};
use std::time::Duration;

use redis::{PushInfo, PushKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

use super::connection::Connection;
use super::log;
use super::replica::{Replica, lock};
use crate::protocol::RequestId;
use crate::server::bus::Change;
use crate::server::store::StoreError;

/// One message on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub(super) enum Message {
    /// Stream `n` of session `s` has new events.
    Wake { s: String, n: u64 },
    /// The client cancelled request `id` of session `s`.
    Cancel { s: String, id: RequestId },
    /// The client answered the server's request `id` of session `s`.
    Answer {
        s: String,
        id: RequestId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        err: Option<Value>,
    },
    /// Session `s` ended.
    End { s: String },
    /// The shared list edits changed (to version `v`): every replica reads them again.
    Lists { v: i64 },
    /// `tasks/cancel` for task `task`: the replica running it stops it.
    #[serde(rename = "taskcancel")]
    TaskCancel { task: String },
    /// Task `task`'s record changed: status followers read it again.
    #[serde(rename = "taskstatus")]
    TaskStatus { task: String },
    /// A change to announce: its notification method, and the resource it names.
    Change {
        m: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        uri: Option<String>,
    },
}

/// How many shard channels the bus has on a Redis Cluster.
pub(super) const SHARDS: usize = 8;

impl Message {
    pub(super) fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether losing it would lose something (see `backlog`): wake-ups and list versions
    /// are looked for again anyway.
    fn kept(&self) -> bool {
        !matches!(self, Self::Wake { .. } | Self::Lists { .. })
    }

    /// The shard channel this message goes to on a cluster: by the session or task it
    /// concerns (FNV-1a of its id), so the messages of one keep their order.
    fn shard(&self) -> usize {
        let key = match self {
            Self::Wake { s, .. }
            | Self::Cancel { s, .. }
            | Self::Answer { s, .. }
            | Self::End { s } => s,
            Self::TaskCancel { task } | Self::TaskStatus { task } => task,
            Self::Lists { .. } | Self::Change { .. } => return 0,
        };
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        usize::try_from(hash % SHARDS as u64).unwrap_or(0)
    }
}

/// The change a bus message announces (`None`: one this build does not know).
fn change_of(method: &str, uri: Option<String>) -> Option<Change> {
    if method == Change::ResourceUpdated(String::new()).method() {
        return uri.map(Change::ResourceUpdated);
    }
    Change::every_list_change()
        .into_iter()
        .find(|change| change.method() == method)
}

impl Message {
    /// The bus message announcing `change`.
    pub(super) fn change(change: &Change) -> Self {
        let uri = match change {
            Change::ResourceUpdated(uri) => Some(uri.clone()),
            _ => None,
        };
        Self::Change {
            m: change.method().to_owned(),
            uri,
        }
    }
}

/// Publishes a message on the bus; failures are logged (the bus is best-effort). A message
/// that must not be lost goes into the backlog too, numbered (`<number> <json>`), so a
/// replica that gets it both ways handles it once.
pub(super) async fn publish(replica: &Replica, message: Message) {
    let Ok(mut connection) = replica.connection().await else {
        tracing::warn!("Redis unavailable: bus message dropped: {message:?}");
        return;
    };
    let cluster = matches!(connection, Connection::Cluster(_));
    let shard = if cluster { message.shard() } else { 0 };
    let payload = if message.kept() {
        format!("{} {}", super::backlog::number(), message.encode())
    } else {
        message.encode()
    };
    let mut pipe = redis::pipe();
    if message.kept() {
        super::backlog::append_in(&mut pipe, replica, shard, &payload);
    }
    if cluster {
        pipe.cmd("SPUBLISH").arg(replica.keys.shard_channel(shard));
    } else {
        pipe.cmd("PUBLISH").arg(replica.keys.channel());
    }
    pipe.arg(&payload).ignore();
    if let Err(e) = replica.run(connection.run_each(&pipe)).await {
        tracing::warn!("bus message dropped: {e}");
    }
}

/// Announces a change: writes its notification to the `GET` stream of every session that
/// has one (kept there for a client that reconnects later, exactly once whichever replica
/// holds the stream), then tells every replica's subscriptions over the bus.
pub(super) async fn announce(replica: &Replica, change: Change) {
    let message = change.notification();
    let sessions: Result<Vec<String>, StoreError> = async {
        let mut connection = replica.connection().await?;
        let mut command = redis::cmd("ZRANGE");
        command.arg(replica.keys.standalone_set()).arg(0).arg(-1);
        replica
            .run(command.query_async::<Vec<String>>(&mut connection))
            .await
    }
    .await;
    match sessions {
        Ok(sessions) => {
            let mut gone = Vec::new();
            for sid in sessions {
                if let Change::ResourceUpdated(uri) = &change {
                    match subscribed(replica, &sid, uri).await {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(e) => {
                            tracing::warn!("resource update not delivered to a GET stream: {e}");
                            continue;
                        }
                    }
                }
                match log::push_standalone(replica, &sid, &message).await {
                    Ok(true) => {}
                    Ok(false) => gone.push(sid),
                    Err(e) => {
                        tracing::warn!("{} not delivered to a GET stream: {e}", change.method())
                    }
                }
            }
            if !gone.is_empty() {
                forget_streams(replica, gone).await;
            }
        }
        Err(e) => tracing::warn!("{} not delivered to GET streams: {e}", change.method()),
    }
    publish(replica, Message::change(&change)).await;
}

/// Whether session `sid` subscribed to the resource `uri`.
async fn subscribed(replica: &Replica, sid: &str, uri: &str) -> Result<bool, StoreError> {
    let mut connection = replica.connection().await?;
    let mut command = redis::cmd("SISMEMBER");
    command.arg(replica.keys.resources(sid)).arg(uri);
    let member = replica
        .run(command.query_async::<i64>(&mut connection))
        .await?;
    Ok(member == 1)
}

/// Drops ended sessions from the set of sessions with a `GET` stream.
async fn forget_streams(replica: &Replica, sessions: Vec<String>) {
    let Ok(mut connection) = replica.connection().await else {
        return;
    };
    let mut command = redis::cmd("ZREM");
    command.arg(replica.keys.standalone_set()).arg(sessions);
    if let Err(e) = replica
        .run(command.query_async::<i64>(&mut connection))
        .await
    {
        tracing::warn!("could not forget ended sessions' GET streams: {e}");
    }
}

/// Records that session `sid` has a `GET` stream open now, for announcements to reach it,
/// and forgets the sessions whose streams have been closed longer than the idle timeout
/// (their events have expired by then).
pub(super) async fn remember_stream(replica: &Replica, sid: &str) {
    let Ok(mut connection) = replica.connection().await else {
        return;
    };
    let mut pipe = redis::pipe();
    remember_in(&mut pipe, replica, sid);
    if let Err(e) = replica.run(pipe.query_async::<()>(&mut connection)).await {
        tracing::warn!("announcements may miss a GET stream: {e}");
    }
}

/// Adds [`remember_stream`]'s commands to a pipeline (the heartbeat's, for open streams).
pub(super) fn remember_in(pipe: &mut redis::Pipeline, replica: &Replica, sid: &str) {
    let now = replica.clock.now_ms();
    let set = replica.keys.standalone_set();
    pipe.cmd("ZADD").arg(&set).arg(now).arg(sid).ignore();
    pipe.cmd("ZREMRANGEBYSCORE")
        .arg(&set)
        .arg("-inf")
        .arg(now.saturating_sub(super::replica::millis(replica.timings.idle)))
        .ignore();
}

/// Acts on every message the bus brings this replica, until the replica is gone.
pub(super) async fn dispatch(replica: Weak<Replica>, mut pushes: UnboundedReceiver<PushInfo>) {
    while let Some(push) = pushes.recv().await {
        let Some(replica) = replica.upgrade() else {
            return;
        };
        match push.kind {
            PushKind::Message | PushKind::SMessage => {
                let payload = push.data.get(1).and_then(|v| match v {
                    redis::Value::BulkString(bytes) => std::str::from_utf8(bytes).ok(),
                    _ => None,
                });
                match payload {
                    Some(payload) => receive(&replica, payload),
                    None => tracing::warn!("unreadable bus message: {:?}", push.data),
                }
            }
            // Wake-ups may have been lost while disconnected: followers poll anyway. On a
            // cluster the connection dropped may have been to a node that a failover made a
            // replica, holding shard subscriptions: follow every shard channel again where
            // the cluster serves it now (a channel followed already stays followed once).
            PushKind::Disconnection => {
                tracing::warn!("lost the connection to Redis");
                replica.backlog.read_soon();
                if let Some(Connection::Cluster(_)) = replica.opened() {
                    for shard in 0..SHARDS {
                        let channel = replica.keys.shard_channel(shard);
                        tokio::spawn(follow_again(Arc::downgrade(&replica), channel));
                    }
                }
            }
            // A cluster node that stops serving a shard channel's slot (a failover made it
            // a replica, the slot moved) ends its subscribers' subscriptions; this replica
            // never ends its own, so it follows the channel again where it is now.
            PushKind::SUnsubscribe => {
                let channel = push.data.first().and_then(|v| match v {
                    redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
                    _ => None,
                });
                if let Some(channel) = channel {
                    tokio::spawn(follow_again(Arc::downgrade(&replica), channel));
                }
                replica.backlog.read_soon();
            }
            _ => {}
        }
    }
}

/// Follows every shard channel again once per lease, on a cluster: a subscription that a
/// failover ended without a word (the cluster client dropping its connection to a demoted
/// node) is back within a lease. Following a channel already followed changes nothing,
/// and one followed on two nodes of its shard brings its messages twice, which the bus's
/// receivers tolerate (every message is idempotent or deduplicated).
pub(super) async fn keep_following(replica: Weak<Replica>) {
    let Some(every) = replica.upgrade().map(|r| r.timings.lease) else {
        return;
    };
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Some(replica) = replica.upgrade() else {
            return;
        };
        let Some(Connection::Cluster(mut connection)) = replica.opened() else {
            return;
        };
        for shard in 0..SHARDS {
            let channel = replica.keys.shard_channel(shard);
            if let Err(e) = replica.run(connection.ssubscribe(&channel)).await {
                tracing::debug!(%channel, "could not follow the shard channel again: {e}");
            }
        }
    }
}

/// Subscribes to shard channel `channel` again, wherever the cluster serves it now: tried
/// a few times, as the cluster's new layout may take a moment to settle and be learned.
// Boxed: it opens the connection, whose opening starts the dispatch that calls it.
fn follow_again(
    replica: Weak<Replica>,
    channel: String,
) -> futures_util::future::BoxFuture<'static, ()> {
    Box::pin(async move {
        for attempt in 0..40u32 {
            tokio::time::sleep(Duration::from_millis(if attempt == 0 { 50 } else { 250 })).await;
            let Some(replica) = replica.upgrade() else {
                return;
            };
            let Ok(Connection::Cluster(mut connection)) = replica.connection().await else {
                return;
            };
            match replica.run(connection.ssubscribe(&channel)).await {
                Ok(()) => {
                    tracing::info!(%channel, "following the bus's shard channel again after the cluster moved it");
                    return;
                }
                Err(e) => tracing::debug!(%channel, "could not follow the shard channel yet: {e}"),
            }
        }
        tracing::warn!(%channel, "lost the bus's shard channel: cross-replica wake-ups rely on polling");
    })
}

/// Acts on one message from pub/sub or the backlog: a numbered one only the first time.
pub(super) fn receive(replica: &Arc<Replica>, payload: &str) {
    let json = match payload.split_once(' ') {
        Some((number, json)) if !payload.starts_with('{') => {
            let Ok(number) = number.parse::<u64>() else {
                tracing::warn!("unreadable bus message: {payload}");
                return;
            };
            if !replica.backlog.first_time(number) {
                return;
            }
            json
        }
        _ => payload,
    };
    match serde_json::from_str::<Message>(json) {
        Ok(message) => handle(replica, message),
        Err(e) => tracing::warn!("unreadable bus message ({e}): {payload}"),
    }
}

fn handle(replica: &Arc<Replica>, message: Message) {
    match message {
        Message::Wake { s, n } => replica.wake(&s, n),
        Message::Cancel { s, id } => {
            if let Some(local) = replica.find_local(&s) {
                local.calls.cancel(&id);
            }
        }
        Message::Answer { s, id, ok, err } => {
            let waiting = replica
                .find_local(&s)
                .and_then(|local| lock(&local.waiting).remove(&id));
            if let Some(sender) = waiting {
                let answer = match err {
                    Some(error) => Err(error),
                    None => Ok(ok.unwrap_or(Value::Null)),
                };
                let _ = sender.send(answer);
            }
        }
        Message::End { s } => {
            if let Some(local) = replica.find_local(&s) {
                local.ended.cancel();
            }
        }
        Message::Lists { v } => {
            replica.lists_version.send_replace(v);
        }
        Message::TaskCancel { task } => {
            // Nobody running tasks here is not an error.
            let _ = replica.task_cancels.send(task);
        }
        Message::TaskStatus { task } => {
            // Nobody following is not an error.
            let _ = replica.task_statuses.send(task);
        }
        Message::Change { m, uri } => {
            // The GET streams have it already (see `announce`); subscriptions here follow.
            if let Some(change) = change_of(&m, uri) {
                // Nobody following is not an error.
                let _ = replica.changes.send(change);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let messages = [
            Message::Wake {
                s: "a".into(),
                n: 3,
            },
            Message::Cancel {
                s: "a".into(),
                id: RequestId::String("x".into()),
            },
            Message::Answer {
                s: "a".into(),
                id: RequestId::Number(4),
                ok: Some(serde_json::json!({"action": "accept"})),
                err: None,
            },
            Message::End { s: "a".into() },
            Message::TaskCancel { task: "t".into() },
            Message::TaskStatus { task: "t".into() },
            Message::Lists { v: 3 },
            Message::change(&Change::ToolsListChanged),
            Message::change(&Change::ResourceUpdated("notes://1".into())),
        ];
        for message in messages {
            let decoded: Message = serde_json::from_str(&message.encode()).expect("decodes");
            assert_eq!(decoded, message);
        }
        assert_eq!(
            change_of(Change::ToolsListChanged.method(), None),
            Some(Change::ToolsListChanged)
        );
        assert_eq!(
            change_of(Change::PromptsListChanged.method(), None),
            Some(Change::PromptsListChanged)
        );
        let updated = Change::ResourceUpdated("notes://1".into());
        assert_eq!(
            change_of(updated.method(), Some("notes://1".into())),
            Some(updated)
        );
        assert_eq!(change_of("notifications/unknown", None), None);
    }

    #[test]
    fn one_session_keeps_to_one_shard_and_sessions_spread() {
        let wake = |s: &str| Message::Wake { s: s.into(), n: 1 };
        let end = |s: &str| Message::End { s: s.into() };
        assert_eq!(wake("abc").shard(), end("abc").shard());
        let shards: std::collections::HashSet<usize> = (0..64)
            .map(|i| wake(&format!("session-{i}")).shard())
            .collect();
        assert_eq!(shards.len(), SHARDS, "{shards:?}");
    }
}
