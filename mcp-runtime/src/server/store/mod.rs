//! Where what outlives one request is kept: sessions, their SSE event logs, and the bus
//! that fans announcements out. The engine and the transports see only these traits, so a
//! store shared by many replicas (Redis) makes any replica able to serve any request of
//! any session, with no change to the engine.
//!
//! Everything that a network store would have to wait for is async. The in-process
//! [`memory`] store is the default.

pub(crate) mod memory;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod tasks;

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::bus::Change;
use super::inflight::InFlightGuard;
use crate::context::CallSession;
use crate::protocol::types::Implementation;
use crate::protocol::{LogLevel, ProtocolVersion, RequestId};

/// Why a store could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StoreError {
    /// It could not be reached or answered wrongly: requests that need it fail fast.
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
    /// A stream's reader took nothing for this long while the stream was full: the request
    /// that writes it is cut off rather than buffered without bound.
    #[error("the client read nothing of this stream for {0:?} while it was full")]
    Stalled(std::time::Duration),
    /// The store holds as many sessions as it may, and every one is in use.
    #[error(
        "the server has {0} sessions open, as many as it accepts, and each has a request in flight or a stream open: retry later"
    )]
    Full(usize),
    /// The client holds as many sessions as one client may, and every one is in use.
    #[error(
        "this client has {0} sessions open, as many as one client may, and each has a request in flight or a stream open: end one (DELETE) or retry later"
    )]
    ClientFull(usize),
}

/// What `initialize` learned, to open a session with.
#[derive(Debug, Clone)]
pub(crate) struct NewSession {
    pub(crate) protocol_version: ProtocolVersion,
    pub(crate) client_info: Implementation,
    pub(crate) client_capabilities: Map<String, Value>,
    /// The id to open it under (a transport that named it before it existed: the legacy
    /// HTTP+SSE transport); `None`: a fresh random one.
    pub(crate) id: Option<Arc<str>>,
    /// Whom the session counts against (`max_sessions_per_client`); `None`: nobody known.
    pub(crate) client: Option<crate::server::admission::ClientKey>,
}

/// Sessions, by id. Ids are 128 random bits, unique across processes.
pub(crate) trait SessionStore: Send + Sync + 'static {
    /// Opens a session with a fresh, unguessable id.
    fn create(&self, new: NewSession) -> BoxFuture<'_, Result<SessionRef, StoreError>>;

    /// The live session with this id (`None` if it ended, expired or never existed); using
    /// it keeps it alive.
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SessionRef>, StoreError>>;

    /// Ends a session: cancels its calls, closes its streams; `false` if there was none.
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// The sessions with live state in this process (open streams, running calls): what
    /// a graceful shutdown of this process must end.
    fn local(&self) -> Vec<SessionRef>;

    /// Ends expired sessions now.
    fn sweep(&self);

    /// How many sessions are open.
    fn len(&self) -> usize;
}

/// What a try for a slot among a session's running tool calls found.
#[derive(Debug)]
#[cfg_attr(
    not(feature = "redis"),
    allow(dead_code, reason = "only the Redis store shares its count")
)]
pub(crate) enum SlotTry {
    /// The store counts no other process's calls: this process's own count is the count.
    Unshared,
    /// A slot, held until this is dropped.
    Taken(Box<dyn std::any::Any + Send + Sync>),
    /// Every slot is taken, across replicas; this changes when one may have freed (the
    /// caller looks again now and then too: a wake-up may be lost).
    Full(tokio::sync::watch::Receiver<()>),
}

/// A shared handle to a session.
pub(crate) type SessionRef = Arc<dyn Session>;

