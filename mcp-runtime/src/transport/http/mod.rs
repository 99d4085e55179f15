//! Streamable HTTP: one endpoint, `POST` for messages, `DELETE` to end a session.

mod get;
mod guard;
mod headers;
mod post;
mod reply;
mod session;
mod sse;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::serve::ListenerExt as _;

pub(crate) use guard::HostPolicy;

use crate::server::Dispatcher;

/// Largest request body accepted (larger → 413).
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub(crate) fn router(path: &str, dispatcher: Arc<Dispatcher>, hosts: HostPolicy) -> Router {
    Router::new()
        .route(
            path,
            post(post::handle).get(get::handle).delete(session::delete),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .route_layer(guard::GuardLayer::new(hosts))
        .with_state(dispatcher)
}

/// Serves `router` on `listener` until Ctrl-C, with `TCP_NODELAY` on every connection:
/// without it, small SSE frames wait behind Nagle's algorithm and delayed ACKs (~40 ms each).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            if tokio::signal::ctrl_c().await.is_err() {
                // No signal handling on this platform: serve until the process is killed.
                std::future::pending::<()>().await;
            }
        })
        .await
}
