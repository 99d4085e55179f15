//! The builder's limits and timeouts: what one client, or all of them, may hold at once.

use std::time::Duration;

use super::Server;

impl Server {
    /// Most sessions open at once (default 10,000). At it, a new session evicts the least
    /// recently used idle one (unfinished handshakes first; its client gets 404 and starts
    /// over, as the spec says). A session with a request in flight or a stream open is never
    /// evicted; only when every one is in use is `initialize` refused with 503.
    pub fn max_sessions(mut self, sessions: usize) -> Self {
        self.settings.max_sessions = sessions.max(1);
        self
    }

    /// Most sessions one client holds (default 1,000): the client is its verified identity
    /// when auth is on, else its address (see [`trusted_proxies`](Self::trusted_proxies)).
    /// At it, the client's own least recently used idle session is evicted, so one client
    /// cannot take the sessions of others.
    pub fn max_sessions_per_client(mut self, sessions: usize) -> Self {
        self.settings.max_sessions_per_client = sessions.max(1);
        self
    }

    /// Proxies (IP addresses) whose `X-Forwarded-For` names the client, for its quotas: the
    /// left-most hop of a request from one of them is the client (default none).
    pub fn trusted_proxies(mut self, proxies: impl IntoIterator<Item = std::net::IpAddr>) -> Self {
        self.settings.trusted_proxies = proxies.into_iter().collect();
        self
    }

    /// Most tool calls running at once, server-wide (default 1,000). Past it, a call waits
    /// in the [call queue](Self::call_queue).
    pub fn max_concurrent_calls(mut self, calls: usize) -> Self {
        self.settings.max_concurrent_calls = calls.max(1);
        self
    }

    /// Most tool calls running at once in one session (default 64). Past it, a call waits
    /// in the [call queue](Self::call_queue).
    pub fn max_calls_per_session(mut self, calls: usize) -> Self {
        self.settings.max_calls_per_session = calls.max(1);
        self
    }

    /// Most calls waiting for a slot past the running caps (default 4,096). Past it, a call
    /// is refused at once with HTTP 503 and `Retry-After`; 0 refuses at the caps.
    pub fn call_queue(mut self, calls: usize) -> Self {
        self.settings.call_queue = calls;
        self
    }

    /// Longest a call waits in the queue for a slot (default 30 s); then HTTP 503 and
    /// `Retry-After`.
    pub fn call_queue_timeout(mut self, timeout: Duration) -> Self {
        self.settings.call_queue_timeout = timeout;
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
        self.settings.stall_timeout = timeout;
        self
    }

    /// Most messages in one JSON-RPC batch (protocol 2025-03-26; default 64).
    pub fn max_batch(mut self, messages: usize) -> Self {
        self.settings.max_batch = messages.max(1);
        self
    }
}

/// The HTTP transport's limits (see [`HttpLimits`](crate::limits::HttpLimits) for what each one
/// does and its default).
impl Server {
    /// Closes a connection whose request headers take longer than this (default 10 s).
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.settings.header_timeout = timeout;
        self
    }

    /// Closes a keep-alive connection idle for this long between requests (default 60 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.settings.idle_timeout = timeout;
        self
    }

    /// Serves at most this many connections at once (default 4096): at it the longest-idle
    /// one is closed to admit a new one; when every one is busy, a new one gets 503.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.settings.max_connections = connections.max(1);
        self
    }

    /// Refuses request bodies larger than this many bytes with 413 (default 4 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// Answers 408 to a request whose body takes longer than this to arrive (default 30 s).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.settings.body_timeout = timeout;
        self
    }

    /// Closes a connection whose client has read nothing of its response for this long
    /// (default 30 s): a reader that stopped is cut off, and its call cancelled.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.settings.write_timeout = timeout;
        self
    }

    /// Buffers at most this many bytes of request bodies server-wide (default 64 MiB).
    pub fn body_budget(mut self, bytes: usize) -> Self {
        self.settings.body_budget = bytes;
        self
    }

    /// Lets calls in flight finish for this long after SIGINT or SIGTERM (default 10 s).
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.settings.drain_timeout = timeout;
        self
    }
}