/// One client's session of the handshake era.
pub(crate) trait Session: Send + Sync + fmt::Debug + 'static {
    fn id(&self) -> &str;
    /// This session as the calls running in it see it.
    fn for_call(self: Arc<Self>) -> Arc<dyn CallSession>;
    fn protocol_version(&self) -> ProtocolVersion;
    fn client_info(&self) -> &Implementation;
    /// The `capabilities` the client declared in `initialize`.
    fn client_capabilities(&self) -> &Map<String, Value>;
    /// The least severe log level the client wants (all until it says).
    fn log_level(&self) -> LogLevel;

    /// `notifications/initialized` arrived: the session is past its handshake.
    fn mark_initialized(&self) -> BoxFuture<'_, Result<(), StoreError>>;
    /// `logging/setLevel`.
    fn set_log_level(&self, level: LogLevel) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Subscribes the session to updates of the resource `uri` (`on`), or ends that
    /// subscription (handshake era's `resources/subscribe` and `resources/unsubscribe`).
    fn subscribe_resource(&self, uri: &str, on: bool) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Keeps the session from expiring: for transports whose connection is the session
    /// (stdio) and which end it when the connection ends.
    fn pin(&self);

    /// Registers a request in flight; its token is cancelled by [`cancel_call`] for its id
    /// or by the end of the session. An id already in flight is refused.
    ///
    /// [`cancel_call`]: Session::cancel_call
    ///
    /// A store shared by replicas checks the id across all of them.
    fn start_call<'a>(
        &'a self,
        id: &'a RequestId,
    ) -> BoxFuture<'a, Result<(CancellationToken, InFlightGuard), Box<crate::server::Refusal>>>;
    /// Cancels the request with this id, wherever it runs.
    fn cancel_call(&self, id: &RequestId);

    /// Takes one of the `limit` slots for the session's tool calls running at once
    /// (`max_calls_per_session`), counted across replicas by a store shared by them; one
    /// process counts its own ([`SlotTry::Unshared`], the default).
    fn take_call_slot(&self, limit: usize) -> BoxFuture<'_, Result<SlotTry, StoreError>> {
        let _ = limit;
        Box::pin(std::future::ready(Ok(SlotTry::Unshared)))
    }

    /// Registers a request this server sends to the client (elicitation, sampling, roots)
    /// under `id`: the receiver resolves with the client's answer, whichever replica it
    /// reaches. Dropping the receiver forgets the request.
    fn expect_answer(
        &self,
        id: RequestId,
    ) -> BoxFuture<'_, Result<tokio::sync::oneshot::Receiver<Answer>, StoreError>>;
    /// Hands the client's answer to whoever waits for it; `false` if nobody does (an
    /// unknown or expired id).
    fn answer(&self, id: RequestId, answer: Answer) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Opens a new event log (for a POST reply that became SSE).
    fn open_stream(&self) -> BoxFuture<'_, Result<Arc<dyn EventLog>, StoreError>>;
    /// Opens the event log of the reply to `request`, run by this process: a store shared
    /// by replicas keeps a lease on it, so a client resuming it elsewhere learns (with an
    /// error for `request`) when this process died before it answered.
    fn open_call_stream<'a>(
        &'a self,
        request: Option<&'a RequestId>,
    ) -> BoxFuture<'a, Result<Arc<dyn EventLog>, StoreError>> {
        let _ = request;
        self.open_stream()
    }
    /// The log with this id, if it is still kept.
    fn stream(&self, id: u64) -> BoxFuture<'_, Result<Option<Arc<dyn EventLog>>, StoreError>>;
    /// The log of server-initiated messages (the `GET` stream), created on first use.
    fn standalone(&self) -> Arc<dyn EventLog>;
    /// Attaches a listener to the standalone stream; `None` if one is already attached
    /// (in any replica, with a store shared by replicas).
    fn attach_standalone(&self) -> BoxFuture<'_, Result<Option<StandaloneGuard>, StoreError>>;
    /// Ends the standalone stream's listeners (graceful shutdown).
    fn close_standalone(&self);
}

/// The client's answer to a request of the server: its `result`, or its `error` object.
pub(crate) type Answer = Result<Value, Value>;

impl<S: Session> CallSession for S {
    fn protocol_version(&self) -> ProtocolVersion {
        Session::protocol_version(self)
    }

    fn client_info(&self) -> &Implementation {
        Session::client_info(self)
    }

    fn client_capabilities(&self) -> &Map<String, Value> {
        Session::client_capabilities(self)
    }

    fn await_answer(
        &self,
        id: RequestId,
    ) -> BoxFuture<'_, Result<tokio::sync::oneshot::Receiver<Answer>, String>> {
        Box::pin(async move { (self.expect_answer(id).await).map_err(|e| e.to_string()) })
    }
}

/// Holds a session's standalone stream attached while a client listens on it.
pub(crate) struct StandaloneGuard {
    pub(crate) log: Arc<dyn EventLog>,
    pub(crate) release: Box<dyn FnOnce() + Send + Sync>,
}

impl Drop for StandaloneGuard {
    fn drop(&mut self) {
        let release = std::mem::replace(&mut self.release, Box::new(|| {}));
        release();
    }
}

