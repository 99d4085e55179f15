//! What an operator tunes at the HTTP layer: connection and body limits, timeouts, the drain
//! on shutdown. Defaults are safe for a server on the open internet.

use std::time::Duration;

/// Connection- and body-level limits of the HTTP transport, with safe defaults.
///
/// Each is also a setting (the same name in [`Settings`](crate::settings::Settings), `MCP_*`
/// and the TOML file). Set them one by one with the [`Server`](crate::Server) builder methods
/// ([`Server::header_timeout`](crate::Server::header_timeout), …) or all at once with
/// [`Server::http_limits`](crate::Server::http_limits):
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::Server;
/// use mcp_runtime::limits::HttpLimits;
///
/// let mut limits = HttpLimits::default();
/// limits.max_connections = 256;
/// limits.header_timeout = Duration::from_secs(5);
/// let server = Server::new("tuned").http_limits(limits);
/// # let _ = server;
/// ```
///
/// The connection settings (`header_timeout`, `idle_timeout`, `write_timeout`,
/// `max_connections`, `drain_timeout`) take effect in [`Server::serve`](crate::Server::serve)
/// and [`Server::serve_on`](crate::Server::serve_on); the body settings also in
/// [`Server::router`](crate::Server::router).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpLimits {
    /// How long a client may take to send a request's headers, counted from the moment the
    /// connection opens or the first byte of the request arrives; then the connection is
    /// closed (slowloris protection). Default 10 seconds.
    pub header_timeout: Duration,
    /// How long a keep-alive connection may sit idle between requests before it is closed.
    /// Default 60 seconds. A connection with a request in flight (a call, an open SSE
    /// stream) is never idle.
    pub idle_timeout: Duration,
    /// How many connections are served at once. At it, the idle connection cheapest to lose
    /// (one that never sent a byte, else the longest idle keep-alive one; never one with a
    /// request in flight or a stream open) is closed to admit a new one; when every one is
    /// in use, a new connection gets `503 Service Unavailable` with `Retry-After: 1` and is
    /// closed. Default 4096 (each one is a file descriptor: keep it below the process's
    /// `ulimit -n`).
    pub max_connections: usize,
    /// The largest request body accepted, in bytes: a larger `Content-Length` gets `413`
    /// before any of the body is read, and a chunked body is refused once it grows past
    /// it. Default 4 MiB.
    pub body_limit: usize,
    /// How long a client may take to send a request's body once its headers are in; then
    /// it gets `408 Request Timeout`. Default 30 seconds.
    pub body_timeout: Duration,
    /// How long a response may wait on a client that reads none of it (the socket stays
    /// full) before the connection is closed; a call streaming to it is cancelled. A slow
    /// reader that takes something now and then is never cut off. Default 30 seconds.
    pub write_timeout: Duration,
    /// How many bytes of request bodies the whole server buffers at once (bodies are read
    /// whole before they are parsed). A body that would go past it waits up to
    /// `body_budget_wait` for room, then gets `503` with `Retry-After: 1`. Default 64 MiB.
    pub body_budget: usize,
    /// How long a body waits for room in `body_budget`. Default 1 second.
    pub body_budget_wait: Duration,
    /// On SIGINT or SIGTERM, how long calls in flight may take to finish before the server
    /// stops anyway (a second signal stops it at once). Default 10 seconds.
    pub drain_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 4096,
            body_limit: 4 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            body_budget: 64 * 1024 * 1024,
            body_budget_wait: Duration::from_secs(1),
            drain_timeout: Duration::from_secs(10),
        }
    }
}
