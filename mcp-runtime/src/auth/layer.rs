//! The tower layer that checks each request's bearer token.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::metadata::{Refusal, refuse};
use super::verifier::{AuthError, hash};
use super::{Identity, Shared, Verifier};
use crate::observe;
use crate::protocol::headers::{PROTOCOL_VERSION, SESSION_ID};
use axum::response::IntoResponse as _;

/// Requires a valid bearer token on every request of the service it wraps; see
/// [`Auth::layer`](super::Auth::layer).
#[derive(Clone)]
pub struct AuthLayer {
    shared: Arc<Shared>,
}

impl AuthLayer {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").finish_non_exhaustive()
    }
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = RequireAuth<S>;

    fn layer(&self, inner: S) -> RequireAuth<S> {
        RequireAuth {
            shared: self.shared.clone(),
            inner,
        }
    }
}

/// The service [`AuthLayer`] wraps around a route.
#[derive(Clone)]
pub struct RequireAuth<S> {
    shared: Arc<Shared>,
    inner: S,
}

impl<S> std::fmt::Debug for RequireAuth<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireAuth").finish_non_exhaustive()
    }
}

/// Marks a request that went through the auth layer, for the scope check behind it.
#[derive(Clone)]
pub(crate) struct Checked(pub(crate) Arc<Shared>);

type Reply = Result<Response, Infallible>;

impl<S> tower_service::Service<Request> for RequireAuth<S>
where
    S: tower_service::Service<Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Either<Ready<Reply>, S::Future>, BoxFuture<'static, Reply>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let refused = |shared: &Shared, headers: &HeaderMap, why: &AuthError| {
            observe::rejected(observe::Reason::Auth);
            let refusal = match why {
                AuthError::InvalidToken(why) => Refusal::Invalid(why),
                AuthError::Unavailable(why) => Refusal::Unavailable(why),
            };
            refuse(shared, headers, &refusal, None)
        };
        let Some(token) = bearer(request.headers()) else {
            observe::rejected(observe::Reason::Auth);
            let response = refuse(&self.shared, request.headers(), &Refusal::Missing, None);
            return Either::Left(Either::Left(ready(Ok(response))));
        };
        let hashed = hash(token);
        let quick = match &self.shared.verifier {
            Verifier::Static(tokens) => Some(tokens.verify(&hashed).ok_or_else(|| {
                AuthError::InvalidToken("this token is not one this server accepts".to_owned())
            })),
            Verifier::Custom(_) => self.shared.cache.get(&hashed).map(Ok),
        };
        match quick {
            Some(Ok(identity)) => {
                if let Some(refused) = foreign_session(&self.shared, &request, &identity) {
                    return Either::Left(Either::Left(ready(Ok(refused))));
                }
                if opens_session(&request) {
                    let shared = self.shared.clone();
                    admit(&mut request, identity.clone(), &shared);
                    let response = self.inner.call(request);
                    return Either::Right(Box::pin(async move {
                        let response = response.await;
                        bind_session(&shared, &response, &identity);
                        response
                    }));
                }
                admit(&mut request, identity, &self.shared);
                Either::Left(Either::Right(self.inner.call(request)))
            }
            Some(Err(why)) => {
                let response = refused(&self.shared, request.headers(), &why);
                Either::Left(Either::Left(ready(Ok(response))))
            }
            None => {
                // The service that was made ready, as tower requires; a clone takes its place.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let shared = self.shared.clone();
                let token = token.to_owned();
                Either::Right(Box::pin(async move {
                    let Verifier::Custom(verifier) = &shared.verifier else {
                        unreachable!("static tokens are checked at once");
                    };
                    match verifier.verify(&token).await {
                        Ok(identity) => {
                            shared.cache.insert(hashed, &identity);
                            if let Some(refused) = foreign_session(&shared, &request, &identity) {
                                return Ok(refused);
                            }
                            let opens = opens_session(&request);
                            admit(&mut request, identity.clone(), &shared);
                            let response = inner.call(request).await;
                            if opens {
                                bind_session(&shared, &response, &identity);
                            }
                            response
                        }
                        Err(why) => {
                            tracing::debug!("refused a token: {why}");
                            Ok(refused(&shared, request.headers(), &why))
                        }
                    }
                }))
            }
        }
    }
}

/// Whether the request may open a session: a `POST` with neither a session nor a protocol
/// version header (so `initialize`; stateless requests carry their version).
fn opens_session(request: &Request) -> bool {
    let headers = request.headers();
    request.method() == http::Method::POST
        && !headers.contains_key(SESSION_ID)
        && !headers.contains_key(PROTOCOL_VERSION)
}

/// Remembers whose session a response opened: sessions are bound to the identity that
/// opened them, so a session id alone never lets another token's bearer in.
fn bind_session(shared: &Shared, response: &Reply, identity: &Identity) {
    if let Some(id) = response
        .as_ref()
        .ok()
        .and_then(|r| r.headers().get(SESSION_ID))
        .and_then(|v| v.to_str().ok())
    {
        shared
            .sessions
            .insert(id.to_owned(), identity.subject().into());
    }
}

/// The 403 for a request naming a session another identity opened.
fn foreign_session(shared: &Shared, request: &Request, identity: &Identity) -> Option<Response> {
    let id = request.headers().get(SESSION_ID)?.to_str().ok()?;
    let owner = shared.sessions.get(id)?;
    if *owner == *identity.subject() {
        return None;
    }
    observe::rejected(observe::Reason::Auth);
    tracing::warn!(
        "refused session {id:?} to {:?}: it belongs to another identity",
        identity.subject()
    );
    let body = serde_json::json!({
        "error": "access_denied",
        "error_description": "this session was opened with another identity's token",
    });
    Some(
        (
            http::StatusCode::FORBIDDEN,
            [(http::header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
    )
}

fn admit(request: &mut Request, identity: Identity, shared: &Arc<Shared>) {
    let extensions = request.extensions_mut();
    extensions.insert(identity);
    extensions.insert(Checked(shared.clone()));
}

/// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The identity the auth layer verified, for the program's own axum handlers behind
/// [`Auth::require`](super::Auth::require) or [`Auth::layer`](super::Auth::layer).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Identity {
    type Rejection = (http::StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Identity>().cloned().ok_or((
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "this route takes an Identity but is not behind the auth layer: wrap it with Auth::require or Auth::layer",
        ))
    }
}
