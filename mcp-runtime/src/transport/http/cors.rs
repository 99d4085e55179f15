//! CORS for browser clients, driven by the same allowed origins as the `Origin` check, so
//! one setting says which pages may call.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use futures_util::future::Either;
use http::{HeaderName, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer, ExposeHeaders};
use tower_layer::Layer as _;

use super::guard::HostPolicy;
use super::headers;

/// Answers preflights from allowed origins, and lets their pages read the headers an MCP
/// client needs (`Mcp-Session-Id`, `MCP-Protocol-Version`, `WWW-Authenticate`).
///
/// The request headers a preflight asks for are allowed as asked: the origin is what is
/// checked, and MCP clients send `Mcp-Param-*` headers whose names depend on the tool.
/// No credentials mode: tokens travel in `Authorization`, never in cookies.
pub(crate) fn layer(policy: &HostPolicy) -> BrowsersOnly {
    BrowsersOnly(cors(policy))
}

fn cors(policy: &HostPolicy) -> CorsLayer {
    let origins = match &policy.origins {
        None => AllowOrigin::any(),
        Some(_) => {
            let policy = policy.clone();
            AllowOrigin::predicate(move |origin, _| {
                origin.to_str().is_ok_and(|o| policy.origin_allowed(o))
            })
        }
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(ExposeHeaders::list([
            headers::SESSION_ID,
            headers::PROTOCOL_VERSION,
            http::header::WWW_AUTHENTICATE,
            HeaderName::from_static("retry-after"),
        ]))
        .max_age(Duration::from_secs(60 * 60))
}

/// CORS for the requests that carry an `Origin` (browsers'), and nothing for the others:
/// MCP clients outside a browser send none, and the CORS headers are of no use to them, so
/// their requests skip the work.
#[derive(Clone)]
pub(crate) struct BrowsersOnly(CorsLayer);

impl<S: Clone> tower_layer::Layer<S> for BrowsersOnly {
    type Service = BrowsersOnlyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BrowsersOnlyService {
            cors: Arc::new(self.0.clone()),
            plain: inner,
        }
    }
}

/// The service of [`BrowsersOnly`]. axum clones a route's service for every request: the
/// CORS policy is shared behind an `Arc`, so a request without `Origin` copies nothing of it.
#[derive(Clone)]
pub(crate) struct BrowsersOnlyService<S> {
    cors: Arc<CorsLayer>,
    plain: S,
}

impl<S, B> tower_service::Service<Request> for BrowsersOnlyService<S>
where
    S: tower_service::Service<Request, Response = http::Response<B>> + Clone,
    B: Default,
{
    type Response = http::Response<B>;
    type Error = S::Error;
    type Future = Either<S::Future, tower_http::cors::ResponseFuture<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.plain.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.headers().contains_key(http::header::ORIGIN) {
            // The ready clone goes to the CORS service (the tower idiom).
            let fresh = self.plain.clone();
            let ready = std::mem::replace(&mut self.plain, fresh);
            Either::Right(self.cors.layer(ready).call(request))
        } else {
            Either::Left(self.plain.call(request))
        }
    }
}
