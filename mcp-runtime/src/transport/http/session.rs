//! Finding the caller's session for `GET` and `DELETE`, and ending it with `DELETE`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

use super::headers;
use super::reply::Rejection;
use crate::protocol::ProtocolVersion;
use crate::server::{Engine, SessionRef};

/// The session named by `Mcp-Session-Id` (the engine's rules: missing → 400, unknown or
/// ended → 404, an unsupported protocol version → 400). A stateless protocol version has
/// no sessions, so no `GET` or `DELETE` → 405.
pub(crate) async fn require(
    engine: &Engine,
    headers: &HeaderMap,
) -> Result<SessionRef, Box<Response>> {
    let version = headers
        .get(headers::PROTOCOL_VERSION)
        .map(|v| v.to_str().unwrap_or("(not visible ASCII)"));
    if let Some(stateless) = version
        .and_then(ProtocolVersion::parse)
        .filter(|v| v.is_stateless())
    {
        let message =
            format!("protocol {stateless} has no sessions: GET and DELETE are not part of it");
        return Err(Box::new(
            Rejection::new(StatusCode::METHOD_NOT_ALLOWED, message).into_response(None),
        ));
    }
    engine
        .session(headers::session_id(headers), version)
        .await
        .map_err(|refusal| {
            let mut response = super::reply::json(refusal.message());
            *response.status_mut() = super::post::status(refusal.reason);
            Box::new(response)
        })
}

/// `DELETE`: ends the session.
pub(crate) async fn delete(State(engine): State<Arc<Engine>>, headers: HeaderMap) -> Response {
    match require(&engine, &headers).await {
        Ok(session) => match engine.store.remove(session.id()).await {
            Ok(_) => StatusCode::OK.into_response(),
            Err(e) => Rejection::new(StatusCode::SERVICE_UNAVAILABLE, e).into_response(None),
        },
        Err(response) => *response,
    }
}
