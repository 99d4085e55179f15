//! Workload h, the soak: thousands of streaming calls at once with slow and vanishing
//! readers mixed in (see [`load::soak`]), against ours on its own accept loop with short
//! timeouts ([`servers::soak`]). Then it waits for the server to settle and checks that
//! nothing was left behind: no SSE stream, session or tool call still counted by the
//! Prometheus endpoint, and no more Tokio tasks alive than before the load.
//!
//! [`load::soak`]: crate::load::soak
//! [`servers::soak`]: crate::servers::soak

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::load::Stats;
use crate::load::soak::{self as load, Reader, SoakLoad};
use crate::pin::Layout;
use crate::report::{Measurement, Memory};
use crate::servers::{Kind, Spawned, soak as server};

/// What the server still holds, read from its metrics and its task probe.
#[derive(Debug, Clone, Copy, Default)]
pub struct Held {
    /// Tokio tasks alive in its runtime (the probe's own request included, every time).
    pub tasks: u64,
    /// `mcp_sse_streams_active`.
    pub streams: f64,
    /// `mcp_sessions_active`.
    pub sessions: f64,
    /// `mcp_tool_calls_active`.
    pub calls: f64,
    /// Resident memory of the process, bytes.
    pub rss: u64,
}

impl Held {
    /// Nothing more than `baseline` held: no stream, session or call, no extra task.
    pub fn back_to(&self, baseline: &Held) -> bool {
        self.tasks <= baseline.tasks
            && self.streams == 0.0
            && self.sessions == 0.0
            && self.calls == 0.0
    }
}

/// What the soak measured.
#[derive(Debug, Clone)]
pub struct Soak {
    /// What each kind of reader saw.
    pub load: SoakLoad,
    /// Calls in flight at once.
    pub calls: usize,
    /// Peak resident memory of the server over the whole run, bytes.
    pub peak: Option<u64>,
    /// Held before the load.
    pub before: Held,
    /// Held at the end (once settled, or when the wait ran out).
    pub after: Held,
    /// How long after the last reader the server took to let go of everything; `None`: it
    /// had not within the wait.
    pub settled: Option<Duration>,
}

impl Soak {
    /// Its row in the main table: the calls of the readers that stay (their frames, their
    /// losses), the errors of all.
    pub fn measurement(&self) -> Measurement {
        let mut stats = Stats::default();
        for (reader, seen) in &self.load.readers {
            if reader.stays() {
                stats.merge(seen.stats.clone());
            } else {
                stats.errors += seen.stats.errors;
                if stats.first_error.is_none() {
                    stats.first_error.clone_from(&seen.stats.first_error);
                }
            }
        }
        stats.finish(self.load.elapsed);
        Measurement::new(Kind::Soak, stats, Memory::Peak(self.peak))
    }

    /// Whether it met its targets: the readers that stay got every frame in order, every
    /// frozen reader was cut off, nothing failed, memory stayed within
    /// [`PEAK_PER_CALL`] per call, and the server let go of everything.
    pub fn met(&self) -> bool {
        let calls = u64::try_from(self.calls).unwrap_or(u64::MAX);
        let bounded = self
            .peak
            .is_some_and(|peak| peak <= PEAK_PER_CALL.saturating_mul(calls));
        let clean = self.load.readers.iter().all(|(reader, seen)| {
            let s = &seen.stats;
            let all_there = s.errors == 0 && s.frames_lost == 0 && seen.out_of_order == 0;
            match reader {
                Reader::Frozen => all_there && seen.cut_off == s.calls,
                _ => all_there,
            }
        });
        clean && bounded && self.settled.is_some() && self.after.back_to(&self.before)
    }
}

/// The most resident memory per call in flight the soak allows. A call's stream keeps up to
/// 256 events (~40 KiB of these frames) for replay, and its connection its buffers; the
/// calls ask for 2,000 frames (slow) and 1,000,000 (vanishing), so memory that grew with
/// what a reader has not taken would be gigabytes.
pub const PEAK_PER_CALL: u64 = 64 * 1024;

/// The longest the server may take to settle: the sessions of vanished readers end after
/// the idle timeout, their calls after the stall timeout, plus a margin for the sweep.
const SETTLE_LIMIT: Duration = Duration::from_secs(30);

/// Runs the soak with `calls` calls in flight.
pub fn run(calls: usize, layout: &Layout) -> anyhow::Result<Soak> {
    let server = Spawned::start(Kind::Soak, layout)?;
    std::thread::sleep(Duration::from_millis(200));
    let probe = server
        .probe
        .context("the soak server printed no PROBE port")?;
    let before = held(&server, probe)?;
    let calls_running = || {
        let metrics = get(server.addr, server::METRICS).ok()?;
        Some(sample(&metrics, "mcp_tool_calls_active"))
    };
    let load = load::run(server.addr, layout.client_threads, calls, &calls_running);
    let peak = server.memory().map(|m| m.peak);
    let ended = Instant::now();
    let (after, settled) = loop {
        let now = held(&server, probe)?;
        if now.back_to(&before) {
            break (now, Some(ended.elapsed()));
        }
        if ended.elapsed() > SETTLE_LIMIT {
            break (now, None);
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    Ok(Soak {
        load,
        calls,
        peak,
        before,
        after,
        settled,
    })
}

fn held(server: &Spawned, probe: SocketAddr) -> anyhow::Result<Held> {
    let metrics = get(server.addr, server::METRICS)?;
    let tasks = get(probe, "/tasks")?;
    Ok(Held {
        tasks: tasks
            .trim()
            .parse()
            .with_context(|| format!("the task probe said {tasks:?}"))?,
        streams: sample(&metrics, "mcp_sse_streams_active"),
        sessions: sample(&metrics, "mcp_sessions_active"),
        calls: sample(&metrics, "mcp_tool_calls_active"),
        rss: server.memory().map_or(0, |m| m.rss),
    })
}

/// The value of an unlabelled sample (0 when absent: a gauge never set).
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .find_map(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

/// `GET path` on its own connection (`Connection: close`); the body of a 200.
fn get(addr: SocketAddr, path: &str) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream
        .read_to_string(&mut text)
        .with_context(|| format!("reading GET {path}"))?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.starts_with("HTTP/1.1 200") {
        bail!(
            "GET {path}: {}",
            head.lines().next().unwrap_or("no response")
        );
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_unlabelled_samples() {
        let text = "# TYPE mcp_sse_streams_active gauge\nmcp_sse_streams_active 3\n\
                    mcp_sse_streams_active_total 9\nmcp_sessions_active 0\n";
        assert_eq!(sample(text, "mcp_sse_streams_active"), 3.0);
        assert_eq!(sample(text, "mcp_sessions_active"), 0.0);
        assert_eq!(sample(text, "mcp_tool_calls_active"), 0.0);
    }
}
