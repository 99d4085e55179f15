//! How long to wait before reconnecting a dropped stream.

use std::time::Duration;

/// Reconnection policy: exponential backoff with jitter, never sooner than the server's
/// `retry`. It paces both the resumption of a dropped SSE stream and, once the server has
/// answered at least once, the resending of a request that could not reach it (a reset
/// pooled connection, a server restarting). A request whose connection broke after the
/// server read it may then run twice; `max_attempts(0)` turns both off.
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::client::Reconnect;
///
/// let policy = Reconnect::default()
///     .initial_delay(Duration::from_millis(200))
///     .max_delay(Duration::from_secs(5))
///     .max_attempts(8);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Reconnect {
    pub(crate) initial_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_attempts: u32,
}

impl Default for Reconnect {
    /// 250 ms, doubling up to 10 s, at most 6 attempts in a row.
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_attempts: 6,
        }
    }
}

impl Reconnect {
    /// The wait before the first attempt (when the server sent no `retry`).
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The longest wait between attempts (a larger `retry` from the server still wins).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How many failed attempts in a row end the stream with an error (0: never reconnect).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The wait before attempt `attempt` (0-based) when the server last asked for `retry`.
    ///
    /// The base doubles with each attempt up to `max_delay`; the server's `retry` is a
    /// floor. Up to a quarter of the base is added at random, so that many clients dropped
    /// at once do not all come back at once.
    pub(crate) fn delay(&self, attempt: u32, retry: Option<Duration>) -> Duration {
        let exponential = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
            .min(self.max_delay);
        let base = retry.map_or(exponential, |floor| exponential.max(floor));
        base + jitter(base / 4)
    }
}

/// A random duration in `[0, up_to]`.
fn jitter(up_to: Duration) -> Duration {
    let mut bytes = [0u8; 4];
    // Without randomness there is simply no jitter.
    if getrandom::fill(&mut bytes).is_err() {
        return Duration::ZERO;
    }
    let fraction = f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX);
    up_to.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_bounded_jitter() {
        let policy = Reconnect::default()
            .initial_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(1000));
        for (attempt, base) in [(0, 100), (1, 200), (2, 400), (3, 800), (4, 1000), (9, 1000)] {
            let delay = policy.delay(attempt, None);
            let base = Duration::from_millis(base);
            assert!(
                delay >= base && delay <= base + base / 4,
                "attempt {attempt}: {delay:?} not in [{base:?}, +25%]"
            );
        }
    }

    #[test]
    fn the_servers_retry_is_a_floor() {
        let policy = Reconnect::default().initial_delay(Duration::from_millis(10));
        let delay = policy.delay(0, Some(Duration::from_millis(3000)));
        assert!(delay >= Duration::from_millis(3000), "{delay:?}");
        // A smaller retry than the backoff does not shorten the wait.
        let delay = policy.delay(3, Some(Duration::from_millis(1)));
        assert!(delay >= Duration::from_millis(80), "{delay:?}");
    }
}
