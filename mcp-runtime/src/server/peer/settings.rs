//! The operator's knobs for asking the client: the keys that seal 2026-07-28 request
//! states, how long those states live, and how long a handshake-era request waits.

use std::time::Duration;

use crate::server::Server;

/// Settings of requests to the client (elicitation, sampling, roots).
#[derive(Debug, Clone)]
pub(crate) struct PeerConfig {
    pub(crate) sealing: super::StateSealing,
    pub(crate) answer_timeout: Duration,
}

impl Default for PeerConfig {
    fn default() -> Self {
        Self {
            sealing: super::StateSealing::default(),
            answer_timeout: super::ANSWER_TIMEOUT,
        }
    }
}

impl Server {
    /// The secrets that seal 2026-07-28 `requestState`s (multi-round-trip), newest first:
    /// the first seals, every one opens, so a rotation (prepend the new secret, drop the
    /// oldest later) keeps states already issued valid. Give every replica the same list so
    /// a retry may reach any of them. Each secret is hashed into a 256-bit key; use at
    /// least 32 random bytes. Default: one random key per process.
    ///
    /// ```
    /// let server = mcp_runtime::Server::new("notes")
    ///     .mrtr_keys(["k2-0d9f6c1e8a7b4c3d2e1f0a9b8c7d6e5f", "k1-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"]);
    /// ```
    ///
    /// # Panics
    /// With no secret, or one shorter than 16 bytes: a configuration error at start-up.
    pub fn mrtr_keys<S: Into<String>>(mut self, secrets: impl IntoIterator<Item = S>) -> Self {
        let secrets: Vec<String> = secrets.into_iter().map(Into::into).collect();
        assert!(
            secrets.iter().all(|s| s.len() >= 16),
            "mrtr_keys: every secret must be at least 16 bytes (use 32 random bytes)"
        );
        assert!(!secrets.is_empty(), "mrtr_keys: give at least one secret");
        self.settings.mrtr_keys = secrets;
        self
    }

    /// How long a sealed `requestState` stays valid (default 10 minutes): a retry after
    /// that is refused and the client starts the request over.
    pub fn mrtr_state_ttl(mut self, ttl: Duration) -> Self {
        self.settings.mrtr_state_ttl = ttl;
        self
    }

    /// How long a handshake-era request to the client (elicitation, sampling, roots) waits
    /// for its answer before the tool gets [`PeerError::Timeout`](crate::peer::PeerError)
    /// (default 5 minutes: a person may be filling in a form).
    pub fn client_answer_timeout(mut self, timeout: Duration) -> Self {
        self.settings.client_answer_timeout = timeout;
        self
    }
}
