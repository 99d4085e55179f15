//! Turning a bearer token into an [`Identity`]: the [`TokenVerifier`] trait, and the
//! static tokens of [`Auth::bearer_tokens`](super::Auth::bearer_tokens).

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use sha2::{Digest as _, Sha256};

use super::Identity;

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token is malformed, expired, not meant for this server, or badly signed: 401
    /// with `error="invalid_token"`; the message says which (it is sent to the client).
    #[error("{0}")]
    InvalidToken(String),
    /// The token could not be checked now (the issuer's keys are unreachable): 503.
    #[error("{0}")]
    Unavailable(String),
}

/// Checks access tokens: JWTs (`Auth::jwt`, feature `jwt`), token introspection, a
/// database of API keys, anything. Verified tokens are cached briefly by the auth layer
/// (keyed by a hash of the token, never beyond [`Identity::expiry`]), so `verify` runs
/// once per token rather than once per request.
///
/// ```
/// use futures_util::future::BoxFuture;
/// use mcp_runtime::auth::{AuthError, Identity, TokenVerifier};
///
/// struct OneUser;
///
/// impl TokenVerifier for OneUser {
///     fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Identity, AuthError>> {
///         Box::pin(async move {
///             if token == "let-me-in" {
///                 Ok(Identity::new("alice").with_scopes(["notes:read"]))
///             } else {
///                 Err(AuthError::InvalidToken("unknown token".into()))
///             }
///         })
///     }
/// }
/// ```
pub trait TokenVerifier: Send + Sync + 'static {
    /// The identity `token` stands for, or why it is refused.
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Identity, AuthError>>;
}

/// A token's SHA-256: what is kept in memory instead of the token itself.
pub(crate) type TokenHash = [u8; 32];

pub(crate) fn hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// Static bearer tokens (API keys): each grants every scope, with subject `token-N` (its
/// position in the list, from 1) so logs tell them apart without showing them.
#[derive(Debug, Default)]
pub(crate) struct StaticTokens(HashMap<TokenHash, Identity>);

impl StaticTokens {
    pub(crate) fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(tokens: I) -> Self {
        Self(
            tokens
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    let identity = Identity::new(format!("token-{}", i + 1)).with_all_scopes();
                    (hash(t.as_ref()), identity)
                })
                .collect(),
        )
    }

    /// Looks the token's hash up: comparing hashes leaks nothing usable about the tokens.
    pub(crate) fn verify(&self, hashed: &TokenHash) -> Option<Identity> {
        self.0.get(hashed).cloned()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_tokens() {
        let tokens = StaticTokens::new(["alpha", "beta"]);
        let beta = tokens.verify(&hash("beta")).expect("known");
        assert_eq!(beta.subject(), "token-2");
        assert!(beta.has_scope("anything"));
        assert!(tokens.verify(&hash("gamma")).is_none());
    }
}
