//! The builder's limits and timeouts: what one client, or all of them, may hold at once.

use std::time::Duration;

use super::Server;

impl Server {
    /// Most sessions open at once (default 10,000). Past it, `initialize` is refused with
    /// HTTP 503 and `Retry-After` (expired sessions are swept first; live ones are never
    /// evicted to make room, so a flood cannot end other clients' sessions).
    pub fn max_sessions(mut self, sessions: usize) -> Self {
        self.settings.max_sessions = sessions.max(1);
        self
    }

    /// Most tool calls running at once, server-wide (default 1,000). Past it, a call is
    /// refused with HTTP 503 and `Retry-After`.
    pub fn max_concurrent_calls(mut self, calls: usize) -> Self {
        self.settings.max_concurrent_calls = calls.max(1);
        self
    }

    /// Most requests in flight at once in one session (default 64); past it, 503.
    pub fn max_calls_per_session(mut self, calls: usize) -> Self {
        self.config.max_calls_per_session = calls.max(1);
        self
    }

    /// How long a tool call may run (default 10 minutes; `#[tool(timeout = …)]` or
    /// [`ToolDef::timeout`](crate::ToolDef::timeout) sets one tool's own). A call that
    /// runs longer is stopped and answered with an `isError` result that says so.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.settings.call_timeout = timeout;
        self
    }

    /// How long a call's SSE stream may stay full while its client reads nothing before
    /// the call is cancelled (default 30 seconds). A slow reader only slows the call down:
    /// `progress!` waits for room, and no event is dropped. In a session the stream waits
    /// even with no connection at all (the client may resume it); the connection of a
    /// reader that stopped is closed by [`write_timeout`](Self::write_timeout).
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.config.stall_timeout = timeout;
        self
    }

    /// Most messages in one JSON-RPC batch (protocol 2025-03-26; default 64).
    pub fn max_batch(mut self, messages: usize) -> Self {
        self.config.max_batch = messages.max(1);
        self
    }
}
