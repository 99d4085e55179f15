//! The accept loop: HTTP/1.1 connections served by hyper under the connection limits, and
//! the graceful shutdown on SIGINT or SIGTERM.
//!
//! Our own loop rather than `axum::serve`, which has no timeouts and no connection cap:
//! - a client gets [`HttpLimits::header_timeout`] to send each request's headers, counted
//!   from the moment the connection opens or the request's first byte arrives (slowloris);
//! - a keep-alive connection idle for [`HttpLimits::idle_timeout`] is closed (hyper's own
//!   header timer starts as soon as a response ends, so it cannot tell the two apart);
//! - a connection whose socket stays full for [`HttpLimits::write_timeout`] (its client
//!   reads nothing) is closed, which drops the response and the call streaming into it;
//! - at [`HttpLimits::max_connections`], the idle connection cheapest to lose is closed to
//!   admit the new one ([`idle`]: never one in use; silent ones first, then the longest
//!   idle). Only when every connection is in use is a new one answered `503` with
//!   `Retry-After` and closed, rather than left waiting in the kernel's backlog where a
//!   client cannot tell a full server from a dead one. At most [`MAX_REFUSING`] such
//!   answers are in progress at once; past that, new connections are closed unanswered.
//! - `TCP_NODELAY` on every connection: without it, small SSE frames wait behind Nagle's
//!   algorithm and delayed ACKs (~40 ms each).

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::future::Either;
use futures_util::task::AtomicWaker;
use http::header::{CONNECTION, RETRY_AFTER};
use http::{HeaderValue, Request, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower_service::Service as _;

use super::Endpoint;
use super::client::Peer;
use super::config::HttpLimits;
use super::idle::{Connections, Idleness};
use super::reply::Rejection;
use super::shutdown::Shutdown;
use crate::observe;
use crate::server::ServerHandle;

/// How many over-limit connections may be in the middle of getting their `503` at once.
const MAX_REFUSING: usize = 64;

/// Serves `router` on `listener` until `shutdown` says stop.
///
/// On the first signal it stops accepting, ends the streams that never end by themselves
/// ([`ServerHandle::shutdown`]), lets requests in flight finish for up to
/// [`HttpLimits::drain_timeout`] while idle connections close, and stops at once on a
/// second signal. Dropping the returned future closes every connection.
pub(crate) async fn serve(
    listener: TcpListener,
    app: App,
    server: ServerHandle,
    limits: HttpLimits,
    mut shutdown: Shutdown,
) -> io::Result<()> {
    let live = Arc::new(AtomicUsize::new(0));
    let refusing = Arc::new(AtomicUsize::new(0));
    let registry = Connections::default();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: wait for some to close instead of
                        // spinning on the error.
                        tracing::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::warn!("could not set TCP_NODELAY: {e}");
                }
                let slot = Slot::take(&live, limits.max_connections).or_else(|| {
                    // The closed one gives its slot back as its task ends: until then the
                    // count runs one over.
                    registry.close_one_idle().then(|| {
                        observe::admission(observe::Resource::Connection, observe::Decision::Evicted);
                        Slot::force(&live)
                    })
                });
                if let Some(slot) = slot {
                    let app = app.clone();
                    let serving = Serving { peer, limits, registry: registry.clone() };
                    connections.spawn(connection(tcp, app, serving, slot));
                } else if let Some(slot) = Slot::take(&refusing, MAX_REFUSING) {
                    tracing::debug!("at the connection limit ({}): refusing", limits.max_connections);
                    observe::admission(observe::Resource::Connection, observe::Decision::Shed);
                    connections.spawn(refuse(tcp, limits, slot));
                }
            }
            Some(_) = connections.join_next() => {}
            () = shutdown.signalled() => break,
        }
    }
    drop(listener);
    server.shutdown();
    registry.drain_all();
    let drain = limits.drain_timeout;
    tracing::info!("shutting down: letting requests in flight finish (up to {drain:?})");
    tokio::select! {
        () = async { while connections.join_next().await.is_some() {} } => {}
        () = tokio::time::sleep(drain) => {
            tracing::warn!("requests still running after {drain:?}: stopping anyway");
        }
        () = shutdown.signalled() => tracing::warn!("second signal: stopping now"),
    }
    connections.shutdown().await;
    Ok(())
}

/// One of a limited number of places, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(count: &Arc<AtomicUsize>, max: usize) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(count.clone()))
    }
}

impl Slot {
    /// A place past the limit, for a connection admitted while another one is closing.
    fn force(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the accept loop serves: the router, and the MCP endpoint in it, called directly
/// for a `POST` (see [`Endpoint::serves`]).
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) router: Router,
    pub(crate) endpoint: Endpoint,
}

/// What a connection's task gets from the accept loop besides its socket.
struct Serving {
    peer: std::net::SocketAddr,
    limits: HttpLimits,
    registry: Connections,
}

