//! Bearer tokens: a fixed one, or a provider asked again when the server answers 401.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::Mutex;

use super::ClientError;

/// Supplies the bearer token for requests; asked once, and again after a `401`.
///
/// Implemented for closures `Fn() -> impl Future<Output = Result<String, ClientError>>`:
///
/// ```
/// use mcp_runtime::client::{Client, ClientError};
///
/// let builder = Client::http("http://127.0.0.1:8000/mcp")
///     .token_provider(|| async { Ok::<_, ClientError>(std::env::var("TOKEN").unwrap_or_default()) });
/// # let _ = builder;
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// A token to send. Called for the first request, and again whenever the server
    /// rejected the last token with `401`.
    fn token(&self) -> BoxFuture<'_, Result<String, ClientError>>;
}

impl<F, Fut> TokenProvider for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, ClientError>> + Send + 'static,
{
    fn token(&self) -> BoxFuture<'_, Result<String, ClientError>> {
        Box::pin(self())
    }
}

/// The `Authorization` the client sends.
#[derive(Clone, Default)]
pub(crate) enum Auth {
    #[default]
    None,
    Static(String),
    Provider {
        provider: Arc<dyn TokenProvider>,
        current: Arc<Mutex<Option<String>>>,
    },
}

impl Auth {
    pub(crate) fn provider(provider: impl TokenProvider) -> Self {
        Self::Provider {
            provider: Arc::new(provider),
            current: Arc::new(Mutex::new(None)),
        }
    }

    /// The token for the next request, if any.
    pub(crate) async fn token(&self) -> Result<Option<String>, ClientError> {
        match self {
            Self::None => Ok(None),
            Self::Static(token) => Ok(Some(token.clone())),
            Self::Provider { provider, current } => {
                let mut current = current.lock().await;
                if current.is_none() {
                    *current = Some(provider.token().await?);
                }
                Ok(current.clone())
            }
        }
    }

    /// Forgets `rejected` after a 401; returns whether a new token may help (a provider
    /// will be asked again).
    pub(crate) async fn rejected(&self, rejected: Option<&str>) -> bool {
        match self {
            Self::None | Self::Static(_) => false,
            Self::Provider { current, .. } => {
                let mut current = current.lock().await;
                // Another request may have refreshed it already.
                if current.as_deref() == rejected {
                    *current = None;
                }
                true
            }
        }
    }
}
