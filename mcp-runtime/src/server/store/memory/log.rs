//! In-process SSE event logs: every message a session sends on a stream gets an event id,
//! and the last events of each stream are kept so a client can resume with `Last-Event-ID`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::{BoxStream, StreamExt as _};
use tokio::sync::watch;

use crate::server::store::{Cursor, EventId, EventLog, LoggedEvent, StoreError, Unresumable};

/// The events of one stream, the newest `capacity` kept for replay.
#[derive(Debug)]
pub(crate) struct StreamLog {
    id: u64,
    capacity: usize,
    state: Mutex<LogState>,
    /// Bumped on every push and on close, to wake subscribers.
    changed: watch::Sender<()>,
    /// Bumped when a subscriber takes events, to wake a push waiting for room.
    taken: watch::Sender<()>,
    /// How long a push waits for room before the stream is given up.
    stall_timeout: Duration,
}

#[derive(Debug)]
struct LogState {
    events: VecDeque<(u64, Bytes)>,
    next_seq: u64,
    closed: bool,
    /// How many times the stream was detached (see [`StreamLog::detach`]), and the last
    /// sequence number the connections attached before the latest detach still get.
    detaches: u64,
    detached_after: u64,
    /// The newest sequence number a subscriber has taken.
    delivered: u64,
}

impl StreamLog {
    pub(crate) fn new(id: u64, capacity: usize, stall_timeout: Duration) -> Self {
        Self {
            id,
            capacity: capacity.max(2),
            state: Mutex::new(LogState {
                events: VecDeque::new(),
                next_seq: 1,
                closed: false,
                detaches: 0,
                detached_after: 0,
                delivered: 0,
            }),
            changed: watch::Sender::new(()),
            taken: watch::Sender::new(()),
            stall_timeout,
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a message; the oldest is dropped once the log is full.
    pub(crate) fn append(&self, message: Bytes) -> EventId {
        let seq = {
            let mut state = self.lock();
            let seq = state.next_seq;
            state.next_seq += 1;
            state.events.push_back((seq, message));
            if state.events.len() > self.capacity {
                state.events.pop_front();
            }
            seq
        };
        self.changed.send_replace(());
        EventId {
            stream: self.id,
            seq,
        }
    }

    /// Appends a message once fewer than half the log's events are still untaken by its
    /// subscribers: the other half stays for a client that reconnects and resumes, so
    /// nothing is dropped that a resumption could still need. Fails when no subscriber takes
    /// anything for the stall timeout (the reader stopped, or never came back).
    pub(crate) async fn append_when_taken(&self, message: Bytes) -> Result<EventId, StoreError> {
        let mut taken = self.taken.subscribe();
        loop {
            taken.mark_unchanged();
            {
                let state = self.lock();
                let untaken = state.next_seq - 1 - state.delivered;
                if untaken < (self.capacity / 2) as u64 || state.closed {
                    drop(state);
                    return Ok(self.append(message));
                }
            }
            match tokio::time::timeout(self.stall_timeout, taken.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return Err(StoreError::Stalled(self.stall_timeout)),
            }
        }
    }

    fn mark_taken(&self, seq: u64) {
        let mut state = self.lock();
        if seq > state.delivered {
            state.delivered = seq;
            drop(state);
            self.taken.send_replace(());
        }
    }

    /// No more events will come: subscribers end after the last one.
    pub(crate) fn finish(&self) {
        self.lock().closed = true;
        self.changed.send_replace(());
    }

    /// Ends the connections now following the stream once they have sent the events pushed
    /// so far, while the stream goes on: a client resumes it with `Last-Event-ID`
    /// (SEP-1699 polling). Connections attached later are not affected.
    pub(crate) fn detach_now(&self) {
        {
            let mut state = self.lock();
            state.detaches += 1;
            state.detached_after = state.next_seq - 1;
        }
        self.changed.send_replace(());
    }

    /// The sequence number of the newest event (0 before the first).
    pub(crate) fn last_seq(&self) -> u64 {
        self.lock().next_seq - 1
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// The events after `after` (a sequence number of this stream), then the live ones
    /// until the stream closes. Fails when events after `after` were already dropped, and when
    /// the stream has ended with nothing after `after`.
    pub(crate) fn follow(
        self: &Arc<Self>,
        after: u64,
    ) -> Result<impl Stream<Item = LoggedEvent> + Send + 'static, Unresumable> {
        {
            let state = self.lock();
            let oldest_kept = state.events.front().map_or(state.next_seq, |(seq, _)| *seq);
            // `after` comes from the network: no arithmetic on it that could overflow.
            if after >= state.next_seq || after < oldest_kept.saturating_sub(1) {
                return Err(Unresumable::Evicted);
            }
            if state.closed && after + 1 == state.next_seq {
                return Err(Unresumable::Finished);
            }
        }
        let log = Arc::clone(self);
        let mut changed = self.changed.subscribe();
        let attached_at = self.lock().detaches;
        Ok(async_stream::stream! {
            let mut cursor = after;
            loop {
                changed.mark_unchanged();
                let (batch, closed, end) = {
                    let state = log.lock();
                    // Detached since we attached: stop after the events pushed before that.
                    let end = (state.detaches > attached_at).then_some(state.detached_after);
                    let batch: Vec<(u64, Bytes)> = state
                        .events
                        .iter()
                        .filter(|(seq, _)| *seq > cursor && end.is_none_or(|end| *seq <= end))
                        .cloned()
                        .collect();
                    (batch, state.closed, end)
                };
                for (seq, message) in batch {
                    cursor = seq;
                    yield (EventId { stream: log.id, seq }, message);
                    // Runs once the reader asks for the next event: this one is taken.
                    log.mark_taken(seq);
                }
                if end.is_some() || (closed && log.lock().next_seq == cursor + 1) {
                    break;
                }
                if changed.changed().await.is_err() {
                    break;
                }
            }
        })
    }
}

/// The in-process log: shared by reference, so a weak self is kept for `subscribe`.
#[derive(Debug)]
pub(crate) struct MemoryLog(pub(crate) Arc<StreamLog>);

impl EventLog for MemoryLog {
    fn id(&self) -> u64 {
        self.0.id()
    }

    fn push(&self, message: Bytes) -> BoxFuture<'_, Result<EventId, StoreError>> {
        self.0.append_when_taken(message).boxed()
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        self.0.finish();
        std::future::ready(()).boxed()
    }

    fn detach(&self) -> BoxFuture<'_, ()> {
        self.0.detach_now();
        std::future::ready(()).boxed()
    }

