//! Ours for the soak (workload h): on its own accept loop (`serve_on`, with the connection
//! timeouts, not `axum::serve`), with the Prometheus endpoint on. The write and stall
//! timeouts keep their defaults: shorter ones would make the soak quicker but cut off
//! readers that stay, whose writes block for seconds while a thousand frozen readers hold
//! the kernel's TCP memory (it goes into pressure at this load).
//!
//! A second port (printed as `PROBE <n>`) answers `GET /tasks` with the number of Tokio
//! tasks alive in the server's runtime: with the metrics, how the driver tells that nothing
//! was left behind.

use std::time::Duration;

use mcp_runtime::Server;

/// The metrics path on the MCP port.
pub const METRICS: &str = "/metrics";

/// How long a reader may take nothing before it is cut off: the default write timeout.
pub fn write_timeout() -> Duration {
    mcp_runtime::limits::HttpLimits::default().write_timeout
}

/// How long a session may sit unused: the sessions of readers that vanished end this soon.
pub const SESSION_IDLE: Duration = Duration::from_secs(4);

/// The soak's server: every tool of [`ours`](super::ours), limits raised to hold the whole
/// burst (each call is its own connection, and half of them their own session), sessions
/// that end soon once idle (those of the readers that vanished).
pub fn server() -> Server {
    super::ours::server()
        .metrics(METRICS)
        .max_connections(30_000)
        .max_sessions(30_000)
        .max_sessions_per_client(30_000)
        .max_concurrent_calls(30_000)
        .session_idle_timeout(SESSION_IDLE)
}

/// `GET /tasks`: the Tokio tasks alive in this runtime, as a decimal number.
pub fn probe() -> axum::Router {
    axum::Router::new().route(
        "/tasks",
        axum::routing::get(|| async {
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks()
                .to_string()
        }),
    )
}
