//! A tool call in flight: the tool's future and the frames it emits, as one stream.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{FutureExt as _, Stream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::inflight::InFlightGuard;
use tracing::Instrument as _;

use super::peer::rounds::until_input;
use super::peer::rounds_of;
pub(crate) use crate::context::Outgoing;
use crate::context::{CallContext, CallSetup, OUTBOX_CAPACITY, Outbox};
use crate::observe;
use crate::protocol::RequestId;
use crate::protocol::jsonrpc::{Complete, error_message, result_message};
use crate::tool::{Arguments, CallToolResult, ToolDef};

/// A `tools/call` in flight, as a stream of its notifications followed by its response.
///
/// Polling the stream drives the tool: no task is spawned here. Dropping the stream drops
/// the tool's future; so does cancellation, after which the stream ends with no response.
pub(crate) struct CallStream {
    /// `None` when the call can emit no frame, or has emitted none yet.
    frames: Option<mpsc::Receiver<Outgoing>>,
    /// The call's context while its outbox is lazy and not yet open: its receiver is
    /// taken from there once the first frame opened it.
    opening: Option<Arc<CallContext>>,
    /// The call, raced against its cancellation inside the one boxed future: `None` when
    /// it was cancelled (the tool is dropped where it stands, no response is sent).
    call: Option<Pin<Box<dyn Future<Output = Option<Bytes>> + Send>>>,
    /// The call's cancellation, checked before anything else at every poll.
    cancel: CancellationToken,
    /// The call's response, once it came, while frames queued before it are still going
    /// out (boxed: the stream stays small, and most responses go out at once).
    response: Option<Box<Bytes>>,
    /// Keeps the request listed as in flight (so it can be cancelled by id) until the
    /// stream is dropped.
    in_flight: Option<InFlightGuard>,
    /// The id of the request this stream answers (a tool call's).
    request: Option<RequestId>,
}

impl CallStream {
    /// A request other than a tool call that streams like one (`subscriptions/listen`):
    /// `run` gets the outbox for its notifications and resolves to the response; `cancel`
    /// ends it with no response.
    pub(crate) fn from_fn<F, Fut>(cancel: CancellationToken, run: F) -> Self
    where
        F: FnOnce(mpsc::Sender<Outgoing>) -> Fut,
        Fut: Future<Output = Bytes> + Send + 'static,
    {
        let (outbox, frames) = mpsc::channel(OUTBOX_CAPACITY);
        Self {
            frames: Some(frames),
            call: Some(Box::pin(unless_cancelled(cancel.clone(), run(outbox)))),
            opening: None,
            cancel,
            response: None,
            in_flight: None,
            request: None,
        }
    }

    /// The id of the request this stream answers, when known.
    pub(crate) fn request_id(&self) -> Option<&RequestId> {
        self.request.as_ref()
    }

    /// Keeps `guard` (the request's in-flight registration) as long as the stream lives.
    /// When freeing the id takes a shared store's round trip, the response waits for it
    /// (see [`InFlightGuard::end`]).
    pub(crate) fn holding(mut self, guard: Option<InFlightGuard>) -> Self {
        match (guard, self.call.take()) {
            (Some(guard), Some(call)) if guard.releases() => {
                self.call = Some(Box::pin(async move {
                    let response = call.await;
                    if response.is_some() {
                        if let Some(release) = guard.end() {
                            release.await;
                        }
                    }
                    response
                }));
            }
            (guard, call) => {
                self.call = call;
                self.in_flight = guard;
            }
        }
        self
    }

    /// Starts a tool call: it is stopped after `timeout` unless the tool has its own, and
    /// holds `permit` (its place among the calls the server runs at once) until it ends.
    pub(crate) fn start(
        tool: &ToolDef,
        arguments: Arguments,
        setup: CallSetup,
        timeout: std::time::Duration,
        permit: crate::server::admission::CallPermit,
    ) -> Self {
        // A call can emit frames only with a progress token, a log level, or a session (to
        // close its stream in, to ask its client); most calls have none of these and get no
        // channel at all, and the others get one when they send their first frame.
        let can_emit = setup.progress_token.is_some()
            || setup.origin.log_level.is_some()
            || setup.origin.session.is_some();
        let outbox = if can_emit {
            Outbox::lazy()
        } else {
            Outbox::Closed
        };
        let name = tool.name.clone();
        let id = setup.request_id.clone();
        let request = Some(id.clone());
        let stateless = setup.origin.stateless;
        let context = Arc::new(CallContext::new(setup, outbox));
        let opening = can_emit.then(|| context.clone());
        let cancel = context.cancellation().clone();
        let future = tool.call(arguments);
        let timer = observe::ToolTimer::start(&name);
        let limit = tool.timeout.unwrap_or(timeout);
        let call = async move {
            let _permit = permit;
            let rounds = rounds_of(&context);
            let run = tokio::time::timeout(
                limit,
                until_input(rounds, AssertUnwindSafe(future).catch_unwind()),
            );
            let result = match context.clone().scope(run).await {
                Err(_elapsed) => {
                    tracing::warn!(tool = %name, "tool call timed out after {limit:?}");
                    CallToolResult::error(format!(
                        "tool `{name}` did not finish within {limit:?} and was stopped"
                    ))
                }
                // 2026-07-28: the tool waits for answers only the client's retry brings.
                Ok(Err(input_required)) => return result_message(&id, &input_required),
                Ok(Ok(Ok(result))) => result,
                Ok(Ok(Err(panic))) => {
                    let reason = panic_message(&*panic);
                    tracing::error!(tool = %name, "tool panicked: {reason}");
                    CallToolResult::error(format!("internal error in tool `{name}`"))
                }
            };
            timer.finish(result.is_error);
            if let Some(error) = context.take_protocol_error() {
                return error_message(Some(&id), &error);
            }
            if stateless {
                result_message(&id, &Complete::new(&result))
            } else {
                result_message(&id, &result)
            }
        };
        // The request's span, wherever the call is polled from (unless no one records it).
        let span = tracing::Span::current();
        let call: Pin<Box<dyn Future<Output = Option<Bytes>> + Send>> = if span.is_disabled() {
            Box::pin(unless_cancelled(cancel.clone(), call))
        } else {
            Box::pin(unless_cancelled(cancel.clone(), call.instrument(span)))
        };
        Self {
            frames: None,
            opening,
            call: Some(call),
            cancel,
            response: None,
            in_flight: None,
            request,
        }
    }
}

