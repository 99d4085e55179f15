//! SSE event logs: every message a session sends on a stream gets an event id, and the
//! last events of each stream are kept so a client can resume with `Last-Event-ID`.
//!
//! Event ids read `<stream>-<seq>`: unique within the session, and they name their stream,
//! so a resumption replays that stream only. Sequence 0 is the stream's priming event.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::watch;

/// The id of one SSE event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventId {
    pub(crate) stream: u64,
    pub(crate) seq: u64,
}

impl EventId {
    /// Reads a `Last-Event-ID` value; `None` if it is not one of ours: two decimal numbers
    /// that fit in `u64`, digits only (`str::parse` alone would also take a `+` sign).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let number = |digits: &str| {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()
        };
        let (stream, seq) = text.trim().split_once('-')?;
        Some(Self {
            stream: number(stream)?,
            seq: number(seq)?,
        })
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.stream, self.seq)
    }
}

/// One event to send: its id and its JSON-RPC message (empty for a priming event).
pub(crate) type LoggedEvent = (EventId, Bytes);

/// The events of one stream, the newest `capacity` kept for replay.
#[derive(Debug)]
pub(crate) struct StreamLog {
    id: u64,
    capacity: usize,
    state: Mutex<LogState>,
    /// Bumped on every push and on close, to wake subscribers.
    changed: watch::Sender<()>,
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
}

/// Why a resumption cannot be served.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unresumable {
    /// Events after the cursor were already dropped from the buffer, or the cursor names an
    /// event the stream never had.
    Evicted,
    /// The stream has ended and nothing follows the cursor: it would be an empty stream that
    /// ends at once (say, of a cancelled call, which gets no response), and a client that
    /// resumes until it has the response would come back for it forever.
    Finished,
}

impl StreamLog {
    pub(crate) fn new(id: u64, capacity: usize) -> Self {
        Self {
            id,
            capacity: capacity.max(1),
            state: Mutex::new(LogState {
                events: VecDeque::new(),
                next_seq: 1,
                closed: false,
                detaches: 0,
                detached_after: 0,
            }),
            changed: watch::Sender::new(()),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a message; the oldest is dropped once the log is full.
    pub(crate) fn push(&self, message: Bytes) -> EventId {
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

    /// No more events will come: subscribers end after the last one.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.changed.send_replace(());
    }

    /// Ends the connections now following the stream once they have sent the events pushed
    /// so far, while the stream goes on: a client resumes it with `Last-Event-ID`
    /// (SEP-1699 polling). Connections attached later are not affected.
    pub(crate) fn detach(&self) {
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
    pub(crate) fn subscribe(
        self: &Arc<Self>,
        after: u64,
    ) -> Result<impl Stream<Item = LoggedEvent> + Send + 'static, Unresumable> {
        {
            let state = self.lock();
            let oldest_kept = state.events.front().map_or(state.next_seq, |(seq, _)| *seq);
            if after.checked_add(1).is_none_or(|next| next < oldest_kept) || after >= state.next_seq
            {
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[test]
    fn event_ids_round_trip() {
        let id = EventId { stream: 3, seq: 14 };
        assert_eq!(id.to_string(), "3-14");
        assert_eq!(EventId::parse("3-14"), Some(id));
        assert_eq!(EventId::parse("nope"), None);
        assert_eq!(EventId::parse("1-x"), None);
        assert_eq!(EventId::parse("+1-2"), None, "no signs");
        assert_eq!(EventId::parse("1--2"), None);
        assert_eq!(EventId::parse("1-"), None);
        assert_eq!(EventId::parse("1-18446744073709551616"), None, "past u64");
        assert_eq!(
            EventId::parse("1-18446744073709551615"),
            Some(EventId {
                stream: 1,
                seq: u64::MAX
            })
        );
    }

    #[test]
    fn the_largest_cursor_is_refused_not_an_overflow() {
        let log = Arc::new(StreamLog::new(1, 4));
        log.push(Bytes::from_static(b"a"));
        assert_eq!(log.subscribe(u64::MAX).err(), Some(Unresumable::Evicted));
        log.close();
        assert_eq!(log.subscribe(u64::MAX).err(), Some(Unresumable::Evicted));

        // What `fuzz/` event_id found (from an empty corpus) before the cursor check was
        // made checked: a panic on `u64::MAX + 1` in debug builds.
        let found = EventId::parse("7701-0000000000000000000000000000018446744073709551615")
            .expect("digits that fit in u64");
        assert_eq!(found.seq, u64::MAX);
        let log = Arc::new(StreamLog::new(found.stream, 4));
        assert_eq!(log.subscribe(found.seq).err(), Some(Unresumable::Evicted));
    }

    #[tokio::test]
    async fn replays_after_a_cursor_then_follows_live_until_closed() {
        let log = Arc::new(StreamLog::new(1, 10));
        log.push(Bytes::from_static(b"a"));
        log.push(Bytes::from_static(b"b"));
        let mut events = Box::pin(log.subscribe(1).expect("kept"));
        assert_eq!(
            events.next().await.map(|e| e.1),
            Some(Bytes::from_static(b"b"))
        );
        log.push(Bytes::from_static(b"c"));
        log.close();
        let rest: Vec<_> = events.map(|(id, m)| (id.to_string(), m)).collect().await;
        assert_eq!(rest, [("1-3".to_owned(), Bytes::from_static(b"c"))]);
    }

    #[tokio::test]
    async fn detaching_ends_current_followers_after_what_was_pushed() {
        let log = Arc::new(StreamLog::new(1, 10));
        let early = log.subscribe(0).expect("kept");
        log.push(Bytes::from_static(b"a"));
        log.detach();
        log.push(Bytes::from_static(b"b"));
        let early: Vec<_> = early.map(|(_, m)| m).collect().await;
        assert_eq!(early, [Bytes::from_static(b"a")]);

        let resumed = log.subscribe(1).expect("kept");
        log.push(Bytes::from_static(b"c"));
        log.close();
        let resumed: Vec<_> = resumed.map(|(_, m)| m).collect().await;
        assert_eq!(
            resumed,
            [Bytes::from_static(b"b"), Bytes::from_static(b"c")]
        );
    }

    #[test]
    fn a_cursor_older_than_the_buffer_is_refused() {
        let log = Arc::new(StreamLog::new(1, 2));
        for m in ["a", "b", "c"] {
            log.push(Bytes::from(m));
        }
        assert_eq!(
            log.subscribe(0).err(),
            Some(Unresumable::Evicted),
            "event 1 was dropped"
        );
        assert!(log.subscribe(1).is_ok());
        assert_eq!(
            log.subscribe(9).err(),
            Some(Unresumable::Evicted),
            "an id from the future"
        );
    }

    #[tokio::test]
    async fn an_ended_stream_resumes_only_while_something_follows_the_cursor() {
        let log = Arc::new(StreamLog::new(1, 10));
        log.push(Bytes::from_static(b"a"));
        log.push(Bytes::from_static(b"b"));
        log.close();
        let rest: Vec<_> = log
            .subscribe(1)
            .expect("b follows")
            .map(|e| e.1)
            .collect()
            .await;
        assert_eq!(rest, [Bytes::from_static(b"b")]);
        assert_eq!(log.subscribe(2).err(), Some(Unresumable::Finished));

        let silent = Arc::new(StreamLog::new(2, 10));
        silent.close();
        assert_eq!(
            silent.subscribe(0).err(),
            Some(Unresumable::Finished),
            "ended before its first event (a call cancelled at once)"
        );
    }
}
