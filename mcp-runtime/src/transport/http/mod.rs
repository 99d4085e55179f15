//! Streamable HTTP: one endpoint, `POST` for messages, `DELETE` to end a session.

mod config;
mod get;
mod guard;
pub(crate) mod headers;
mod limits;
mod listener;
mod post;
mod reply;
mod session;
mod shutdown;
mod sse;

use std::sync::Arc;

use axum::Router;
use axum::routing::post;

pub(crate) use config::HttpOptions;
pub use config::{BodyMeter, HttpLimits};
pub(crate) use guard::HostPolicy;
pub(crate) use listener::serve;
pub(crate) use shutdown::Shutdown;

use crate::server::Engine;

/// The endpoint. Layers run outside in: the Host/Origin guard (and the header checks) on
/// the headers alone, then the body limits, which buffer the body for the handler.
pub(crate) fn router(
    path: &str,
    engine: Arc<Engine>,
    hosts: HostPolicy,
    http: &HttpOptions,
) -> Router {
    Router::new()
        .route(
            path,
            post(post::handle).get(get::handle).delete(session::delete),
        )
        .layer(limits::BodyLimitLayer::new(
            http.limits,
            http.budget.clone(),
        ))
        .route_layer(guard::GuardLayer::new(hosts))
        .with_state(engine)
}
