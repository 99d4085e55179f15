//! Building HTTP responses: JSON bodies, JSON-RPC errors with their status, SSE streams.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt as _;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};

use super::sse;
use crate::protocol::jsonrpc::error_message;
use crate::protocol::{RequestId, RpcError};
use crate::server::store::{Cursor, EventLog};
use crate::server::{
    CallStream, Config, EventId, Outgoing, Reason, Session, SessionRef, Unresumable,
};

/// `200 OK` with a JSON body.
pub(crate) fn json(body: Bytes) -> Response {
    // Built directly: `(headers, Bytes).into_response()` sets a Content-Type and then
    // replaces it.
    let mut response = Response::new(axum::body::Body::from(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
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
/// stream that carries its frames and ends with its response.
///
/// In a session the rest of the call runs in its own task and every event goes through the
/// session's replay log, so a client that loses the connection resumes with `GET` and
/// `Last-Event-ID` and misses nothing; disconnecting does not cancel the call.
pub(crate) async fn call(
    config: &Config,
    session: Option<SessionRef>,
    mut call: CallStream,
    event_stream: bool,
) -> Response {
    if !event_stream {
        // The client cannot read SSE: it gets the response and nothing else.
        while let Some(item) = call.next().await {
            if let Outgoing::Response(body) = item {
                return json(body);
            }
        }
        return cancelled();
    }
    let first = match tokio::time::timeout(config.keep_alive, call.next()).await {
        Ok(Some(Outgoing::Response(body))) => return json(body),
        Ok(None) => return cancelled(),
        Ok(Some(frame)) => Some(frame),
        Err(_still_running) => None,
    };
    let Some(session) = session else {
        // No session, nothing to resume: the stream drives the call, and dropping it (the
        // client going away) drops the call.
        let messages = futures_util::stream::iter(first).chain(call);
        let events = messages.filter_map(|item| {
            std::future::ready(item.into_message().map(|m| sse::event(None, None, &m)))
        });
        return sse::response(events, config.keep_alive);
    };
    let log = match session.open_call_stream(call.request_id()).await {
        Ok(log) => log,
        Err(e) => return Rejection::new(StatusCode::SERVICE_UNAVAILABLE, e).into_response(None),
    };
    // Attach the response before the call can push (or detach) anything.
    let response = from_log(config, &*session, &log, Cursor::After(0), None::<()>).await;
    tokio::spawn(async move {
        let mut items = std::pin::pin!(futures_util::stream::iter(first).chain(call));
        while let Some(item) = items.next().await {
            match item.into_message() {
                Some(message) => {
                    if let Err(e) = log.push(message).await {
                        // Nowhere to put the call's messages: end it rather than lose them.
                        tracing::error!("call stream dropped: {e}");
                        break;
                    }
                }
                None => log.detach().await,
            }
        }
        log.close().await;
    });
    match response {
        Ok(response) => response,
        // The store went away between opening the log and following it (Redis restarting):
        // say so, never a 202 that reads as "no response will come".
        Err(Unresumable::Unavailable(e)) => {
            Rejection::new(StatusCode::SERVICE_UNAVAILABLE, e).into_response(None)
        }
        Err(_) => cancelled(),
    }
}

/// Replays `log` from `from`, then follows it live. `keep` (the standalone stream's guard)
/// lives as long as the response.
pub(crate) async fn from_log<K: Send + 'static>(
    config: &Config,
    session: &dyn Session,
    log: &Arc<dyn EventLog>,
    from: Cursor,
    keep: Option<K>,
) -> Result<Response, Unresumable> {
    let (after, events) = log.subscribe(from).await?;
    // Priming (2025-11-25+): an id to resume from before any message has been sent.
    let priming = session.protocol_version().primes_streams().then(|| {
        let id = EventId {
            stream: log.id(),
            seq: after,
        };
        sse::event(Some(id), Some(config.sse_retry), b"")
    });
    let body = events.map(move |(id, message)| {
        let _keep = &keep;
        sse::event(Some(id), None, &message)
    });
    Ok(sse::response(
        futures_util::stream::iter(priming).chain(body),
        config.keep_alive,
    ))
}

/// The call was cancelled before it answered: by the spec, no response is sent for it.
fn cancelled() -> Response {
    StatusCode::ACCEPTED.into_response()
}

/// The HTTP status of a refusal.
pub(crate) fn status(reason: Reason) -> StatusCode {
    match reason {
        Reason::UnknownSession => StatusCode::NOT_FOUND,
        Reason::Malformed | Reason::NoSession | Reason::BadVersion => StatusCode::BAD_REQUEST,
        Reason::Unavailable | Reason::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        Reason::InsufficientScope => StatusCode::FORBIDDEN,
    }
}
