//! Finding the caller's session, and ending it with `DELETE`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

use super::{headers, reply};
use crate::protocol::{RequestId, RpcError};
use crate::server::{Dispatcher, Session};

/// The session named by `Mcp-Session-Id`: missing → 400, unknown or ended → 404.
pub(crate) fn require(
    dispatcher: &Dispatcher,
    headers: &HeaderMap,
    id: Option<&RequestId>,
) -> Result<Arc<Session>, Response> {
    let Some(session_id) = headers::session_id(headers) else {
        let err = RpcError::invalid_request(
            "missing Mcp-Session-Id header: send `initialize` first and echo the session id it returns",
        );
        return Err(reply::error(StatusCode::BAD_REQUEST, id, &err));
    };
    dispatcher.sessions.get(session_id).ok_or_else(|| {
        let err = RpcError::invalid_request(format!(
            "session {session_id:?} not found: it has ended or never existed; start a new one with `initialize`"
        ));
        reply::error(StatusCode::NOT_FOUND, id, &err)
    })
}

/// `DELETE`: ends the session.
pub(crate) async fn delete(State(dispatcher): State<Arc<Dispatcher>>, headers: HeaderMap) -> Response {
    match require(&dispatcher, &headers, None) {
        Ok(session) => {
            dispatcher.sessions.remove(session.id());
            StatusCode::OK.into_response()
        }
        Err(response) => response,
    }
}
