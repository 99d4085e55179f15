//! `POST`: one JSON-RPC message (or, in protocol 2025-03-26, a batch) from the client.
//!
//! A request belongs to the stateless era when its `MCP-Protocol-Version` header names a
//! stateless revision, when it is `server/discover`, or when its `params._meta` carries a
//! protocol version; otherwise to the handshake era, whose requests need a session.

use std::sync::Arc;

use axum::extract::{FromRequest as _, Request, State};
use axum::response::{IntoResponse as _, Response};
use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::StreamExt as _;
use futures_util::future::{BoxFuture, FutureExt as _, join_all};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::value::RawValue;

use super::headers::{self, Accepts};
use super::reply::{self, Rejection};
use super::session;
use crate::auth;
use crate::context::HttpParts;
use crate::protocol::jsonrpc::{Incoming, error_message, is_batch, parse_message};
use crate::protocol::{ProtocolVersion, RpcError};
use crate::server::{Dispatched, Dispatcher, Era, MirroredHeaders, Outgoing, is_stateless_request};

pub(crate) async fn handle(
    State(dispatcher): State<Arc<Dispatcher>>,
    request: Request,
) -> Response {
    // Taken from the request rather than cloned (as axum's `HeaderMap` extractor does), and
    // shared with the tool a call runs (`CallContext::http_headers`) without copying.
    let (mut parts, body) = request.into_parts();
    let headers = Arc::new(std::mem::take(&mut parts.headers));
    // What layers in front learned (the verified identity) goes on to the call.
    let extensions = Arc::new(parts.extensions.clone());
    let http = HttpParts {
        headers: headers.clone(),
        extensions: extensions.clone(),
    };
    let body = match Bytes::from_request(Request::from_parts(parts, body), &()).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_response(),
    };
    let reject = |status, message| Rejection::new(status, message).into_response(None);
    if !headers::is_json(&headers) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    let accepts = Accepts::from_headers(&headers);
    if !accepts.json && !accepts.event_stream {
        return reject(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must include application/json and text/event-stream",
        );
    }
    if is_batch(&body) {
        if stateless_header(&headers) {
            return reject(
                StatusCode::BAD_REQUEST,
                "JSON-RPC batches are not part of protocol 2026-07-28: send one message per request",
            );
        }
        return batch(&dispatcher, &http, &body).await;
    }
    let message = match parse_message(&body) {
        Ok(message) => message,
        Err(err) => return reply::error(StatusCode::BAD_REQUEST, None, &err),
    };
    if let Incoming::Request(request) = &message {
        if let Some(refused) = auth::scope_refusal(&dispatcher, &headers, &extensions, request) {
            return refused;
        }
    }
    if is_stateless(&headers, &message) {
        return stateless(&dispatcher, http, message, accepts).await;
    }

    match message {
        Incoming::Request(request) => {
            // Every request but `initialize` belongs to a session.
            let session = if request.method == "initialize" {
                None
            } else {
                match session::require(&dispatcher, &headers) {
                    Ok(session) => Some(session),
                    Err(rejection) => return rejection.into_response(Some(&request.id)),
                }
            };
            match dispatcher.handle_request(Era::Handshake(session.clone()), request, Some(http)) {
                Dispatched::Reply(body, _) => reply::json(body),
                Dispatched::Initialized(body, session) => {
                    let mut response = reply::json(body);
                    if let Ok(value) = HeaderValue::from_str(session.id()) {
                        response.headers_mut().insert(headers::SESSION_ID, value);
                    }
                    response
                }
                Dispatched::Call(call) => {
                    reply::call(&dispatcher.config, session, call, accepts.event_stream).await
                }
            }
        }
        Incoming::Notification { method, params } => {
            match session::require(&dispatcher, &headers) {
                Ok(session) => dispatcher.handle_notification(Some(&session), &method, params),
                Err(rejection) => return rejection.into_response(None),
            }
            reply::accepted()
        }
        Incoming::Response => match session::require(&dispatcher, &headers) {
            Ok(_) => reply::accepted(),
            Err(rejection) => rejection.into_response(None),
        },
    }
}

fn stateless_header(headers: &HeaderMap) -> bool {
    headers
        .get(headers::PROTOCOL_VERSION)
        .and_then(|v| v.to_str().ok())
        .and_then(ProtocolVersion::parse)
        .is_some_and(ProtocolVersion::is_stateless)
}

