//! Finding the caller's session: for a `POST` before its body is read, for `GET` and
//! `DELETE`; and ending it with `DELETE`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, StatusCode};

use super::headers;
use super::reply::Rejection;
use crate::server::{Engine, Reason, SessionRef};

/// The session a `POST` names, found before its body is read (an unknown one: 404); the
/// handler hands it to the engine, which does not look it up again. A request of the
/// stateless protocol names none. A request that names none may open one: who the client
/// is goes into its extensions, for its session quota.
pub(crate) async fn for_post(
    engine: &Engine,
    parts: &mut Parts,
) -> Result<Option<SessionRef>, Response> {
    let version = headers::protocol_version(&parts.headers);
    if version.is_some_and(|v| v.is_stateless()) {
        return Ok(None);
    }
    let Some(id) = headers::session_id(&parts.headers) else {
        if let Some(key) = super::client::key(parts, &engine.config.trusted_proxies) {
            parts.extensions.insert(key);
        }
        return Ok(None);
    };
    match engine.session(Some(id), version).await {
        Ok(session) => Ok(Some(session)),
        Err(refusal) if refusal.reason == Reason::UnknownSession => {
            let mut response = super::reply::json(refusal.message());
            *response.status_mut() = StatusCode::NOT_FOUND;
            Err(response)
        }
        // The engine answers the others (it looks the session up again and says why).
        Err(_other) => Ok(None),
    }
}

/// The session named by `Mcp-Session-Id` (the engine's rules: missing → 400, unknown or
/// ended → 404, an unsupported protocol version → 400). A stateless protocol version has
/// no sessions, so no `GET` or `DELETE` → 405.
pub(crate) async fn require(
    engine: &Engine,
    headers: &HeaderMap,
) -> Result<SessionRef, Box<Response>> {
    let version = headers::protocol_version(headers);
    if let Some(stateless) = version.and_then(|v| v.known()).filter(|v| v.is_stateless()) {
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
            *response.status_mut() = super::reply::status(refusal.reason);
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
