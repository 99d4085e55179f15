//! Finding the caller's session: for a `POST` before its body is read, for `GET` and
//! `DELETE`; and ending it with `DELETE`.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either};
use http::{HeaderMap, Method, StatusCode};

use super::headers;
use super::reply::Rejection;
use crate::server::{Engine, Reason, SessionRef};

/// The session a `POST` names, found by [`ResolveLayer`] before the body was read; the
/// handler hands it to the engine, which does not look it up again.
#[derive(Clone)]
pub(crate) struct Resolved(pub(crate) SessionRef);

/// Looks up the session a `POST` names before its body is read. An unknown or ended one
/// gets `404` at once (the spec: a request with that session id, `initialize` included,
/// is answered 404; the client starts over with an `initialize` without one), so nothing of
/// its body is buffered. A live one rides along in the request's extensions for the engine,
/// which does not look it up again. A 2026-07-28 request has no session, and anything else
/// the engine refuses in its own words (a bad protocol version, a store that is down).
#[derive(Clone)]
pub(crate) struct ResolveLayer(pub(crate) Arc<Engine>);

impl<S> tower_layer::Layer<S> for ResolveLayer {
    type Service = Resolve<S>;

    fn layer(&self, inner: S) -> Resolve<S> {
        Resolve {
            engine: self.0.clone(),
            inner,
        }
    }
}

/// The service [`ResolveLayer`] wraps around the body limits and the endpoint.
#[derive(Clone)]
pub(crate) struct Resolve<S> {
    engine: Arc<Engine>,
    inner: S,
}

impl<S> tower_service::Service<Request> for Resolve<S>
where
    S: tower_service::Service<Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let (names_a_session, opens_a_session) = session_role(&request);
        if !names_a_session {
            if opens_a_session {
                // Who the client is, for its session quota (an `initialize`, perhaps).
                let (mut parts, body) = request.into_parts();
                if let Some(key) = super::client::key(&parts, &self.engine.config.trusted_proxies) {
                    parts.extensions.insert(key);
                }
                request = Request::from_parts(parts, body);
            }
            return Either::Left(self.inner.call(request));
        }
        // The clone that was made ready goes with this request (the tower idiom).
        let ready_one = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready_one);
        let engine = self.engine.clone();
        Either::Right(Box::pin(async move {
            let headers = request.headers();
            let version = headers::protocol_version(headers);
            match engine.session(headers::session_id(headers), version).await {
                Ok(session) => {
                    request.extensions_mut().insert(Resolved(session));
                }
                Err(refusal) if refusal.reason == Reason::UnknownSession => {
                    let mut response = super::reply::json(refusal.message());
                    *response.status_mut() = StatusCode::NOT_FOUND;
                    return Ok(response);
                }
                Err(_other) => {}
            }
            inner.call(request).await
        }))
    }
}

/// Whether `request` is a `POST` that names a session, and whether it is a `POST` that may
/// open one (an `initialize`: it names none). A 2026-07-28 request, by its header, does
/// neither: that revision has no sessions, whatever the request carries.
fn session_role(request: &Request) -> (bool, bool) {
    if request.method() != Method::POST {
        return (false, false);
    }
    let headers = request.headers();
    if headers::protocol_version(headers).is_some_and(|v| v.is_stateless()) {
        return (false, false);
    }
    let names = headers::session_id(headers).is_some();
    (names, !names)
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
