//! SSE framing: `id`, `retry` and `data` fields written straight into `Bytes`, and
//! keep-alive comments while a stream is idle.
//!
//! Hand-written rather than axum's `Sse` because MCP's priming event needs an explicit empty
//! `data:` field, which axum does not emit, and because our messages are already serialized
//! single-line JSON that can go to the socket as they are.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::{Stream, StreamExt as _};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderName, HeaderValue};

use crate::observe;
use crate::server::EventId;

const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// One event: a JSON-RPC message (or nothing, for a priming event) and its id.
pub(crate) fn event(id: Option<EventId>, retry: Option<Duration>, data: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(data.len() + 40);
    if let Some(id) = id {
        out.put_slice(format!("id: {id}\n").as_bytes());
    }
    if let Some(retry) = retry {
        out.put_slice(format!("retry: {}\n", retry.as_millis()).as_bytes());
    }
    // Serialized JSON has no raw newlines; split anyway so no input can break the framing.
    for line in data.split(|&b| b == b'\n') {
        out.put_slice(b"data: ");
        out.put_slice(line.strip_suffix(b"\r").unwrap_or(line));
        out.put_u8(b'\n');
    }
    out.put_u8(b'\n');
    out.freeze()
}

/// An SSE response streaming `events` (already framed), with a keep-alive comment after
/// each `keep_alive` of silence.
pub(crate) fn response(
    events: impl Stream<Item = Bytes> + Send + 'static,
    keep_alive: Duration,
) -> Response {
    let body = async_stream::stream! {
        let gauge = observe::StreamGauge::open();
        let mut events = std::pin::pin!(events);
        let idle = tokio::time::sleep(keep_alive);
        tokio::pin!(idle);
        loop {
            tokio::select! {
                next = events.next() => match next {
                    Some(bytes) => {
                        idle.as_mut().reset(tokio::time::Instant::now() + keep_alive);
                        gauge.sent(bytes.len(), true);
                        yield Ok::<_, Infallible>(bytes);
                    }
                    None => break,
                },
                () = &mut idle => {
                    idle.as_mut().reset(tokio::time::Instant::now() + keep_alive);
                    gauge.sent(KEEP_ALIVE.len(), false);
                    yield Ok(Bytes::from_static(KEEP_ALIVE));
                }
            }
        }
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static("text/event-stream")),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            // Tells nginx-style proxies not to buffer the stream.
            (
                HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_events() {
        let id = EventId { stream: 2, seq: 0 };
        assert_eq!(
            &event(Some(id), Some(Duration::from_millis(1500)), b"")[..],
            b"id: 2-0\nretry: 1500\ndata: \n\n"
        );
        assert_eq!(&event(None, None, b"{\"a\":1}")[..], b"data: {\"a\":1}\n\n");
        assert_eq!(&event(None, None, b"x\ny")[..], b"data: x\ndata: y\n\n");
    }
}
