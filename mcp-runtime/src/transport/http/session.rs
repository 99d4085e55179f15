//! Finding the caller's session: for a `POST` before its body is read, for `GET` and
//! `DELETE`; and ending it with `DELETE`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode};

use super::headers;
use super::reply::Rejection;
use crate::protocol::ProtocolVersion;
use crate::server::{Engine, Reason, Resolved, SessionRef};

/// Looks up the session a `POST` names before its body is read. An unknown or ended one
/// gets `404` at once (the spec: a request with that session id, `initialize` included,
/// is answered 404; the client starts over with an `initialize` without one), so nothing of
/// its body is buffered. A live one rides along in the request's extensions for the engine.
/// A 2026-07-28 request has no session, and anything else the engine refuses in its own
/// words (a bad protocol version, a store that is down).
pub(crate) async fn resolve_before_body(
    State(engine): State<Arc<Engine>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let headers = request.headers();
    let Some(id) = headers::session_id(headers) else {
        return next.run(request).await;
    };
    let version = headers
        .get(headers::PROTOCOL_VERSION)
        .and_then(|v| v.to_str().ok());
    if version
        .and_then(ProtocolVersion::parse)
        .is_some_and(ProtocolVersion::is_stateless)
    {
        return next.run(request).await;
    }
    match engine.session(Some(id), version).await {
        Ok(session) => {
            request.extensions_mut().insert(Resolved(session));
        }
        Err(refusal) if refusal.reason == Reason::UnknownSession => {
            let mut response = super::reply::json(refusal.message());
            *response.status_mut() = StatusCode::NOT_FOUND;
            return response;
        }
        Err(_other) => {}
    }
    next.run(request).await
}

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