/// `call`, unless `cancel` fires first (checked first at every poll): then `None`.
///
/// The cancellation is waited on only once the call is pending: most calls finish at their
/// first poll, and joining the token's waiters (a lock, a list entry) would be wasted.
async fn unless_cancelled(
    cancel: CancellationToken,
    call: impl Future<Output = Bytes>,
) -> Option<Bytes> {
    let mut call = std::pin::pin!(call);
    let mut cancelled = std::pin::pin!(cancel.cancelled());
    std::future::poll_fn(|cx| {
        if cancel.is_cancelled() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(response) = call.as_mut().poll(cx) {
            return Poll::Ready(Some(response));
        }
        cancelled.as_mut().poll(cx).map(|()| None)
    })
    .await
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(non-string panic payload)"
    }
}

impl CallStream {
    /// Cancelled: the tool is dropped where it stands, its queued frames with it; no
    /// response is sent.
    fn end_cancelled(&mut self) -> Poll<Option<Outgoing>> {
        self.call = None;
        if let Some(frames) = open(&mut self.frames, &mut self.opening) {
            frames.close();
            while frames.try_recv().is_ok() {}
        }
        Poll::Ready(None)
    }
}

/// The call's frames, taking the receiver of a lazy outbox once the first frame opened it.
fn open<'a>(
    frames: &'a mut Option<mpsc::Receiver<Outgoing>>,
    opening: &mut Option<Arc<CallContext>>,
) -> Option<&'a mut mpsc::Receiver<Outgoing>> {
    if frames.is_none() {
        if let Some(receiver) = opening.as_ref().and_then(|c| c.take_frames()) {
            *frames = Some(receiver);
            *opening = None;
        }
    }
    frames.as_mut()
}

impl Stream for CallStream {
    type Item = Outgoing;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Outgoing>> {
        let this = &mut *self;
        if this.call.is_some() && this.cancel.is_cancelled() {
            return this.end_cancelled();
        }
        if let Some(call) = &mut this.call {
            // Frames first: a tool blocked on a full outbox makes progress once we read.
            if let Some(frames) = open(&mut this.frames, &mut this.opening) {
                if let Poll::Ready(Some(frame)) = frames.poll_recv(cx) {
                    return Poll::Ready(Some(frame));
                }
            }
            match call.as_mut().poll(cx) {
                Poll::Pending => {
                    // A first frame sent during that poll opened the outbox after the
                    // check above: read it now, which also registers for the next ones.
                    // Until one opens it, a frame from another task wakes us.
                    if this.frames.is_none() {
                        if let Some(context) = &this.opening {
                            context.watch_frames(cx.waker());
                        }
                        if let Some(frames) = open(&mut this.frames, &mut this.opening) {
                            if let Poll::Ready(Some(frame)) = frames.poll_recv(cx) {
                                return Poll::Ready(Some(frame));
                            }
                        }
                    }
                    return Poll::Pending;
                }
                Poll::Ready(Some(response)) => {
                    this.call = None;
                    match open(&mut this.frames, &mut this.opening).map(mpsc::Receiver::try_recv) {
                        // Frames it queued go first; the response waits its turn.
                        Some(Ok(frame)) => {
                            this.response = Some(Box::new(response));
                            return Poll::Ready(Some(frame));
                        }
                        _ => return Poll::Ready(Some(Outgoing::Response(response))),
                    }
                }
                Poll::Ready(None) => return this.end_cancelled(),
            }
        }
        // The call is over. Frames it queued still go before the response; `try_recv`, not
        // `poll_recv`, because a tool may have kept a sender alive elsewhere.
        if let Some(Ok(frame)) =
            open(&mut this.frames, &mut this.opening).map(mpsc::Receiver::try_recv)
        {
            return Poll::Ready(Some(frame));
        }
        Poll::Ready(this.response.take().map(|r| Outgoing::Response(*r)))
    }
}
