//! Streamable HTTP: one endpoint, `POST` for messages, `DELETE` to end a session.

mod get;
mod guard;
mod headers;
mod post;
mod reply;
mod session;
mod sse;

use std::future::IntoFuture as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use axum::serve::ListenerExt as _;

pub(crate) use guard::HostPolicy;

use tokio_util::sync::CancellationToken;

use crate::server::{Engine, ServerHandle};

/// Largest request body accepted (larger → 413).
pub(crate) const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub(crate) fn router(path: &str, engine: Arc<Engine>, hosts: HostPolicy) -> Router {
    Router::new()
        .route(
            path,
            post(post::handle).get(get::handle).delete(session::delete),
        )
        .route_layer(guard::GuardLayer::new(hosts))
        .with_state(engine)
}

/// How long calls in flight may take to finish after Ctrl-C before the server stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until Ctrl-C, with `TCP_NODELAY` on every connection:
/// without it, small SSE frames wait behind Nagle's algorithm and delayed ACKs (~40 ms each).
///
/// On Ctrl-C it stops accepting connections and ends the streams that never end by
/// themselves, lets calls in flight finish for up to [`SHUTDOWN_GRACE`], and stops at once
/// on a second Ctrl-C.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    server: ServerHandle,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {e}");
        }
    });
    let stopping = CancellationToken::new();
    let serving = axum::serve(listener, router).with_graceful_shutdown({
        let stopping = stopping.clone();
        async move {
            ctrl_c().await;
            stopping.cancel();
        }
    });
    let mut serving = std::pin::pin!(serving.into_future());
    tokio::select! {
        served = &mut serving => return served,
        () = stopping.cancelled() => {}
    }
    server.shutdown();
    tracing::info!("shutting down: letting calls in flight finish (up to {SHUTDOWN_GRACE:?})");
    tokio::select! {
        served = serving => served,
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("calls still running after {SHUTDOWN_GRACE:?}: stopping anyway");
            Ok(())
        }
        () = ctrl_c() => {
            tracing::warn!("second Ctrl-C: stopping now");
            Ok(())
        }
    }
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM, what container runtimes and process
/// managers send to stop a server; never where signals cannot be handled.
async fn ctrl_c() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => {
            if interrupted.is_err() {
                std::future::pending::<()>().await;
            }
        }
        () = terminate => {}
    }
}
