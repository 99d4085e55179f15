//! Request bodies, read under limits before any handler sees them: a size cap checked from
//! `Content-Length` before a byte is read, a deadline for the whole body, and a server-wide
//! budget for the bytes of all bodies being buffered at once.
//!
//! Handlers parse a body whole, so it must be buffered; without the budget, a few hundred
//! connections that each send most of a large body and then stall would pin gigabytes.
//! Bytes are counted as they arrive (chunked bodies included), not from `Content-Length`:
//! a client that announces 4 MB and sends nothing holds nothing. The last sixteenth of the
//! budget is kept for the first [`SMALL_BODY`] bytes of each body, so small requests still
//! get through while large ones fill the rest.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::extract::Request;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::future::Either;
use futures_util::{FutureExt as _, StreamExt as _};
use http::header::{CONNECTION, CONTENT_LENGTH, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, StatusCode};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::config::HttpLimits;
use super::reply::Rejection;

/// Bytes at the start of every body that may use the budget's reserved last sixteenth.
const SMALL_BODY: usize = 64 * 1024;

/// The bytes of request bodies buffered server-wide. Cloning shares the count.
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyBudget(Arc<Counter>);

#[derive(Debug, Default)]
struct Counter {
    held: AtomicUsize,
    peak: AtomicUsize,
    /// Woken when bytes are released while bodies wait for room.
    released: Notify,
    /// Bodies waiting for room: releases skip the `Notify` (a lock) while there are none.
    waiting: AtomicUsize,
}

impl BodyBudget {
    pub(crate) fn held(&self) -> usize {
        self.0.held.load(Ordering::Relaxed)
    }

    pub(crate) fn peak(&self) -> usize {
        self.0.peak.load(Ordering::Relaxed)
    }

    /// Takes `bytes` if the total stays within `cap`.
    fn try_take(&self, bytes: usize, cap: usize) -> bool {
        let taken = self
            .0
            .held
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
                held.checked_add(bytes).filter(|&total| total <= cap)
            });
        match taken {
            Ok(before) => {
                // Read first: a write on every body would bounce the line between cores.
                let now = before + bytes;
                if now > self.0.peak.load(Ordering::Relaxed) {
                    self.0.peak.fetch_max(now, Ordering::Relaxed);
                }
                true
            }
            Err(_) => false,
        }
    }

    fn give_back(&self, bytes: usize) {
        if bytes > 0 {
            // SeqCst with the waiter's increment and check: either it sees the room or we
            // see it waiting.
            self.0.held.fetch_sub(bytes, Ordering::SeqCst);
            if self.0.waiting.load(Ordering::SeqCst) > 0 {
                self.0.released.notify_waiters();
            }
        }
    }
}

/// What one body holds of the budget; given back when dropped.
struct Share {
    budget: BodyBudget,
    bytes: usize,
}

impl Share {
    /// Grows the share by `bytes`, waiting up to `wait` (and never past `deadline`) for room.
    async fn grow(
        &mut self,
        bytes: usize,
        total: usize,
        wait: Duration,
        deadline: Instant,
    ) -> Result<(), ()> {
        // A body's first bytes may use the whole budget; the rest leaves the reserve free.
        let cap = if self.bytes + bytes <= SMALL_BODY {
            total
        } else {
            total - total / 16
        };
        if self.budget.try_take(bytes, cap) {
            self.bytes += bytes;
            return Ok(());
        }
        let give_up = (Instant::now() + wait).min(deadline);
        let counter = &self.budget.0;
        let _waiting = Waiting::new(&counter.waiting);
        let taken = loop {
            let released = counter.released.notified();
            let mut released = std::pin::pin!(released);
            // Registered before the check, so a release between the two is not missed.
            released.as_mut().enable();
            if self.budget.try_take(bytes, cap) {
                break Ok(());
            }
            if tokio::time::timeout_at(give_up, released).await.is_err() {
                break Err(());
            }
        };
        if taken.is_ok() {
            self.bytes += bytes;
        }
        taken
    }
}

/// Counts a body as waiting for room, also when its request is dropped while it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes);
    }
}

/// The body limits with the budget they draw on: how a request body is read whole.
#[derive(Debug, Clone)]
pub(crate) struct BodyLimits {
    limits: HttpLimits,
    budget: BodyBudget,
}

/// A request body read whole, holding its share of the budget until dropped.
pub(crate) struct BufferedBody {
    pub(crate) bytes: Bytes,
    _share: Option<Share>,
}

impl BodyLimits {
    pub(crate) fn new(limits: HttpLimits, budget: BodyBudget) -> Self {
        Self { limits, budget }
    }

