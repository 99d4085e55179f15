//! Finding the caller's session, and ending it with `DELETE`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

use super::headers;
use super::reply::Rejection;
use crate::server::{Dispatcher, Session};

/// The session named by `Mcp-Session-Id`: missing → 400, unknown or ended → 404. The
/// request must also carry a protocol version we speak (or none) → else 400.
pub(crate) fn require(
    dispatcher: &Dispatcher,
    headers: &HeaderMap,
) -> Result<Arc<Session>, Rejection> {
    match headers::protocol_version(headers) {
        Err(message) => return Err(Rejection::new(StatusCode::BAD_REQUEST, message)),
        // Only GET and DELETE get here with a stateless version (POSTs are routed before).
        Ok(version) if version.is_stateless() => {
            return Err(Rejection::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("protocol {version} has no sessions: GET and DELETE are not part of it"),
            ));
        }
        Ok(_) => {}
    }
    let Some(session_id) = headers::session_id(headers) else {
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            "missing Mcp-Session-Id header: send `initialize` first and echo the session id it returns",
        ));
    };
    dispatcher.sessions.get(session_id).ok_or_else(|| {
        Rejection::new(
            StatusCode::NOT_FOUND,
            format!("session {session_id:?} not found: it has ended or never existed; start a new one with `initialize`"),
        )
    })
}

/// `DELETE`: ends the session.
pub(crate) async fn delete(
    State(dispatcher): State<Arc<Dispatcher>>,
    headers: HeaderMap,
) -> Response {
    match require(&dispatcher, &headers) {
        Ok(session) => {
            dispatcher.sessions.remove(session.id());
            StatusCode::OK.into_response()
        }
        Err(rejection) => rejection.into_response(None),
    }
}
