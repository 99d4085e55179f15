//! SSE event logs in Redis Streams, so a `GET` with `Last-Event-ID` on any replica replays
//! what another replica sent, and follows what it still sends.
//!
//! Stream `n` of a session has a metadata hash (`seq`: its event counter; `closed`; `req`:
//! the JSON-RPC id of the request it answers) and a Redis Stream of bounded length. Event
//! `seq` of the stream has the Redis entry id `<seq>-0` and the SSE id `<n>-<seq>`; the
//! counter is incremented in Redis, so ids stay unique whichever replica appends. Markers
//! (the stream ended; the stream was detached, SEP-1699) are entries `<seq>-1`, `<seq>-2`…:
//! after the event they follow, before the next. Every write is one Lua script, atomic, and
//! publishes a wake-up on the bus for the followers.
//!
//! A call stream also has a lease, refreshed by the replica running the call. A follower
//! that finds the stream silent and the lease gone knows the call is lost: it appends a
//! JSON-RPC error for the call and ends the stream, atomically and only once.

use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::{BoxStream, StreamExt as _};
use redis::streams::{StreamId, StreamRangeReply};
use tokio_util::sync::CancellationToken;

use super::bus::Message;
use super::replica::{Local, Replica, lock, millis};
use crate::protocol::jsonrpc::error_message;
use crate::protocol::{ErrorCode, RequestId, RpcError};
use crate::server::store::{Cursor, EventId, EventLog, LoggedEvent, StoreError, Unresumable};

/// How many entries one read takes.
const READ_BATCH: usize = 256;

/// Appends an event, unless the stream has ended or the session is gone, or (with a
/// window) `window` events or more are still untaken by the stream's readers: -3, wait.
/// KEYS: meta, events, session. ARGV: message, max length, TTL ms, channel, wake-up, window
/// (0: none).
static PUSH: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
if redis.call('EXISTS', KEYS[3]) == 0 then return -2 end
if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return -1 end
local window = tonumber(ARGV[6])
if window > 0 then
  local state = redis.call('HMGET', KEYS[1], 'seq', 'taken')
  if tonumber(state[1] or '0') - tonumber(state[2] or '0') >= window then return -3 end
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-*', 'm', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return seq
",
    )
});

/// Appends a marker (`end` once; `detach` any time).
/// KEYS: meta, events. ARGV: kind, max length, TTL ms, channel, wake-up.
static MARK: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return 0 end
if ARGV[1] == 'end' then redis.call('HSET', KEYS[1], 'closed', 1) end
local seq = redis.call('HGET', KEYS[1], 'seq') or '0'
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-*', 'k', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
",
    )
});

/// Records that a reader has taken the events up to `seq`; wakes the writer if it may be
/// waiting for room (the untaken events were at the window).
/// KEYS: meta. ARGV: seq, window, channel, wake-up.
static TAKE: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local state = redis.call('HMGET', KEYS[1], 'seq', 'taken')
local taken = tonumber(state[2] or '0')
if tonumber(ARGV[1]) <= taken then return 0 end
redis.call('HSET', KEYS[1], 'taken', ARGV[1])
if tonumber(state[1] or '0') - taken >= tonumber(ARGV[2]) then
  redis.call('PUBLISH', ARGV[3], ARGV[4])
end
return 1
",
    )
});

/// Ends a stream whose call was lost (lease gone, not ended) with the error message.
/// KEYS: meta, events, lease. ARGV: error message, max length, TTL ms, channel, wake-up.
/// Returns -1 when the stream is gone, 1 when it wrote the error, 0 otherwise.
static LOST: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-*', 'm', ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-*', 'k', 'end')
redis.call('HSET', KEYS[1], 'closed', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
",
    )
});

/// Opens call stream number `HINCRBY session n`, with its lease.
/// KEYS: session. ARGV: session key base, request id (JSON or ''), TTL ms, lease ms.
/// Returns the stream's number, or -2 when the session is gone.
pub(super) static OPEN: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local meta = ARGV[1] .. 'm:' .. n
redis.call('HSET', meta, 'seq', 0)
if ARGV[2] ~= '' then redis.call('HSET', meta, 'req', ARGV[2]) end
redis.call('PEXPIRE', meta, ARGV[3])
redis.call('SET', ARGV[1] .. 'l:' .. n, 1, 'PX', ARGV[4])
return n
",
    )
});