    /// Reads `body` whole within the body limit, budget and timeout; the response to send
    /// instead (413, 503, 408, 400) when it breaks one.
    pub(crate) async fn read(
        &self,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<BufferedBody, Response> {
        let empty = || BufferedBody {
            bytes: Bytes::new(),
            _share: None,
        };
        let length = match self.declared(headers, &body) {
            Err(refused) => return Err(refused.response()),
            Ok(None) => return Ok(empty()),
            Ok(Some(length)) => length,
        };
        match buffer(body, length, &self.limits, self.budget.clone()).await {
            Ok((bytes, share)) => Ok(BufferedBody {
                bytes,
                _share: Some(share),
            }),
            Err(refused) => Err(refused.response()),
        }
    }

    /// What the headers decide before a byte of the body is read: refused, nothing to read
    /// (`None`), or the length announced (0 when not announced).
    fn declared(&self, headers: &HeaderMap, body: &Body) -> Result<Option<usize>, Refused> {
        let Ok(length) = declared_length(headers) else {
            return Err(Refused::BadLength);
        };
        match length {
            Some(length) if length > self.limits.body_limit as u64 => {
                Err(Refused::TooLarge(self.limits.body_limit))
            }
            Some(0) => Ok(None),
            None if body.is_end_stream() => Ok(None),
            // Within the limit, so within `usize`.
            length => Ok(Some(length.map_or(0, |l| l as usize))),
        }
    }
}

/// The layer: buffers every request body under the limits, then passes the request on
/// with the whole body. Requests without a body pass straight through.
#[derive(Debug, Clone)]
pub(crate) struct BodyLimitLayer(BodyLimits);

impl BodyLimitLayer {
    pub(crate) fn new(limits: BodyLimits) -> Self {
        Self(limits)
    }
}

impl<S> tower_layer::Layer<S> for BodyLimitLayer {
    type Service = BodyLimit<S>;

    fn layer(&self, inner: S) -> BodyLimit<S> {
        BodyLimit {
            limits: self.0.clone(),
            inner,
        }
    }
}

/// The service [`BodyLimitLayer`] wraps around a route.
#[derive(Debug, Clone)]
pub(crate) struct BodyLimit<S> {
    limits: BodyLimits,
    inner: S,
}

type Buffering = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> tower_service::Service<Request> for BodyLimit<S>
where
    S: tower_service::Service<Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Either<Ready<Result<Response, Infallible>>, S::Future>, Buffering>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.limits.declared(request.headers(), request.body()) {
            Err(refused) => return Either::Left(Either::Left(ready(Ok(refused.response())))),
            Ok(None) => return Either::Left(Either::Right(self.inner.call(request))),
            Ok(Some(_)) => {}
        }
        // The clone that was made ready goes with this request (the tower idiom).
        let ready_one = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready_one);
        let limits = self.limits.clone();
        Either::Right(Box::pin(async move {
            let (parts, body) = request.into_parts();
            match limits.read(&parts.headers, body).await {
                Ok(body) => {
                    let response = inner
                        .call(Request::from_parts(parts, Body::from(body.bytes.clone())))
                        .await;
                    // Held until the handler is done with the body.
                    drop(body);
                    response
                }
                Err(refused) => Ok(refused),
            }
        }))
    }
}

/// The body's `Content-Length`, checked: one value (repeats must agree), digits only,
/// fits in `u64`.
fn declared_length(headers: &HeaderMap) -> Result<Option<u64>, ()> {
    let mut values = headers.get_all(CONTENT_LENGTH).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.any(|other| other != value) {
        return Err(());
    }
    let text = value.to_str().map_err(drop)?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    text.parse().map(Some).map_err(drop)
}

/// Why a body was not read whole.
#[derive(Debug)]
enum Refused {
    BadLength,
    TooLarge(usize),
    TimedOut {
        timeout: Duration,
        received: usize,
        declared: usize,
    },
    Unreadable(String),
    Busy,
}