    fn subscribe(
        &self,
        from: Cursor,
    ) -> BoxFuture<'_, Result<(u64, BoxStream<'static, LoggedEvent>), Unresumable>> {
        let after = match from {
            Cursor::Now => self.0.last_seq(),
            Cursor::After(seq) => seq,
        };
        let followed = self.0.follow(after).map(|events| (after, events.boxed()));
        std::future::ready(followed).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STALL: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn replays_after_a_cursor_then_follows_live_until_closed() {
        let log = Arc::new(StreamLog::new(1, 10, STALL));
        log.append(Bytes::from_static(b"a"));
        log.append(Bytes::from_static(b"b"));
        let mut events = Box::pin(log.follow(1).expect("kept"));
        assert_eq!(
            events.next().await.map(|e| e.1),
            Some(Bytes::from_static(b"b"))
        );
        log.append(Bytes::from_static(b"c"));
        log.finish();
        let rest: Vec<_> = events.map(|(id, m)| (id.to_string(), m)).collect().await;
        assert_eq!(rest, [("1-3".to_owned(), Bytes::from_static(b"c"))]);
    }

    #[tokio::test]
    async fn detaching_ends_current_followers_after_what_was_pushed() {
        let log = Arc::new(StreamLog::new(1, 10, STALL));
        let early = log.follow(0).expect("kept");
        log.append(Bytes::from_static(b"a"));
        log.detach_now();
        log.append(Bytes::from_static(b"b"));
        let early: Vec<_> = early.map(|(_, m)| m).collect().await;
        assert_eq!(early, [Bytes::from_static(b"a")]);

        let resumed = log.follow(1).expect("kept");
        log.append(Bytes::from_static(b"c"));
        log.finish();
        let resumed: Vec<_> = resumed.map(|(_, m)| m).collect().await;
        assert_eq!(
            resumed,
            [Bytes::from_static(b"b"), Bytes::from_static(b"c")]
        );
    }

    #[tokio::test]
    async fn a_full_log_waits_for_its_reader_and_gives_up_on_one_that_stopped() {
        let log = Arc::new(StreamLog::new(1, 4, Duration::from_millis(200)));
        let mut reader = Box::pin(log.follow(0).expect("kept"));
        log.append_when_taken(Bytes::from_static(b"a"))
            .await
            .expect("room");
        log.append_when_taken(Bytes::from_static(b"b"))
            .await
            .expect("room");
        // Two untaken of four: the third push waits until the reader takes one.
        let third = {
            let log = log.clone();
            tokio::spawn(async move { log.append_when_taken(Bytes::from_static(b"c")).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!third.is_finished(), "waits for the reader");
        assert_eq!(
            reader.next().await.map(|e| e.1),
            Some(Bytes::from_static(b"a"))
        );
        assert_eq!(
            reader.next().await.map(|e| e.1),
            Some(Bytes::from_static(b"b"))
        );
        assert!(
            third.await.expect("task").is_ok(),
            "room once the reader took events"
        );
        // The reader stops (an event counts as taken once the reader asks for the next):
        // pushes give up after the stall timeout, and nothing pushed is dropped.
        let stalled = log.append_when_taken(Bytes::from_static(b"d")).await;
        assert_eq!(
            stalled,
            Err(StoreError::Stalled(Duration::from_millis(200)))
        );
        let rest: Vec<_> = {
            log.finish();
            reader.map(|e| e.1).collect().await
        };
        assert_eq!(rest, [Bytes::from_static(b"c")]);
    }

    #[test]
    fn the_largest_cursor_is_refused_not_an_overflow() {
        let log = Arc::new(StreamLog::new(1, 4, STALL));
        log.append(Bytes::from_static(b"a"));
        assert_eq!(log.follow(u64::MAX).err(), Some(Unresumable::Evicted));
        log.finish();
        assert_eq!(log.follow(u64::MAX).err(), Some(Unresumable::Evicted));

        // What `fuzz/` event_id found (from an empty corpus) before the cursor check was
        // made overflow-free: a panic on `u64::MAX + 1` in debug builds.
        let found = EventId::parse("7701-0000000000000000000000000000018446744073709551615")
            .expect("digits that fit in u64");
        assert_eq!(found.seq, u64::MAX);
        let log = Arc::new(StreamLog::new(found.stream, 4, STALL));
        assert_eq!(log.follow(found.seq).err(), Some(Unresumable::Evicted));
    }

    #[test]
    fn a_cursor_older_than_the_buffer_is_refused() {
        let log = Arc::new(StreamLog::new(1, 2, STALL));
        for m in ["a", "b", "c"] {
            log.append(Bytes::from(m));
        }
        assert_eq!(
            log.follow(0).err(),
            Some(Unresumable::Evicted),
            "event 1 was dropped"
        );
        assert!(log.follow(1).is_ok());
        assert_eq!(
            log.follow(u64::MAX).err(),
            Some(Unresumable::Evicted),
            "no overflow on a cursor from the network"
        );
        assert_eq!(
            log.follow(9).err(),
            Some(Unresumable::Evicted),
            "an id from the future"
        );
    }

    #[tokio::test]
    async fn an_ended_stream_resumes_only_while_something_follows_the_cursor() {
        let log = Arc::new(StreamLog::new(1, 10, STALL));
        log.append(Bytes::from_static(b"a"));
        log.append(Bytes::from_static(b"b"));
        log.finish();
        let rest: Vec<_> = log
            .follow(1)
            .expect("b follows")
            .map(|e| e.1)
            .collect()
            .await;
        assert_eq!(rest, [Bytes::from_static(b"b")]);
        assert_eq!(log.follow(2).err(), Some(Unresumable::Finished));

        let silent = Arc::new(StreamLog::new(2, 10, STALL));
        silent.finish();
        assert_eq!(
            silent.follow(0).err(),
            Some(Unresumable::Finished),
            "ended before its first event (a call cancelled at once)"
        );
    }
}
