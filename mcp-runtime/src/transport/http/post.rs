//! `POST`: one JSON-RPC message (or, in protocol 2025-03-26, a batch) from the client.
//!
//! The cheap checks (media types) come before the body is read; everything else is the
//! engine's. This module reads what the request says and renders the engine's outcome as
//! HTTP.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::headers::{self, Accepts};
use super::reply::{self, Rejection};
use super::session::Resolved;
use crate::request::RequestMeta;
use crate::server::{Engine, Inbound, Link, MirroredHeaders, Outcome, Reason};

pub(crate) async fn handle(State(engine): State<Arc<Engine>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The media types were checked before the body was read (`media_refusal`, called by
    // the guard); what the client accepts decides how a call is answered.
    let accepts = Accepts::from_headers(&parts.headers);
    // `BodyLimitLayer` has already read the body whole, within the body limit, budget and
    // timeout (413, 503, 408 otherwise): this takes the bytes it holds.
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => return body_error(&e),
    };
    let mut parts = parts;
    let resolved = parts.extensions.remove::<Resolved>().map(|r| r.0);
    // Shared with the tool a call runs (headers, extensions), without copying.
    let meta = Arc::new(RequestMeta::from_http(parts));
    let headers = meta.headers();
    let mirrored = mirrored(headers);
    let inbound = Inbound {
        session_id: headers::session_id(headers),
        resolved,
        protocol_version: headers::protocol_version(headers),
        mirrored: Some(&mirrored),
        meta: Some(meta.clone()),
    };
    let outcome = engine.handle(&Link::per_request(), &inbound, &body).await;
    if let Outcome::Refused(refusal) = &outcome {
        if let Some(forbidden) = crate::auth::scope::render(headers, meta.extensions(), refusal) {
            return forbidden;
        }
    }
    render(&engine, outcome, accepts).await
}

/// The checks of a `POST` that need only its headers, made before its body is read: the
/// body must be JSON (415), and the client must accept JSON or SSE (406).
pub(crate) fn media_refusal(headers: &HeaderMap) -> Option<Response> {
    let reject = |status, message| Some(Rejection::new(status, message).into_response(None));
    if !headers::is_json(headers) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    let accepts = Accepts::from_headers(headers);
    if !accepts.json && !accepts.event_stream {
        return reject(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must include application/json and text/event-stream",
        );
    }
    None
}

/// The engine's outcome as an HTTP response.
async fn render(engine: &Engine, outcome: Outcome, accepts: Accepts) -> Response {
    match outcome {
        Outcome::Reply {
            body,
            error,
            stateless,
        } => {
            let mut response = reply::json(body);
            if let (true, Some(code)) = (stateless, error) {
                *response.status_mut() =
                    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::OK);
            }
            response
        }
        Outcome::Opened { body, session } => {
            let mut response = reply::json(body);
            if let Ok(value) = HeaderValue::from_str(session.id()) {
                response.headers_mut().insert(headers::SESSION_ID, value);
            }
            response
        }
        Outcome::Stream { stream, session } => {
            reply::call(&engine.config, session, stream, accepts.event_stream).await
        }
        Outcome::Batch(replies) => match replies.await {
            Some(array) => reply::json(array),
            None => reply::accepted(),
        },
        Outcome::Accepted => reply::accepted(),
        Outcome::Refused(refusal) => {
            let mut response = reply::json(refusal.message());
            *response.status_mut() = status(refusal.reason);
            if refusal.reason == Reason::Overloaded {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            response
        }
    }
}

/// A body that could not be read (broken off).
fn body_error(error: &axum::Error) -> Response {
    let message = format!("could not read the request body: {error}");
    Rejection::new(StatusCode::BAD_REQUEST, message).into_response(None)
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

/// The headers that mirror the body of a stateless request.
fn mirrored(headers: &HeaderMap) -> MirroredHeaders<'_> {
    let text = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let mut params: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, value) in headers {
        let Some(param) = name.as_str().strip_prefix("mcp-param-") else {
            continue;
        };
        // A value that is not visible ASCII cannot match any argument.
        let value = value.to_str().unwrap_or("\u{fffd}");
        match params.iter_mut().find(|(n, _)| n == param) {
            Some((_, values)) => values.push(value),
            None => params.push((param.to_owned(), vec![value])),
        }
    }
    MirroredHeaders {
        protocol_version: text(headers::PROTOCOL_VERSION),
        method: text(headers::MCP_METHOD),
        name: text(headers::MCP_NAME),
        params,
    }
}