impl Refused {
    /// The answer; it closes the connection, whose rest of the body is never read.
    fn response(self) -> Response {
        let (status, message) = match self {
            Self::BadLength => (
                StatusCode::BAD_REQUEST,
                "Content-Length must be one decimal number".to_owned(),
            ),
            Self::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than this server's limit of {limit} bytes"),
            ),
            Self::TimedOut {
                timeout,
                received,
                declared,
            } => (
                StatusCode::REQUEST_TIMEOUT,
                if declared > 0 {
                    format!(
                        "the request body did not arrive within {timeout:?}: {received} of the {declared} bytes Content-Length announced"
                    )
                } else {
                    format!(
                        "the request body did not arrive within {timeout:?} ({received} bytes came)"
                    )
                },
            ),
            Self::Unreadable(why) => (
                StatusCode::BAD_REQUEST,
                format!("the request body could not be read: {why}"),
            ),
            Self::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is buffering as many request bodies as it allows; retry shortly"
                    .to_owned(),
            ),
        };
        let busy = status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = Rejection::new(status, message).into_response(None);
        let headers = response.headers_mut();
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
        if busy {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Reads the whole body under the limits; the response to send instead when it breaks one.
async fn buffer(
    body: Body,
    hint: usize,
    limits: &HttpLimits,
    budget: BodyBudget,
) -> Result<(Bytes, Share), Refused> {
    let deadline = Instant::now() + limits.body_timeout;
    let mut share = Share { budget, bytes: 0 };
    // Most bodies arrive in one chunk: it is passed on as it is, without a copy. Others are
    // joined once at the end, so what is held is what was counted (no doubling buffer).
    let mut first: Option<Bytes> = None;
    let mut more: Vec<Bytes> = Vec::new();
    let mut stream = body.into_data_stream();
    loop {
        // What hyper already holds needs no timer (the common case: a small body that came
        // with its headers); the timer is set up only when the body keeps us waiting.
        let next = match stream.next().now_or_never() {
            Some(next) => next,
            None => match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    return Err(Refused::TimedOut {
                        timeout: limits.body_timeout,
                        received: share.bytes,
                        declared: hint,
                    });
                }
            },
        };
        let chunk = match next {
            None => break,
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => return Err(Refused::Unreadable(e.to_string())),
        };
        if share.bytes + chunk.len() > limits.body_limit {
            return Err(Refused::TooLarge(limits.body_limit));
        }
        let budget = limits.body_budget;
        let wait = limits.body_budget_wait;
        if share
            .grow(chunk.len(), budget, wait, deadline)
            .await
            .is_err()
        {
            return Err(Refused::Busy);
        }
        if first.is_none() {
            first = Some(chunk);
        } else {
            more.push(chunk);
        }
    }
    let bytes = match first {
        None => Bytes::new(),
        Some(one) if more.is_empty() => one,
        Some(one) => {
            let mut whole = BytesMut::with_capacity(share.bytes);
            whole.extend_from_slice(&one);
            for chunk in more {
                whole.extend_from_slice(&chunk);
            }
            whole.freeze()
        }
    };
    Ok((bytes, share))
}

/// The limits and the one budget that every router built from a [`Server`](crate::Server)
/// (and its clones) shares.
#[derive(Debug, Clone, Default)]
pub(crate) struct HttpOptions {
    pub(crate) limits: HttpLimits,
    pub(crate) budget: BodyBudget,
}

/// How much of the body budget is in use: for tests and metrics.
///
/// ```
/// let server = mcp_runtime::Server::new("metered");
/// let meter = server.body_meter();
/// assert_eq!(meter.held(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct BodyMeter(BodyBudget);

impl BodyMeter {
    pub(crate) fn new(budget: BodyBudget) -> Self {
        Self(budget)
    }

    /// Bytes of request bodies buffered right now.
    pub fn held(&self) -> usize {
        self.0.held()
    }

    /// The most ever buffered at once since the server was built.
    pub fn peak(&self) -> usize {
        self.0.peak()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_is_strict() {
        let length = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(CONTENT_LENGTH, HeaderValue::from_str(v).expect("value"));
            }
            declared_length(&headers)
        };
        assert_eq!(length(&[]), Ok(None));
        assert_eq!(length(&["12"]), Ok(Some(12)));
        assert_eq!(length(&["12", "12"]), Ok(Some(12)));
        for bad in [&["+12"][..], &["-1"], &["1 2"], &[""], &["12", "13"]] {
            assert_eq!(length(bad), Err(()), "{bad:?}");
        }
        assert_eq!(length(&["18446744073709551616"]), Err(()));
    }

    #[tokio::test]
    async fn the_budget_holds_and_keeps_a_reserve_for_small_bodies() {
        let budget = BodyBudget::default();
        let (wait, later) = (
            Duration::from_millis(20),
            Instant::now() + Duration::from_secs(60),
        );
        let mut big = Share {
            budget: budget.clone(),
            bytes: 0,
        };
        // 1 MiB budget: big bodies may use 15/16 of it.
        let total = 1024 * 1024;
        assert!(big.grow(900 * 1024, total, wait, later).await.is_ok());
        assert!(
            big.grow(100 * 1024, total, wait, later).await.is_err(),
            "reserve"
        );
        let mut small = Share {
            budget: budget.clone(),
            bytes: 0,
        };
        assert!(small.grow(60 * 1024, total, wait, later).await.is_ok());
        assert_eq!(budget.held(), 960 * 1024);
        drop(big);
        drop(small);
        assert_eq!(budget.held(), 0);
        assert_eq!(budget.peak(), 960 * 1024);
    }

    #[tokio::test]
    async fn a_waiting_body_gets_room_when_another_lets_go() {
        let budget = BodyBudget::default();
        let mut first = Share {
            budget: budget.clone(),
            bytes: 0,
        };
        assert!(
            first
                .grow(1000, 1000, Duration::ZERO, Instant::now())
                .await
                .is_ok()
        );
        let waiter = tokio::spawn({
            let budget = budget.clone();
            async move {
                let mut second = Share { budget, bytes: 0 };
                let later = Instant::now() + Duration::from_secs(60);
                second
                    .grow(500, 1000, Duration::from_secs(5), later)
                    .await
                    .is_ok()
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        assert!(waiter.await.expect("task"), "room was given back");
    }
}
