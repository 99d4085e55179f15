//! When to stop serving: SIGINT (Ctrl-C) and SIGTERM (`docker stop`, systemd, Kubernetes),
//! or a future of the caller's.

use std::future::Future;
use std::pin::Pin;

/// A source of stop requests. The first one starts the drain; a second one (signals only)
/// cuts it short.
pub(crate) struct Shutdown(Source);

enum Source {
    #[cfg(unix)]
    Signals {
        interrupt: Option<tokio::signal::unix::Signal>,
        terminate: Option<tokio::signal::unix::Signal>,
    },
    #[cfg(not(unix))]
    CtrlC,
    /// Fires once; `None` after.
    Future(Option<Pin<Box<dyn Future<Output = ()> + Send>>>),
}

impl Shutdown {
    /// SIGINT and SIGTERM; only Ctrl-C where there are no Unix signals. A signal that cannot
    /// be listened for is logged and never fires.
    pub(crate) fn signals() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(signal) => Some(signal),
                Err(e) => {
                    tracing::warn!("cannot listen for {name}: {e}");
                    None
                }
            };
            Self(Source::Signals {
                interrupt: listen(SignalKind::interrupt(), "SIGINT"),
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
            })
        }
        #[cfg(not(unix))]
        {
            Self(Source::CtrlC)
        }
    }

    /// When `stop` resolves.
    pub(crate) fn when(stop: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(Source::Future(Some(Box::pin(stop))))
    }

    /// Resolves at the next stop request. Cancel-safe: usable in `select!` loops.
    pub(crate) async fn signalled(&mut self) {
        match &mut self.0 {
            #[cfg(unix)]
            Source::Signals {
                interrupt,
                terminate,
            } => {
                tokio::select! {
                    Some(()) = recv(interrupt) => tracing::info!("SIGINT received"),
                    Some(()) = recv(terminate) => tracing::info!("SIGTERM received"),
                    else => std::future::pending().await,
                }
            }
            #[cfg(not(unix))]
            Source::CtrlC => {
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            Source::Future(stop) => match stop {
                Some(future) => {
                    future.await;
                    *stop = None;
                }
                None => std::future::pending().await,
            },
        }
    }
}

#[cfg(unix)]
async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(signal) => signal.recv().await,
        None => None,
    }
}