/// Serves one connection, closing it when a timeout of [`Activity`] runs out or when the
/// accept loop needs its place.
async fn connection(tcp: TcpStream, app: App, serving: Serving, _slot: Slot) {
    let Serving {
        peer,
        limits,
        registry,
    } = serving;
    let activity = Arc::new(Activity::new());
    let _registration = registry.register(activity.clone());
    let io = TokioIo::new(Watched {
        inner: tcp,
        activity: activity.clone(),
    });
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(Peer(peer));
            let in_flight = activity.begin_request();
            let responding = if app.endpoint.serves(&request) {
                Either::Left(app.endpoint.call(request.map(Body::new)))
            } else {
                Either::Right(app.router.clone().call(request))
            };
            async move {
                let response = responding.await?;
                // The request is in flight until its body has gone out (an SSE stream).
                Ok::<_, Infallible>(response.map(|body| Tracked { body, in_flight }))
            }
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    // The watchdog's timer, registered only once armed. It is armed lazily: a deadline that
    // moves later (a request begins, a request ends and the idle clock restarts) leaves it
    // where it is, and when it fires the deadline is worked out again. So a busy connection
    // touches the timer wheel about once per timeout, not several times per request.
    let mut timer = std::pin::pin!(tokio::time::sleep_until(activity.start));
    let mut armed: Option<Instant> = None;
    let mut closing = false;
    let ended = std::future::poll_fn(|cx| {
        if let Poll::Ready(served) = conn.as_mut().poll(cx) {
            return Poll::Ready(Ended::Served(served));
        }
        activity.waker.register(cx.waker());
        let signals = activity.signals.swap(0, Ordering::AcqRel);
        if signals & CLOSE != 0 {
            return Poll::Ready(Ended::Evicted);
        }
        if signals & DRAIN != 0 && !closing {
            // Ends the connection once its request in flight, if any, is answered.
            conn.as_mut().graceful_shutdown();
            closing = true;
            cx.waker().wake_by_ref();
        }
        // Every change of phase happens inside `conn.poll` above (hyper drives the socket,
        // the service and the response body from this task), so a flag read here is enough:
        // waking the task for it would poll the whole connection again.
        if activity.changed.swap(false, Ordering::Relaxed) {
            if let Some(deadline) = activity.deadline(&limits) {
                if armed.is_none_or(|at| deadline < at) {
                    timer.as_mut().reset(deadline);
                    armed = Some(deadline);
                }
            }
        }
        while armed.is_some() {
            if timer.as_mut().poll(cx).is_pending() {
                break;
            }
            match activity.deadline(&limits) {
                Some(deadline) if deadline <= Instant::now() => {
                    return Poll::Ready(Ended::TimedOut);
                }
                Some(deadline) => {
                    timer.as_mut().reset(deadline);
                    armed = Some(deadline);
                }
                None => armed = None,
            }
        }
        Poll::Pending
    })
    .await;
    match ended {
        Ended::Served(Ok(())) => {}
        Ended::Served(Err(e)) => tracing::debug!("connection ended: {e}"),
        Ended::Evicted => tracing::debug!(
            "closing an idle connection to admit a new one (at the connection limit)"
        ),
        Ended::TimedOut => {
            tracing::debug!("closing a connection: {}", activity.why_closed());
        }
    }
}

/// Why [`connection`] returned.
enum Ended {
    /// hyper finished with the connection (the client closed it, or a graceful shutdown).
    Served(Result<(), hyper::Error>),
    /// The accept loop closed it to admit another.
    Evicted,
    /// A timeout of [`Activity`] ran out.
    TimedOut,
}

/// [`Activity::signals`]: the accept loop needs this connection's place.
const CLOSE: u8 = 1;
/// [`Activity::signals`]: the server is shutting down.
const DRAIN: u8 = 2;

/// What a connection is doing, for its timeouts: reading a request's headers (since when),
/// serving a request, or idle between requests (since when); and whether its writes are
/// blocked on a full socket (since when).
///
/// Written from inside the connection's own task (its reads, its service, its response
/// bodies) and read by the same task's watchdog, so the atomics are never contended.
struct Activity {
    start: Instant,
    /// Requests in flight, from their headers to the end of their response body.
    active: AtomicUsize,
    /// Bytes of a next request have arrived while nothing was in flight.
    reading: AtomicBool,
    /// Any byte has arrived on the connection.
    heard: AtomicBool,
    /// Milliseconds from `start` to the start of the current phase (reading or idle).
    since: AtomicU64,
    /// One more than the milliseconds from `start` to the write that found the socket full,
    /// while no write has gone through since; 0 while writes go through.
    blocked: AtomicU64,
    /// A phase began since the watchdog last looked: its deadline may be earlier.
    changed: AtomicBool,
    /// [`CLOSE`] and [`DRAIN`], set from other tasks, which then wake `waker`.
    signals: AtomicU8,
    /// The connection's task, for [`signals`](Self::signals).
    waker: AtomicWaker,
}