/// One stream of one session, in Redis. Stream 0 is the session's `GET` stream.
#[derive(Debug)]
pub(super) struct RedisLog {
    replica: Arc<Replica>,
    /// The session's live state here: its end ends the followers here.
    local: Arc<Local>,
    sid: Arc<str>,
    id: u64,
    /// The request a call stream answers (for the error when its call is lost).
    request: Option<RequestId>,
    /// The stream whose call runs here: closing it stops refreshing its lease.
    owner: bool,
}

/// Runs one of the write scripts on stream `stream` of session `sid`, with the arguments
/// they share.
async fn write(
    replica: &Replica,
    sid: &str,
    stream: u64,
    script: &redis::Script,
    third_key: Option<String>,
    first_arg: &[u8],
) -> Result<i64, StoreError> {
    let keys = &replica.keys;
    let mut invocation = script.key(keys.meta(sid, stream));
    invocation.key(keys.events(sid, stream));
    if let Some(key) = third_key {
        invocation.key(key);
    }
    let wake_up = Message::Wake {
        s: sid.to_owned(),
        n: stream,
    };
    invocation
        .arg(first_arg)
        .arg(replica.timings.replay_events.max(1))
        .arg(millis(replica.timings.idle))
        .arg(keys.channel())
        .arg(wake_up.encode())
        // The window of `PUSH` for a call stream; the `GET` stream's announcements are
        // appended without waiting (they repeat themselves), and other scripts ignore it.
        .arg(if stream == 0 {
            0
        } else {
            window(&replica.timings)
        });
    let mut connection = replica.connection().await?;
    let written = replica
        .run(invocation.invoke_async::<i64>(&mut connection))
        .await?;
    // Followers here need not wait for the bus.
    replica.wake(sid, stream);
    Ok(written)
}

