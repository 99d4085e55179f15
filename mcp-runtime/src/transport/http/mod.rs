//! Streamable HTTP: one endpoint, `POST` for messages, `DELETE` to end a session.

mod client;
mod config;
mod cors;
mod endpoint;
mod get;
mod guard;
pub(crate) mod headers;
mod idle;
mod legacy;
mod limits;
mod listener;
mod post;
mod reply;
mod rest;
mod session;
mod shutdown;
mod sse;

use std::sync::Arc;

use axum::Router;
use axum::routing::post;

pub use config::HttpLimits;
pub(crate) use guard::HostPolicy;
pub(crate) use limits::BodyBudget;
pub use limits::BodyMeter;
pub(crate) use limits::HttpOptions;
pub(crate) use listener::{App, serve};
pub(crate) use shutdown::Shutdown;

use crate::server::Engine;

/// What the HTTP surface serves besides the endpoint, and how it is guarded.
pub(crate) struct Surface {
    /// The endpoint's path.
    pub(crate) path: String,
    /// Accepted `Host` and `Origin` values; the origins drive CORS too.
    pub(crate) hosts: HostPolicy,
    /// Token checks on the endpoint, and the metadata routes.
    pub(crate) auth: Option<Arc<crate::auth::Shared>>,
    /// `scopes_supported` of the metadata.
    pub(crate) scopes: Vec<String>,
    /// Connection and body limits, and the body budget.
    pub(crate) http: HttpOptions,
    /// Where the plain-HTTP tool interface is mounted, if anywhere.
    pub(crate) rest: Option<String>,
    /// Whether the 2024-11-05 HTTP+SSE transport is served too.
    pub(crate) legacy_sse: bool,
    /// The Prometheus endpoint's path and handle.
    #[cfg(feature = "metrics")]
    pub(crate) metrics: Option<(String, metrics_exporter_prometheus::PrometheusHandle)>,
}

impl Surface {
    /// The endpoint at `path` alone: loopback hosts, no auth, no metrics.
    #[cfg(test)]
    pub(crate) fn plain(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            hosts: HostPolicy::default(),
            auth: None,
            scopes: Vec::new(),
            http: HttpOptions::default(),
            rest: None,
            legacy_sse: false,
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }
}

/// The endpoint and its routes. Layers run outside in: CORS; the Host/Origin guard and the
/// other checks of headers alone (repeated MCP headers, a POST's media types); the token
/// check; then the endpoint, whose `POST` handler finds the session the request names (an
/// unknown one: 404) before it reads the body under the body limits, so nothing of an
/// unauthenticated or misdirected body is held.
pub(crate) fn router(engine: Arc<Engine>, surface: Surface) -> (Router, Endpoint) {
    use tower_layer::Layer as _;
    let auth_layer = surface
        .auth
        .as_ref()
        .map(|auth| crate::auth::AuthLayer::new(auth.clone()));
    let body_limits = limits::BodyLimits::new(surface.http.limits, surface.http.budget.clone());
    let body_limit = || limits::BodyLimitLayer::new(body_limits.clone());
    let mut router = Router::new();
    if surface.legacy_sse {
        router = router.merge(legacy::routes(
            &surface.path,
            auth_layer.clone(),
            body_limit(),
        ));
    }
    // The plain-HTTP tools: the Host/Origin guard, not the endpoint's media-type checks.
    let rest = (surface.rest.as_deref()).map(|prefix| {
        rest_routes(prefix, auth_layer.clone(), body_limit())
            .route_layer(guard::GuardLayer::hosts_only(surface.hosts.clone()))
    });
    if let Some(auth) = &surface.auth {
        auth.set_endpoint(&surface.path);
        router = router.merge(crate::auth::metadata_routes(
            auth.clone(),
            surface.scopes.clone(),
        ));
    }
    #[cfg(feature = "metrics")]
    if let Some((path, handle)) = surface.metrics {
        let scrape = move |axum::extract::State(d): axum::extract::State<Arc<Engine>>| {
            let text = crate::observe::render_prometheus(&handle, d.store.len());
            std::future::ready(text)
        };
        router = router.route(&path, axum::routing::get(scrape));
    }
    if router.has_routes() {
        router = router.route_layer(guard::GuardLayer::new(surface.hosts.clone()));
    }
    if let Some(rest) = rest {
        router = router.merge(rest);
    }
    let router = router.layer(cors::layer(&surface.hosts));
    // The endpoint, added after the layers above so that none of them wraps it: one
    // service, with the same checks in the same order (CORS, the guard, the token, then in
    // the handler the session a POST names and the body limits).
    let intake = endpoint::Dispatch {
        engine: engine.clone(),
        body_limits,
    };
    let cors = cors::layer(&surface.hosts);
    let guard = guard::GuardLayer::new(surface.hosts.clone());
    let authed = match auth_layer {
        Some(auth) => endpoint::Authed::On(auth.layer(intake)),
        None => endpoint::Authed::Off(intake),
    };
    let service = cors.layer(guard.layer(authed));
    let router = router.route_service(&surface.path, service.clone());
    let endpoint = Endpoint {
        path: surface.path.as_str().into(),
        service,
    };
    (router.with_state(engine), endpoint)
}

/// The endpoint's service, as the router serves it at its path: for the accept loop to
/// call directly ([`Endpoint::serves`]).
#[derive(Clone)]
pub(crate) struct Endpoint {
    path: Arc<str>,
    service: endpoint::Service,
}

impl Endpoint {
    /// Whether `request` is a `POST` to the endpoint's path, which the accept loop then
    /// hands to [`call`](Self::call). A `POST` is every MCP message, so the hot path skips
    /// the router's path lookup and the boxing of its route; the other methods keep the
    /// router's handling (`HEAD` without a body, `OPTIONS` through CORS alike).
    pub(crate) fn serves<B>(&self, request: &http::Request<B>) -> bool {
        request.method() == http::Method::POST && request.uri().path() == &*self.path
    }

    /// The endpoint's answer to `request`, as the router would give it.
    pub(crate) fn call(
        &self,
        request: axum::extract::Request,
    ) -> <endpoint::Service as tower_service::Service<axum::extract::Request>>::Future {
        use tower_service::Service as _;
        self.service.clone().call(request)
    }
}

/// The plain-HTTP tool interface under `prefix` ([`rest`]).
fn rest_routes(
    prefix: &str,
    auth: Option<crate::auth::AuthLayer>,
    body_limit: limits::BodyLimitLayer,
) -> Router<Arc<Engine>> {
    use axum::routing::get;
    let prefix = prefix.trim_end_matches('/');
    let list = if prefix.is_empty() { "/" } else { prefix };
    let mut routes = Router::new()
        .route(list, get(rest::list))
        .route(
            &format!("{prefix}/{{name}}"),
            post(rest::call).layer(body_limit.clone()),
        )
        .route(
            &format!("{prefix}/{{name}}/stream"),
            post(rest::stream).layer(body_limit),
        );
    if let Some(auth) = auth {
        routes = routes.route_layer(auth);
    }
    routes
}
