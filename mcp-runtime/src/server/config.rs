//! Tunables of the server, with the defaults the builder starts from.

use std::time::Duration;

/// Limits and timings; set through [`Server`](super::Server)'s builder methods.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// A session unused this long is ended.
    pub(crate) session_idle_timeout: Duration,
    /// A session whose client never sent `notifications/initialized` is ended this soon.
    pub(crate) handshake_timeout: Duration,
    /// Comment lines on idle SSE streams, and how long a call may run before its reply
    /// switches to SSE.
    pub(crate) keep_alive: Duration,
    /// Events kept per stream for `Last-Event-ID` replay.
    pub(crate) replay_events: usize,
    /// Finished streams kept per session for replay.
    pub(crate) replay_streams: usize,
    /// `retry` sent with priming events (2025-11-25+): how soon clients reconnect.
    pub(crate) sse_retry: Duration,
    /// Whether `GET` opens a server-to-client stream (else 405).
    pub(crate) standalone_stream: bool,
    /// Tools per `tools/list` page.
    pub(crate) page_size: usize,
    /// How long a call's stream may stay full with its reader taking nothing before the
    /// call is cancelled.
    pub(crate) stall_timeout: Duration,
    /// Most sessions open at once; at it the least recently used idle session is evicted.
    pub(crate) max_sessions: usize,
    /// Most sessions one client (identity, else address) holds; at it that client's own
    /// least recently used idle session is evicted.
    pub(crate) max_sessions_per_client: usize,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub(crate) trusted_proxies: Vec<std::net::IpAddr>,
    /// Most tool calls waiting for a slot at once (past the running caps).
    pub(crate) call_queue: usize,
    /// Longest a tool call waits for a slot before it is refused.
    pub(crate) call_queue_timeout: Duration,
    /// Most tool calls running at once, server-wide.
    pub(crate) max_concurrent_calls: usize,
    /// Most requests in flight at once in one session.
    pub(crate) max_calls_per_session: usize,
    /// How long a tool call may run before it is stopped (a tool's own timeout wins).
    pub(crate) call_timeout: Duration,
    /// Most messages in one JSON-RPC batch (2025-03-26).
    pub(crate) max_batch: usize,
    /// `ttlMs` of cacheable 2026-07-28 results (`server/discover`, `tools/list`).
    pub(crate) cache_ttl: Duration,
    /// Requests to the client: answer timeout, request-state sealing.
    pub(crate) peer: super::peer::PeerConfig,
    /// Largest request body over HTTP (larger → 413); `body_limit` of the settings.
    pub(crate) body_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(30 * 60),
            handshake_timeout: Duration::from_secs(60),
            keep_alive: Duration::from_secs(15),
            replay_events: 256,
            replay_streams: 16,
            sse_retry: Duration::from_secs(1),
            standalone_stream: true,
            page_size: 100,
            cache_ttl: Duration::from_secs(60),
            max_batch: 64,
            max_sessions: 10_000,
            max_sessions_per_client: 1_000,
            trusted_proxies: Vec::new(),
            call_queue: 4_096,
            call_queue_timeout: Duration::from_secs(30),
            max_concurrent_calls: 1_000,
            max_calls_per_session: 64,
            call_timeout: Duration::from_secs(10 * 60),
            stall_timeout: Duration::from_secs(30),
            peer: super::peer::PeerConfig::default(),
            body_limit: 4 * 1024 * 1024,
        }
    }
}
