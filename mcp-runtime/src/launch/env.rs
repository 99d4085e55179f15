//! The operator's side of the description: settings from `--config FILE` and the `MCP_*`
//! environment, and the store they name.

#[cfg(feature = "redis")]
use std::time::Duration;

use crate::server::Server;

impl Server {
    /// A server with this name and the operator's [`Settings`](crate::settings::Settings): the TOML file of
    /// `--config FILE` on the command line, then the `MCP_*` environment variables, over
    /// the defaults. Builder calls after this override them. A bad value makes
    /// [`serve`](Self::serve) fail with a message naming the variable.
    ///
    /// ```no_run
    /// use mcp_runtime::{Auth, Server};
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// Server::from_env("notes")               // MCP_ADDR, MCP_ALLOWED_ORIGINS, …
    ///     .auth(Auth::bearer_tokens(["s3cret"]))
    ///     .metrics("/metrics")
    ///     .serve()
    ///     .await
    /// # }
    /// ```
    pub fn from_env(name: impl Into<String>) -> Self {
        let mut server = Self::new(name);
        server.load_env();
        server
    }

    pub(super) fn load_env(&mut self) {
        if std::mem::replace(&mut self.env_loaded, true) {
            return;
        }
        if let Err(e) = self.settings.load_env() {
            self.settings_error = Some(e.to_string());
        }
    }

    /// The `redis_url` setting (`MCP_REDIS_URL`, with `redis_prefix` and `redis_lease_ms`)
    /// chooses the Redis store unless the builder chose a store already.
    pub(super) fn store_from_env(self) -> Self {
        let Some(url) = self.settings.redis_url.clone() else {
            return self;
        };
        #[cfg(feature = "redis")]
        {
            if self.redis.is_some() {
                return self;
            }
            let mut store = crate::server::store::redis::RedisStore::new(url);
            if let Some(prefix) = &self.settings.redis_prefix {
                store = store.prefix(prefix.clone());
            }
            if let Some(ms) = self.settings.redis_lease_ms {
                store = store.lease(Duration::from_millis(ms as u64));
            }
            self.store(store)
        }
        #[cfg(not(feature = "redis"))]
        {
            tracing::warn!(
                "MCP_REDIS_URL is set ({url}) but this binary was built without the `redis` feature of mcp-runtime: sessions stay in this process"
            );
            self
        }
    }
}
