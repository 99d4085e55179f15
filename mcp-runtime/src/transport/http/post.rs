//! `POST`: one JSON-RPC message (or, in protocol 2025-03-26, a batch) from the client.
//!
//! The cheap checks (media types) come before the body is read; everything else is the
//! engine's. This module reads what the request says and renders the engine's outcome as
//! HTTP.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::headers::{self, Accepts};
use super::limits::BodyLimits;
use super::reply::{self, Rejection};
use super::session;
use crate::protocol::VersionHeader;
use crate::request::RequestMeta;
use crate::server::{Engine, Inbound, Link, MirroredHeaders, Outcome, Reason};

pub(crate) async fn handle(
    State(engine): State<Arc<Engine>>,
    limits: &BodyLimits,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    // The media types were checked before the body was read (`media_refusal`, called by
    // the guard); what the client accepts decides how a call is answered.
    let accepts = Accepts::from_headers(&parts.headers);
    let resolved = match session::for_post(&engine, &mut parts).await {
        Ok(resolved) => resolved,
        Err(unknown) => return unknown,
    };
    // Read whole within the body limit, budget and timeout (413, 503, 408 otherwise); its
    // share of the budget is held until the outcome is rendered.
    let body = match limits.read(&parts.headers, body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    // Shared with the tool a call runs (headers, extensions), without copying.
    let meta = Arc::new(RequestMeta::from_http(parts));
    let headers = meta.headers();
    let read = read_headers(headers);
    let inbound = Inbound {
        session_id: read.session_id,
        resolved,
        protocol_version: read.protocol_version,
        mirrored: Some(&read.mirrored),
        meta: Some(meta.clone()),
    };
    let outcome = engine
        .handle(&Link::per_request(), &inbound, &body.bytes)
        .await;
    if let Outcome::Refused(refusal) = &outcome {
        if let Some(forbidden) = crate::auth::scope::render(headers, meta.extensions(), refusal) {
            return forbidden;
        }
    }
    render(&engine, outcome, accepts).await
}

/// The checks of a `POST` that need only its headers, made before its body is read: the
/// body must be JSON (415), and the client must accept JSON or SSE (406).
pub(crate) fn media_refusal(headers: &HeaderMap, seen: &headers::Intake<'_>) -> Option<Response> {
    let reject = |status, message| Some(Rejection::new(status, message).into_response(None));
    if !headers::is_json_value(seen.content_type) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    let accepts = seen.accepts(headers);
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
            *response.status_mut() = reply::status(refusal.reason);
            if refusal.reason == Reason::Overloaded {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            response
        }
    }
}

/// What the engine needs of a `POST`'s headers.
struct ReadHeaders<'a> {
    session_id: Option<&'a str>,
    protocol_version: Option<VersionHeader<'a>>,
    /// The headers that mirror the body of a stateless request.
    mirrored: MirroredHeaders<'a>,
}

/// Reads them in one pass over the headers: a lookup by name hashes the name every time,
/// and a request has only a handful of headers. The first value of a name counts, as
/// `HeaderMap::get` has it (a repeated one was refused by the guard anyway).
fn read_headers(headers: &HeaderMap) -> ReadHeaders<'_> {
    let mut read = ReadHeaders {
        session_id: None,
        protocol_version: None,
        mirrored: MirroredHeaders {
            protocol_version: None,
            method: None,
            name: None,
            params: Vec::new(),
        },
    };
    let mut seen_version = false;
    for (name, value) in headers {
        // Every header read here is an `mcp-` one: the others are passed over at once.
        if !name.as_str().starts_with("mcp-") {
            continue;
        }
        // Only the headers read here are checked for text, not every header of the request.
        let text = || value.to_str().ok();
        if *name == headers::PROTOCOL_VERSION {
            if !seen_version {
                seen_version = true;
                let text = text();
                read.mirrored.protocol_version = text;
                read.protocol_version =
                    Some(VersionHeader::parse(text.unwrap_or("(not visible ASCII)")));
            }
        } else if *name == headers::SESSION_ID {
            read.session_id = read.session_id.or_else(text);
        } else if *name == headers::MCP_METHOD {
            read.mirrored.method = read.mirrored.method.or_else(text);
        } else if *name == headers::MCP_NAME {
            read.mirrored.name = read.mirrored.name.or_else(text);
        } else if let Some(param) = name.as_str().strip_prefix("mcp-param-") {
            // A value that is not visible ASCII cannot match any argument.
            let value = text().unwrap_or("\u{fffd}");
            let params = &mut read.mirrored.params;
            match params.iter_mut().find(|(n, _)| n == param) {
                Some((_, values)) => values.push(value),
                None => params.push((param.to_owned(), vec![value])),
            }
        }
    }
    read
}
