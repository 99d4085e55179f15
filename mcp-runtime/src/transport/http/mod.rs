//! Streamable HTTP: one endpoint, `POST` for messages, `DELETE` to end a session.

mod cors;
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
pub(crate) use headers::{PROTOCOL_VERSION, SESSION_ID};

use tokio_util::sync::CancellationToken;

use crate::server::{Engine, ServerHandle};

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
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }
}

pub(crate) fn router(engine: Arc<Engine>, surface: Surface) -> Router {
    let mut endpoint = post(post::handle).get(get::handle).delete(session::delete);
    if let Some(auth) = &surface.auth {
        auth.set_endpoint(&surface.path);
        endpoint = endpoint.route_layer(crate::auth::AuthLayer::new(auth.clone()));
    }
    let mut router = Router::new().route(&surface.path, endpoint);
    if let Some(auth) = surface.auth {
        router = router.merge(crate::auth::metadata_routes(auth, surface.scopes));
    }
    #[cfg(feature = "metrics")]
    if let Some((path, handle)) = surface.metrics {
        let scrape = move |axum::extract::State(d): axum::extract::State<Arc<Engine>>| {
            let text = crate::observe::render_prometheus(&handle, d.store.len());
            std::future::ready(text)
        };
        router = router.route(&path, axum::routing::get(scrape));
    }
    router
        .route_layer(guard::GuardLayer::new(surface.hosts.clone()))
        .layer(cors::layer(&surface.hosts))
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

/// Resolves on Ctrl-C; never where signals cannot be handled.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