/// The id of one SSE event: `<stream>-<seq>`, unique within its session, naming its
/// stream so a resumption replays that stream only. Sequence 0 is the priming event.
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

/// One event to send: its id and its JSON-RPC message.
pub(crate) type LoggedEvent = (EventId, Bytes);

/// Where a subscription to an event log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// After the newest event: only what is pushed from now on.
    Now,
    /// After this sequence number: a resumption.
    After(u64),
}

/// Why a resumption cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresumable {
    /// Events after the cursor were already dropped, or the cursor names an event the
    /// stream never had.
    Evicted,
    /// The stream has ended and nothing follows the cursor: an empty stream that ends at
    /// once would have a client that resumes until it has the response come back forever.
    Finished,
    /// The store could not be reached.
    Unavailable(StoreError),
}

/// The events of one SSE stream, kept for replay with `Last-Event-ID`.
pub(crate) trait EventLog: Send + Sync + fmt::Debug + 'static {
    fn id(&self) -> u64;
    /// Appends a message, waiting while the stream's readers are too far behind (so a
    /// slow reader slows the request down instead of losing events); fails with
    /// [`StoreError::Stalled`] when they take nothing for too long.
    fn push(&self, message: Bytes) -> BoxFuture<'_, Result<EventId, StoreError>>;
    /// No more events will come: subscribers end after the last one.
    fn close(&self) -> BoxFuture<'_, ()>;
    /// Ends the connections now following the stream once they have sent the events pushed
    /// so far, while the stream goes on (SEP-1699 polling).
    fn detach(&self) -> BoxFuture<'_, ()>;
    /// The events after `from`, then the live ones until the stream closes (or detaches).
    /// Also returns the sequence number the subscription starts after (for priming).
    fn subscribe(
        &self,
        from: Cursor,
    ) -> BoxFuture<'_, Result<(u64, BoxStream<'static, LoggedEvent>), Unresumable>>;
}

/// A whole store: sessions, their logs, and the bus.
pub(crate) trait Store: SessionStore + Bus {}

impl<T: SessionStore + Bus> Store for T {}

/// Fans announcements out to every follower, in this process or (with a network store)
/// in every replica.
pub(crate) trait Bus: Send + Sync + 'static {
    /// Announces a change to every session (on its standalone stream) and every
    /// subscription.
    fn announce(&self, change: Change);
    /// Follows the changes announced from now on.
    fn changes(&self) -> BoxStream<'static, Change>;

    /// Shares a list edit made here with every other replica (and ones started later);
    /// one process has nobody to tell.
    fn share_list_edit(&self, edit: super::lists::ListEdit) {
        let _ = edit;
    }

    /// Every list edit replicas shared, as a whole table: once at first, then again
    /// whenever it changed. `None` without other replicas.
    fn list_edits(&self) -> Option<BoxStream<'static, Vec<super::lists::ListEdit>>> {
        None
    }
}

/// The changes a bus's broadcast channel carries, as a stream. A follower that fell behind
/// gets one of each list change instead of what it missed: they are idempotent, one stands
/// for all.
pub(crate) fn changes_of(
    mut receiver: tokio::sync::broadcast::Receiver<Change>,
) -> BoxStream<'static, Change> {
    use tokio::sync::broadcast::error::RecvError;
    Box::pin(async_stream::stream! {
        loop {
            match receiver.recv().await {
                Ok(change) => yield change,
                Err(RecvError::Lagged(_)) => {
                    for change in Change::every_list_change() {
                        yield change;
                    }
                }
                Err(RecvError::Closed) => break,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_round_trip() {
        let id = EventId { stream: 3, seq: 14 };
        assert_eq!(id.to_string(), "3-14");
        assert_eq!(EventId::parse("3-14"), Some(id));
        assert_eq!(EventId::parse("nope"), None);
        assert_eq!(EventId::parse("1-x"), None);
        assert_eq!(EventId::parse("1-18446744073709551616"), None, "past u64");
        assert_eq!(EventId::parse("+1-2"), None, "no signs");
        assert_eq!(EventId::parse("1--2"), None);
        assert_eq!(EventId::parse("1-"), None);
        assert_eq!(
            EventId::parse("1-18446744073709551615"),
            Some(EventId {
                stream: 1,
                seq: u64::MAX
            })
        );
    }
}
