//! `POST`: one JSON-RPC message from the client.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::headers::{self, Accepts};
use super::reply::{self, Rejection};
use super::session;
use crate::protocol::jsonrpc::{Incoming, is_batch, parse_message};
use crate::server::{Dispatched, Dispatcher};

pub(crate) async fn handle(
    State(dispatcher): State<Arc<Dispatcher>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
        return reject(
            StatusCode::BAD_REQUEST,
            "JSON-RPC batches are not supported: send one message per request",
        );
    }
    let message = match parse_message(&body) {
        Ok(message) => message,
        Err(err) => return reply::error(StatusCode::BAD_REQUEST, None, &err),
    };

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
            respond(dispatcher.handle_request(session, request), accepts).await
        }
        Incoming::Notification { method, .. } => {
            match session::require(&dispatcher, &headers) {
                Ok(session) => dispatcher.handle_notification(Some(&session), &method),
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

async fn respond(dispatched: Dispatched, accepts: Accepts) -> Response {
    match dispatched {
        Dispatched::Reply(body) => reply::json(body),
        Dispatched::Initialized(body, session) => {
            let mut response = reply::json(body);
            if let Ok(value) = HeaderValue::from_str(session.id()) {
                response.headers_mut().insert(headers::SESSION_ID, value);
            }
            response
        }
        Dispatched::Call(call) => reply::call(call, accepts.event_stream).await,
    }
}