fn is_stateless(headers: &HeaderMap, message: &Incoming<'_>) -> bool {
    stateless_header(headers)
        || matches!(message, Incoming::Request(request) if is_stateless_request(request))
}

/// A 2026-07-28 message: no session; errors carry their HTTP status; a notification is
/// acknowledged and dropped (the revision defines none from client to server here).
async fn stateless(
    dispatcher: &Dispatcher,
    http: HttpParts,
    message: Incoming<'_>,
    accepts: Accepts,
) -> Response {
    let Incoming::Request(request) = message else {
        return reply::accepted();
    };
    let headers = http.headers.clone();
    let mirrored = mirrored(&headers);
    match dispatcher.handle_request(Era::Stateless(Some(&mirrored)), request, Some(http)) {
        Dispatched::Reply(body, error) => {
            let mut response = reply::json(body);
            if let Some(code) = error {
                *response.status_mut() =
                    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::OK);
            }
            response
        }
        // The stateless era has no `initialize`: the dispatcher never opens a session here.
        Dispatched::Initialized(body, _) => reply::json(body),
        Dispatched::Call(call) => {
            reply::call(&dispatcher.config, None, call, accepts.event_stream).await
        }
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

/// A JSON-RPC batch: allowed only in sessions that negotiated 2025-03-26. Its requests run
/// concurrently; the reply is the array of their responses (202 if it held none).
async fn batch(dispatcher: &Dispatcher, http: &HttpParts, body: &[u8]) -> Response {
    let session = match session::require(dispatcher, &http.headers) {
        Ok(session) => session,
        Err(rejection) => return rejection.into_response(None),
    };
    if session.protocol_version() != ProtocolVersion::V2025_03_26 {
        let message = format!(
            "JSON-RPC batches exist only in protocol version 2025-03-26; this session speaks {}: send one message per request",
            session.protocol_version()
        );
        return Rejection::new(StatusCode::BAD_REQUEST, message).into_response(None);
    }
    let items: Vec<&RawValue> = match serde_json::from_slice(body) {
        Ok(items) => items,
        Err(e) => return reply::error(StatusCode::BAD_REQUEST, None, &RpcError::parse_error(e)),
    };
    if items.is_empty() {
        return Rejection::new(StatusCode::BAD_REQUEST, "an empty batch").into_response(None);
    }
    let mut replies: Vec<BoxFuture<'static, Option<Bytes>>> = Vec::new();
    for item in items {
        match parse_message(item.get().as_bytes()) {
            Err(err) => replies.push(ready(error_message(None, &err))),
            Ok(Incoming::Request(request)) if request.method == "initialize" => {
                let err = RpcError::invalid_request("initialize cannot be part of a batch");
                replies.push(ready(error_message(Some(&request.id), &err)));
            }
            Ok(Incoming::Request(request)) => {
                if let Some(refused) =
                    auth::scope_refusal(dispatcher, &http.headers, &http.extensions, &request)
                {
                    return refused;
                }
                let era = Era::Handshake(Some(session.clone()));
                replies.push(batch_reply(dispatcher.handle_request(
                    era,
                    request,
                    Some(http.clone()),
                )));
            }
            Ok(Incoming::Notification { method, params }) => {
                dispatcher.handle_notification(Some(&session), &method, params);
            }
            Ok(Incoming::Response) => {}
        }
    }
    if replies.is_empty() {
        return reply::accepted();
    }
    let mut array = BytesMut::from(&b"["[..]);
    for body in join_all(replies).await.into_iter().flatten() {
        if array.len() > 1 {
            array.put_u8(b',');
        }
        array.extend_from_slice(&body);
    }
    array.put_u8(b']');
    reply::json(array.freeze())
}

fn ready(body: Bytes) -> BoxFuture<'static, Option<Bytes>> {
    std::future::ready(Some(body)).boxed()
}

/// The response a batched request contributes (a cancelled call contributes none).
fn batch_reply(dispatched: Dispatched) -> BoxFuture<'static, Option<Bytes>> {
    match dispatched {
        Dispatched::Reply(body, _) | Dispatched::Initialized(body, _) => ready(body),
        Dispatched::Call(mut call) => async move {
            while let Some(item) = call.next().await {
                if let Outgoing::Response(body) = item {
                    return Some(body);
                }
            }
            None
        }
        .boxed(),
    }
}
