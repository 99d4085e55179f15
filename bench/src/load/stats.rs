//! What a load run measured: counts, and every latency (sorted once at the end).

use std::time::Duration;

/// The measurements of one run against one server.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Calls answered correctly.
    pub calls: u64,
    /// Calls that failed: transport errors, bad statuses, JSON-RPC errors, missing
    /// responses.
    pub errors: u64,
    /// Progress frames received by answered calls.
    pub frames: u64,
    /// Progress frames an answered call should have carried but did not.
    pub frames_lost: u64,
    /// Latency of each answered call, request written to response read, microseconds.
    pub latencies_us: Vec<u32>,
    /// The first error seen, for the report's footnotes.
    pub first_error: Option<String>,
    /// The time the counts cover.
    pub elapsed: Duration,
    /// Calls/s and frames/s of each round, when the run was split into rounds.
    pub rounds: Vec<(f64, f64)>,
}

impl Stats {
    /// Records a failed call.
    pub fn error(&mut self, why: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(why());
        }
    }

    /// Records an answered call.
    pub fn call(&mut self, latency: Duration, frames: u32, expected_frames: u32) {
        self.calls += 1;
        self.frames += u64::from(frames);
        self.frames_lost += u64::from(expected_frames.saturating_sub(frames));
        self.latencies_us
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
    }

    /// Adds another connection's (or thread's) measurements.
    pub fn merge(&mut self, other: Stats) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.frames += other.frames;
        self.frames_lost += other.frames_lost;
        self.latencies_us.extend(other.latencies_us);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// Adds one round of a run split into rounds; rates are then the rounds' median.
    pub fn merge_round(&mut self, round: Stats) {
        self.rounds
            .push((round.calls_per_sec(), round.frames_per_sec()));
        self.merge(round);
    }

    /// Sorts the latencies so percentiles can be read.
    pub fn finish(&mut self, elapsed: Duration) {
        self.latencies_us.sort_unstable();
        self.elapsed = elapsed;
    }

    /// Answered calls per second: the median round's, when there were rounds (a burst of
    /// background load on a shared machine then spoils one round, not the figure).
    pub fn calls_per_sec(&self) -> f64 {
        median(self.rounds.iter().map(|r| r.0)).unwrap_or_else(|| per_sec(self.calls, self.elapsed))
    }

    /// Progress frames received per second (the median round's, as for calls).
    pub fn frames_per_sec(&self) -> f64 {
        median(self.rounds.iter().map(|r| r.1))
            .unwrap_or_else(|| per_sec(self.frames, self.elapsed))
    }

    /// The latency below which `p` (0..=1) of the answered calls fell.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        let n = self.latencies_us.len();
        if n == 0 {
            return None;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
        Some(Duration::from_micros(u64::from(
            self.latencies_us[rank - 1],
        )))
    }
}

/// The median of some values (`None` for none).
pub fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut values: Vec<f64> = values.collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

#[allow(clippy::cast_precision_loss)]
fn per_sec(count: u64, elapsed: Duration) -> f64 {
    if elapsed.is_zero() {
        0.0
    } else {
        count as f64 / elapsed.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_percentiles() {
        let mut stats = Stats::default();
        for us in (1..=100).rev() {
            stats.call(Duration::from_micros(us), 0, 0);
        }
        stats.finish(Duration::from_secs(2));
        assert_eq!(stats.percentile(0.5), Some(Duration::from_micros(50)));
        assert_eq!(stats.percentile(0.99), Some(Duration::from_micros(99)));
        assert!((stats.calls_per_sec() - 50.0).abs() < f64::EPSILON);
    }

    #[test]
    fn rounds_give_the_median_rate() {
        let mut total = Stats::default();
        for calls in [10, 1000, 30] {
            let mut round = Stats {
                calls,
                ..Stats::default()
            };
            round.finish(Duration::from_secs(1));
            total.merge_round(round);
        }
        total.finish(Duration::from_secs(3));
        assert!((total.calls_per_sec() - 30.0).abs() < f64::EPSILON);
    }
}
