//! Building HTTP responses: JSON bodies, JSON-RPC errors with their status, SSE streams.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

use crate::protocol::jsonrpc::error_message;
use crate::protocol::{RequestId, RpcError};
use crate::server::{CallStream, Outgoing};

/// How long a call may run silently before we switch to SSE, so that a keep-alive can hold
/// the connection open through proxies with idle timeouts.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `200 OK` with a JSON body.
pub(crate) fn json(body: Bytes) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

/// A JSON-RPC error body with the given HTTP status.
pub(crate) fn error(status: StatusCode, id: Option<&RequestId>, error: &RpcError) -> Response {
    let mut response = json(error_message(id, error));
    *response.status_mut() = status;
    response
}

/// A request refused at the HTTP level, before it reaches the core: a status and a
/// JSON-RPC error (`-32600`) that says what was wrong.
#[derive(Debug)]
pub(crate) struct Rejection {
    status: StatusCode,
    error: RpcError,
}

impl Rejection {
    pub(crate) fn new(status: StatusCode, message: impl std::fmt::Display) -> Self {
        Self {
            status,
            error: RpcError::invalid_request(message),
        }
    }

    /// The response, echoing the request's id when it is known.
    pub(crate) fn into_response(self, id: Option<&RequestId>) -> Response {
        error(self.status, id, &self.error)
    }
}

/// `202 Accepted`, no body: the answer to notifications and responses.
pub(crate) fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

/// Answers a tool call: plain JSON when it finishes before emitting anything, else an SSE
/// stream that starts with its first frame and ends with its response.
pub(crate) async fn call(mut call: CallStream, event_stream: bool) -> Response {
    if !event_stream {
        // The client cannot read SSE: it gets the response and nothing else.
        while let Some(item) = call.next().await {
            if let Outgoing::Response(body) = item {
                return json(body);
            }
        }
        return internal_error();
    }
    let first = match tokio::time::timeout(KEEP_ALIVE, call.next()).await {
        Ok(Some(Outgoing::Response(body))) => return json(body),
        Ok(None) => return internal_error(),
        Ok(Some(frame)) => Some(frame),
        Err(_still_running) => None,
    };
    sse(futures_util::stream::iter(first).chain(call))
}

fn sse(messages: impl Stream<Item = Outgoing> + Send + 'static) -> Response {
    let events = messages.map(|item| {
        let (Outgoing::Notification(body) | Outgoing::Response(body)) = item;
        Ok::<_, Infallible>(Event::default().data(String::from_utf8_lossy(&body)))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

fn internal_error() -> Response {
    let err = RpcError::new(
        crate::protocol::ErrorCode::INTERNAL_ERROR,
        "the call ended without a response",
    );
    error(StatusCode::INTERNAL_SERVER_ERROR, None, &err)
}
