//! The launcher: turns a [`Server`] description into a running server. It reads the
//! `MCP_*` environment, `--config FILE` and the other command-line flags, builds the HTTP
//! surface (the endpoint, auth, metrics routes), binds listeners, serves stdio, and stops on
//! signals. It sits above the core (`server/`), the transports and auth, and is the only
//! module that names all of them.

mod env;
mod http;

use std::io;
use std::net::SocketAddr;

use crate::server::Server;

/// Serves every `#[tool]` in this binary on `http://127.0.0.1:8000/mcp` (or `MCP_ADDR`)
/// until SIGINT (Ctrl-C) or SIGTERM, then drains calls in flight.
///
/// Run the binary with `--list-tools` to print the `tools/list` result instead, with
/// `--list` to print every tool, resource, resource template and prompt, or with `--stdio`
/// to serve one client on stdin and stdout (see [`serve_stdio`]).
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     mcp_runtime::serve().await
/// }
/// ```
pub async fn serve() -> io::Result<()> {
    Server::from_env(binary_name())
        .registered_tools()
        .registered_resources()
        .registered_prompts()
        .serve()
        .await
}

/// Serves every `#[tool]` in this binary to one client on stdin and stdout
/// (newline-delimited JSON-RPC), until stdin ends: for clients that launch the server as a
/// subprocess. Log with `tracing` to stderr; stdout carries only protocol messages.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     mcp_runtime::serve_stdio().await
/// }
/// ```
pub async fn serve_stdio() -> io::Result<()> {
    Server::from_env(binary_name())
        .registered_tools()
        .registered_resources()
        .registered_prompts()
        .serve_stdio()
        .await
}

fn binary_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "mcp-server".to_owned())
}

impl Server {
    /// Serves on `MCP_ADDR` (default `127.0.0.1:8000`) until SIGINT or SIGTERM. On the command line,
    /// `--list-tools` prints the `tools/list` result and returns instead, `--list` prints
    /// everything served ([`listing_json`](Self::listing_json)), and `--stdio` serves on
    /// stdin and stdout ([`serve_stdio`](Self::serve_stdio)).
    ///
    /// Unless [`from_env`](Self::from_env) did, it reads the `MCP_*` variables and
    /// `--config FILE` first: what they set overrides the builder. `MCP_LOG` sets up logging
    /// to stderr unless the program installed a `tracing` subscriber.
    pub async fn serve(mut self) -> io::Result<()> {
        let flag = |name: &str| std::env::args().skip(1).any(|a| a == name);
        if flag("--list-tools") {
            println!("{}", self.tools_list_json());
            return Ok(());
        }
        if flag("--list") {
            println!("{}", self.listing_json());
            return Ok(());
        }
        self.load_env();
        if let Some(why) = &self.settings_error {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why.clone()));
        }
        crate::observe::init_logging(&self.settings.log)
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        if flag("--stdio") {
            return self.serve_stdio().await;
        }
        let this = self.store_from_env();
        let addr = this.settings.addr.clone();
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
        this.serve_on(listener).await
    }

    /// Serves one client on stdin and stdout (newline-delimited JSON-RPC) until stdin ends.
    /// Nothing but protocol messages is written to stdout.
    pub async fn serve_stdio(#[allow(unused_mut)] mut self) -> io::Result<()> {
        // One client, one connection: its session lives with the connection, here.
        #[cfg(feature = "redis")]
        {
            self.redis = None;
        }
        self.check()?;
        let engine = self.engine();
        crate::transport::stdio::serve(engine, tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves on an already bound listener (tests bind `127.0.0.1:0`) until SIGINT or
    /// SIGTERM: then it stops accepting, ends `GET` streams, and lets calls in flight finish
    /// for up to the drain timeout ([`HttpLimits`](crate::limits::HttpLimits)); a second signal
    /// stops it at once.
    ///
    /// Bound to a public address with no [`allowed_hosts`](Self::allowed_hosts) set, any
    /// `Host` is accepted (the server cannot know its public names) but browser origins
    /// still need [`allowed_origins`](Self::allowed_origins).
    pub async fn serve_on(self, listener: tokio::net::TcpListener) -> io::Result<()> {
        let signals = crate::transport::http::Shutdown::signals();
        self.serve_listener(listener, signals).await
    }

    /// [`serve_on`](Self::serve_on), stopping when `shutdown` says so.
    pub(crate) async fn serve_listener(
        self,
        listener: tokio::net::TcpListener,
        shutdown: crate::transport::http::Shutdown,
    ) -> io::Result<()> {
        let local: SocketAddr = listener.local_addr()?;
        let path = self.settings.path.clone();
        let limits = self.http_options().limits;
        let tools = self.tools.len();
        let (router, handle, endpoint) = self
            .build(Some(local))
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let plural = if tools == 1 { "" } else { "s" };
        println!("MCP server listening on http://{local}{path} ({tools} tool{plural})");
        let app = crate::transport::http::App { router, endpoint };
        crate::transport::http::serve(listener, app, handle, limits, shutdown).await
    }
}
