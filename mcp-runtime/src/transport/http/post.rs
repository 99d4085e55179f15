//! `POST`: one JSON-RPC message from the client.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::headers::{self, Accepts};
use super::{reply, session};
use crate::protocol::jsonrpc::{Incoming, is_batch, parse_message};
use crate::protocol::RpcError;
use crate::server::{Dispatched, Dispatcher};

pub(crate) async fn handle(
    State(dispatcher): State<Arc<Dispatcher>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !headers::is_json(&headers) {
        let err = RpcError::invalid_request("Content-Type must be application/json");
        return reply::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, None, &err);
    }
    let accepts = Accepts::from_headers(&headers);
    if !accepts.json && !accepts.event_stream {
        let err = RpcError::invalid_request(
            "Accept must include application/json and text/event-stream",
        );
        return reply::error(StatusCode::NOT_ACCEPTABLE, None, &err);
    }
    if is_batch(&body) {
        let err = RpcError::invalid_request("JSON-RPC batches are not supported: send one message per request");
        return reply::error(StatusCode::BAD_REQUEST, None, &err);
    }
    let message = match parse_message(&body) {
        Ok(message) => message,
        Err(err) => return reply::error(StatusCode::BAD_REQUEST, None, &err),
    };

    match message {
        Incoming::Request(request) => {
            // Every request but `initialize` belongs to a session.
            if request.method != "initialize" {
                if let Err(response) = session::require(&dispatcher, &headers, Some(&request.id)) {
                    return response;
                }
            }
            respond(dispatcher.handle_request(request), accepts).await
        }
        Incoming::Notification { method, .. } => {
            match session::require(&dispatcher, &headers, None) {
                Ok(session) => dispatcher.handle_notification(Some(&session), &method),
                Err(response) => return response,
            }
            reply::accepted()
        }
        Incoming::Response => match session::require(&dispatcher, &headers, None) {
            Ok(_) => reply::accepted(),
            Err(response) => response,
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
