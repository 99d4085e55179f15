//! The engine's tunables, derived from the [`Settings`] (which hold every knob).

use std::time::Duration;

use crate::settings::Settings;

/// Limits and timings the engine enforces; made from the settings when the server starts.
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
}

impl Config {
    /// The engine's tunables, from the operator's knobs (every one of them is a setting).
    pub(crate) fn from_settings(settings: &Settings) -> Self {
        let mut sealing = super::peer::StateSealing {
            ttl: settings.mrtr_state_ttl,
            ..Default::default()
        };
        if !settings.mrtr_keys.is_empty() {
            // Checked by `Settings::validate`: each 16 bytes or more.
            sealing.keys = super::peer::seal::KeyRing::from_secrets(
                settings.mrtr_keys.iter().map(String::as_bytes),
            );
        }
        Self {
            session_idle_timeout: settings.session_idle_timeout,
            handshake_timeout: settings.handshake_timeout,
            keep_alive: settings.keep_alive,
            replay_events: settings.replay_events.max(1),
            replay_streams: settings.replay_streams.max(1),
            sse_retry: settings.sse_retry,
            standalone_stream: settings.standalone_stream,
            page_size: settings.page_size.max(1),
            cache_ttl: Duration::from_secs(60),
            max_batch: settings.max_batch.max(1),
            max_sessions: settings.max_sessions,
            max_sessions_per_client: settings.max_sessions_per_client,
            trusted_proxies: settings.trusted_proxies.clone(),
            call_queue: settings.call_queue,
            call_queue_timeout: settings.call_queue_timeout,
            max_concurrent_calls: settings.max_concurrent_calls,
            max_calls_per_session: settings.max_calls_per_session,
            call_timeout: settings.call_timeout,
            stall_timeout: settings.stall_timeout,
            peer: super::peer::PeerConfig {
                sealing,
                answer_timeout: settings.client_answer_timeout,
            },
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::from_settings(&Settings::default())
    }
}