impl Activity {
    fn new() -> Self {
        // A new connection is reading its first request's headers.
        Self {
            start: Instant::now(),
            active: AtomicUsize::new(0),
            reading: AtomicBool::new(true),
            heard: AtomicBool::new(false),
            since: AtomicU64::new(0),
            blocked: AtomicU64::new(0),
            changed: AtomicBool::new(true),
            signals: AtomicU8::new(0),
            waker: AtomicWaker::new(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn on_read(&self) {
        if !self.heard.load(Ordering::Relaxed) {
            self.heard.store(true, Ordering::Release);
        }
        if self.active.load(Ordering::Acquire) == 0 && !self.reading.load(Ordering::Acquire) {
            self.since.store(self.now(), Ordering::Release);
            self.reading.store(true, Ordering::Release);
            self.changed.store(true, Ordering::Relaxed);
        }
    }

    /// A write returned: `Pending` (the socket is full) starts the write clock, anything
    /// else stops it.
    fn on_write<T>(&self, polled: &Poll<T>) {
        if polled.is_pending() {
            if self.blocked.load(Ordering::Acquire) == 0 {
                self.blocked.store(self.now() + 1, Ordering::Release);
                self.changed.store(true, Ordering::Relaxed);
            }
        } else if self.blocked.load(Ordering::Acquire) != 0 {
            self.blocked.store(0, Ordering::Release);
        }
    }

    fn begin_request(self: &Arc<Self>) -> InFlight {
        self.active.fetch_add(1, Ordering::AcqRel);
        self.reading.store(false, Ordering::Release);
        self.changed.store(true, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// When the connection must close if nothing changes. While a request is in flight only
    /// a blocked write counts (its body has its own timeout, and a call or a stream may take
    /// long).
    fn deadline(&self, limits: &HttpLimits) -> Option<Instant> {
        let blocked = self.blocked.load(Ordering::Acquire);
        let stuck = (blocked != 0)
            .then(|| self.start + Duration::from_millis(blocked - 1) + limits.write_timeout);
        if self.active.load(Ordering::Acquire) > 0 {
            return stuck;
        }
        let timeout = if self.reading.load(Ordering::Acquire) {
            limits.header_timeout
        } else {
            limits.idle_timeout
        };
        let since = Duration::from_millis(self.since.load(Ordering::Acquire));
        let phase = self.start + since + timeout;
        Some(stuck.map_or(phase, |stuck| stuck.min(phase)))
    }

    fn why_closed(&self) -> &'static str {
        if self.blocked.load(Ordering::Acquire) != 0 {
            "the client read nothing of its response within the write timeout"
        } else if self.reading.load(Ordering::Acquire) {
            "the request headers did not arrive within the header timeout"
        } else {
            "idle past the keep-alive idle timeout"
        }
    }
}

impl Idleness for Activity {
    fn idle_since(&self) -> Option<(bool, Instant)> {
        if self.active.load(Ordering::Acquire) > 0 || self.blocked.load(Ordering::Acquire) != 0 {
            return None;
        }
        let since = Duration::from_millis(self.since.load(Ordering::Acquire));
        Some((self.heard.load(Ordering::Acquire), self.start + since))
    }

    fn close(&self) {
        self.signals.fetch_or(CLOSE, Ordering::AcqRel);
        self.waker.wake();
    }

    fn drain(&self) {
        self.signals.fetch_or(DRAIN, Ordering::AcqRel);
        self.waker.wake();
    }
}

/// A request in flight; its end (the drop) starts the idle clock.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.since.store(activity.now(), Ordering::Release);
        activity.reading.store(false, Ordering::Release);
        activity.active.fetch_sub(1, Ordering::AcqRel);
        activity.changed.store(true, Ordering::Relaxed);
    }
}

/// A response body that keeps its request in flight until it is sent or dropped.
struct Tracked {
    body: Body,
    in_flight: InFlight,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked")
            .field("active", &self.in_flight.0.active)
            .finish()
    }
}

/// The socket, reporting each read, and each write that finds it full, to the connection's
/// [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.on_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.activity.on_write(&polled);
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.activity.on_write(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Answers a connection past the limit: reads its request, answers 503, closes. Bounded by
/// the header timeout, so a refused client cannot hold its place either.
async fn refuse(tcp: TcpStream, limits: HttpLimits, _slot: Slot) {
    let service = hyper::service::service_fn(move |_request: Request<Incoming>| async move {
        Ok::<_, Infallible>(full(limits.max_connections))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.keep_alive(false).header_read_timeout(None);
    let conn = builder.serve_connection(TokioIo::new(tcp), service);
    let _ = tokio::time::timeout(limits.header_timeout, conn).await;
}

fn full(max: usize) -> Response {
    let message =
        format!("the server is serving as many connections as it allows ({max}); retry shortly");
    let mut response = Rejection::new(StatusCode::SERVICE_UNAVAILABLE, message).into_response(None);
    let headers = response.headers_mut();
    headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
