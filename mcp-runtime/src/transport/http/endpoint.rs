//! The MCP endpoint as one service: the intake's checks (CORS, Host/Origin and media types,
//! the token; the session a `POST` names and the body limits, in its handler), then the
//! method's handler, in one pass. axum boxes and clones every route level on every request, one level per layer
//! and per method; registered with `route_service`, the endpoint is one level whatever it
//! checks.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either};
use http::{HeaderValue, Method, StatusCode};

use super::limits::BodyLimits;
use super::{get, post, session};
use crate::server::Engine;

/// The endpoint's methods: `POST` a message, `GET` the server's stream, `DELETE` the
/// session. Anything else is 405 with `Allow`.
#[derive(Clone)]
pub(crate) struct Dispatch {
    pub(crate) engine: Arc<Engine>,
    /// How a `POST`'s body is read.
    pub(crate) body_limits: BodyLimits,
}

impl tower_service::Service<Request> for Dispatch {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<
        BoxFuture<'static, Result<Response, Infallible>>,
        Ready<Result<Response, Infallible>>,
    >;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let engine = State(self.engine.clone());
        match *request.method() {
            Method::POST => {
                let limits = self.body_limits.clone();
                Either::Left(Box::pin(async move {
                    Ok(post::handle(engine, &limits, request).await)
                }))
            }
            Method::GET | Method::HEAD => {
                let headers = request.into_parts().0.headers;
                Either::Left(Box::pin(
                    async move { Ok(get::handle(engine, headers).await) },
                ))
            }
            Method::DELETE => {
                let headers = request.into_parts().0.headers;
                Either::Left(Box::pin(async move {
                    Ok(session::delete(engine, headers).await)
                }))
            }
            _ => Either::Right(ready(Ok(method_not_allowed()))),
        }
    }
}

/// 405, naming the methods the endpoint has.
fn method_not_allowed() -> Response {
    let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
    response.headers_mut().insert(
        http::header::ALLOW,
        HeaderValue::from_static("GET,HEAD,POST,DELETE"),
    );
    response
}

/// The endpoint's stack: CORS (for browsers), the guard, the token check when auth is on,
/// then the methods.
pub(crate) type Service = super::cors::BrowsersOnlyService<super::guard::Guard<Authed>>;

/// The methods, behind the token check when the server requires one.
#[derive(Clone)]
pub(crate) enum Authed {
    On(crate::auth::RequireAuth<Dispatch>),
    Off(Dispatch),
}

impl tower_service::Service<Request> for Authed {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<
        <crate::auth::RequireAuth<Dispatch> as tower_service::Service<Request>>::Future,
        <Dispatch as tower_service::Service<Request>>::Future,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        match self {
            Self::On(service) => service.poll_ready(cx),
            Self::Off(service) => service.poll_ready(cx),
        }
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self {
            Self::On(service) => Either::Left(service.call(request)),
            Self::Off(service) => Either::Right(service.call(request)),
        }
    }
}