/// How many untaken events a call stream may hold before its writer waits: half of what
/// it keeps, so the other half stays for a client that reconnects and resumes.
fn window(timings: &super::replica::Timings) -> u64 {
    u64::try_from(timings.replay_events / 2)
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Appends `message` to the `GET` stream of session `sid`; `false` if the session is gone.
pub(super) async fn push_standalone(
    replica: &Replica,
    sid: &str,
    message: &[u8],
) -> Result<bool, StoreError> {
    let session = replica.keys.session(sid);
    Ok(write(replica, sid, 0, &PUSH, Some(session), message).await? != -2)
}

/// A Redis Stream entry id, `<ms>-<seq>`, as numbers.
type EntryId = (u64, u64);

fn entry_id(text: &str) -> EntryId {
    let (ms, seq) = text.split_once('-').unwrap_or((text, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

impl RedisLog {
    /// The session's `GET` stream.
    pub(super) fn standalone(replica: Arc<Replica>, local: Arc<Local>) -> Self {
        Self::call(replica, local, 0, None, false)
    }

    /// Stream `id` of the session; `owner`: its call runs here.
    pub(super) fn call(
        replica: Arc<Replica>,
        local: Arc<Local>,
        id: u64,
        request: Option<RequestId>,
        owner: bool,
    ) -> Self {
        Self {
            replica,
            sid: local.record.id.clone(),
            local,
            id,
            request,
            owner,
        }
    }

    fn keys(&self) -> (String, String) {
        let keys = &self.replica.keys;
        (
            keys.meta(&self.sid, self.id),
            keys.events(&self.sid, self.id),
        )
    }

    /// Runs one of the write scripts with the arguments they share.
    async fn write(
        &self,
        script: &redis::Script,
        third_key: Option<String>,
        first_arg: &[u8],
    ) -> Result<i64, StoreError> {
        write(
            &self.replica,
            &self.sid,
            self.id,
            script,
            third_key,
            first_arg,
        )
        .await
    }

    async fn range(&self, after: &str) -> Result<Vec<StreamId>, StoreError> {
        let (_, events) = self.keys();
        let mut connection = self.replica.connection().await?;
        let mut command = redis::cmd("XRANGE");
        command
            .arg(events)
            .arg(format!("({after}"))
            .arg("+")
            .arg("COUNT")
            .arg(READ_BATCH);
        let read = command.query_async::<StreamRangeReply>(&mut connection);
        Ok(self.replica.run(read).await?.ids)
    }

    /// Where a subscription starts: the counter, whether the stream ended, the oldest and
    /// newest entries kept.
    async fn state(&self) -> Result<(u64, bool, Option<EntryId>, EntryId), StoreError> {
        let (meta, events) = self.keys();
        let mut connection = self.replica.connection().await?;
        // One transaction: the counter and the newest entry agree.
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(&meta).arg("seq").arg("closed");
        pipe.cmd("XRANGE")
            .arg(&events)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(1);
        pipe.cmd("XREVRANGE")
            .arg(&events)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1);
        let ((seq, closed), oldest, newest): (
            (Option<u64>, Option<String>),
            StreamRangeReply,
            StreamRangeReply,
        ) = self.replica.run(pipe.query_async(&mut connection)).await?;
        let first = |reply: StreamRangeReply| reply.ids.first().map(|e| entry_id(&e.id));
        Ok((
            seq.unwrap_or(0),
            closed.is_some(),
            first(oldest),
            first(newest).unwrap_or((0, 0)),
        ))
    }

    /// Records that a reader took the events up to `seq` (see [`TAKE`]). A failure only
    /// delays the writer until the next take or its stall timeout.
    async fn taken(&self, seq: u64) {
        let (meta, _) = self.keys();
        let wake_up = Message::Wake {
            s: self.sid.to_string(),
            n: self.id,
        };
        let mut invocation = TAKE.key(meta);
        invocation
            .arg(seq)
            .arg(window(&self.replica.timings))
            .arg(self.replica.keys.channel())
            .arg(wake_up.encode());
        let recorded = async {
            let mut connection = self.replica.connection().await?;
            self.replica
                .run(invocation.invoke_async::<i64>(&mut connection))
                .await
        };
        match recorded.await {
            Ok(_) => self.replica.wake(&self.sid, self.id),
            Err(e) => tracing::warn!("could not record what a reader took: {e}"),
        }
    }

    /// Whether the replica running the stream's call still holds its lease.
    async fn lease_held(&self) -> Result<bool, StoreError> {
        let mut connection = self.replica.connection().await?;
        let mut command = redis::cmd("EXISTS");
        command.arg(self.replica.keys.lease(&self.sid, self.id));
        let held = self
            .replica
            .run(command.query_async::<i64>(&mut connection))
            .await?;
        Ok(held == 1)
    }

    /// Ends the stream with an error for its call if the replica running it is gone;
    /// `true` if the stream itself is gone.
    async fn end_lost(&self) -> bool {
        let Some(request) = &self.request else {
            return false;
        };
        let error = RpcError::new(
            ErrorCode::INTERNAL_ERROR,
            "the server replica running this request stopped before it answered; its outcome is unknown: send the request again",
        );
        let message = error_message(Some(request), &error);
        let lease = self.replica.keys.lease(&self.sid, self.id);
        matches!(self.write(&LOST, Some(lease), &message).await, Ok(-1))
    }
}

impl EventLog for RedisLog {
    fn id(&self) -> u64 {
        self.id
    }

    fn push(&self, message: Bytes) -> BoxFuture<'_, Result<EventId, StoreError>> {
        async move {
            let session = self.replica.keys.session(&self.sid);
            let stall = self.replica.timings.stall;
            let deadline = tokio::time::Instant::now() + stall;
            loop {
                // Before the write, so a reader's take between the two is not missed.
                let mut woken = self.replica.waker(&self.sid, self.id);
                match self.write(&PUSH, Some(session.clone()), &message).await? {
                    -3 => {
                        // Full: wait for a reader to take some (on any replica), looking
                        // again each beat in case the wake-up was lost.
                        if tokio::time::Instant::now() >= deadline {
                            return Err(StoreError::Stalled(stall));
                        }
                        let beat = self.replica.timings.beat();
                        tokio::select! {
                            _ = woken.changed() => {}
                            () = tokio::time::sleep(beat) => {}
                            () = tokio::time::sleep_until(deadline) => {}
                        }
                    }
                    -2 => return Err(StoreError::Unavailable("the session has ended".into())),
                    -1 => {
                        return Err(StoreError::Unavailable(
                            "the stream has ended (its call was given up for lost)".into(),
                        ));
                    }
                    seq => {
                        return Ok(EventId {
                            stream: self.id,
                            seq: u64::try_from(seq).unwrap_or(0),
                        });
                    }
                }
            }
        }
        .boxed()
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        async move {
            if let Err(e) = self.write(&MARK, None, b"end").await {
                tracing::warn!("could not mark a stream ended in Redis: {e}");
            }
            if self.owner {
                lock(&self.local.owned).remove(&self.id);
            }
        }
        .boxed()
    }

    fn detach(&self) -> BoxFuture<'_, ()> {
        async move {
            if let Err(e) = self.write(&MARK, None, b"detach").await {
                tracing::warn!("could not detach a stream in Redis: {e}");
            }
        }
        .boxed()
    }

    fn subscribe(
        &self,
        from: Cursor,
    ) -> BoxFuture<'_, Result<(u64, BoxStream<'static, LoggedEvent>), Unresumable>> {
        async move {
            // Before reading, so no wake-up between the read and the wait is missed.
            let mut woken = self.replica.waker(&self.sid, self.id);
            if self.id == 0 {
                // Before the client hears of the stream, so no announcement misses it.
                super::bus::remember_stream(&self.replica, &self.sid).await;
            }
            let (seq, closed, oldest, newest) =
                self.state().await.map_err(Unresumable::Unavailable)?;
            let after = match from {
                Cursor::Now => seq,
                Cursor::After(after) => {
                    // `after` comes from the network: compare, never add to it.
                    let evicted = match oldest {
                        Some((ms, 0)) => after.saturating_add(1) < ms,
                        Some((ms, _)) => after < ms,
                        None => false,
                    };
                    if after > seq || evicted {
                        return Err(Unresumable::Evicted);
                    }
                    if closed && after == seq {
                        return Err(Unresumable::Finished);
                    }
                    after
                }
            };
            // Detaches already there concern earlier connections only.
            let attached_at = newest;
            let mut cursor = match from {
                Cursor::Now => format!("{}-{}", newest.0, newest.1),
                Cursor::After(after) => format!("{after}-0"),
            };
            let log = Self::call(
                self.replica.clone(),
                self.local.clone(),
                self.id,
                self.request.clone(),
                false,
            );
            let ended = self.local.ended.clone();
            // Only the GET stream ends here when this replica shuts down.
            let local_close = if self.id == 0 {
                self.local.standalone_closed.clone()
            } else {
                CancellationToken::new()
            };
            let beat = self.replica.timings.beat();
            let events = async_stream::stream! {
                // The lease was missing at the last look. A call is given up for lost only
                // when it is still missing a beat later: the replica running it renews it
                // every beat, also right after Redis comes back from an outage.
                let mut suspect = false;
                // The last event sent: a reader so slow that the bounded stream dropped
                // events it had not read yet must not skip them silently.
                let mut last_sent = after;
                loop {
                    woken.mark_unchanged();
                    let entries = match log.range(&cursor).await {
                        Ok(entries) => entries,
                        Err(e) => {
                            // The client resumes once Redis is back.
                            tracing::warn!("stream read failed, ending the connection: {e}");
                            break;
                        }
                    };
                    let mut done = false;
                    let empty = entries.is_empty();
                    let taken_before = last_sent;
                    for entry in entries {
                        let id = entry_id(&entry.id);
                        cursor = entry.id.clone();
                        if let Some(message) = entry.get::<Vec<u8>>("m") {
                            if id.0 != last_sent.saturating_add(1) {
                                // The client resumes and is told the events are gone.
                                tracing::warn!("a reader fell behind the replay buffer: ending its connection");
                                done = true;
                                break;
                            }
                            last_sent = id.0;
                            yield (EventId { stream: log.id, seq: id.0 }, Bytes::from(message));
                        } else {
                            match entry.get::<String>("k").as_deref() {
                                Some("end") => done = true,
                                Some("detach") if id > attached_at => done = true,
                                _ => {}
                            }
                        }
                        if done {
                            break;
                        }
                    }
                    // Every event yielded has been taken (the next poll is what resumed
                    // this): the writer may go on.
                    if last_sent > taken_before && log.id != 0 {
                        log.taken(last_sent).await;
                    }
                    if done {
                        break;
                    }
                    if !empty {
                        continue;
                    }
                    tokio::select! {
                        _ = woken.changed() => {}
                        () = tokio::time::sleep(beat), if log.request.is_some() => {
                            match log.lease_held().await {
                                Ok(true) => suspect = false,
                                Ok(false) if suspect => {
                                    if log.end_lost().await {
                                        break;
                                    }
                                }
                                Ok(false) => suspect = true,
                                Err(_) => {}
                            }
                        }
                        // Streams without a call poll too, in case a wake-up was lost.
                        () = tokio::time::sleep(beat), if log.request.is_none() => {}
                        () = ended.cancelled() => break,
                        () = local_close.cancelled() => break,
                    }
                }
            };
            Ok((after, events.boxed()))
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_order_markers_between_events() {
        assert_eq!(entry_id("5-0"), (5, 0));
        assert!(entry_id("5-1") > entry_id("5-0"));
        assert!(entry_id("5-1") < entry_id("6-0"));
        assert_eq!(entry_id("junk"), (0, 0));
    }
}
