//! The report: one Markdown table (pasteable into the README), ratios to rmcp and to the
//! floor, and the targets checked against this run's numbers.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cli::Options;
use crate::load::Stats;
use crate::load::soak::Reader;
use crate::pin::Layout;
use crate::servers::Kind;
use crate::soak::Soak;
use crate::workloads::Workload;
use crate::wrk::Wrk;

/// The memory figure a workload reports.
#[derive(Debug, Clone, Copy)]
pub enum Memory {
    /// The server's peak resident memory over the run (bytes).
    Peak(Option<u64>),
    /// Growth of resident memory per opened session (bytes).
    PerSession(Option<u64>),
}

/// What one workload measured on one server.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The server.
    pub kind: Kind,
    /// The load generator's counts and latencies.
    pub stats: Stats,
    /// Its memory figure.
    pub memory: Memory,
    /// Requests per second `wrk` measured (workload a, when `wrk` is installed).
    pub wrk: Option<f64>,
}

impl Measurement {
    /// A measurement without a `wrk` figure.
    pub fn new(kind: Kind, stats: Stats, memory: Memory) -> Self {
        Self {
            kind,
            stats,
            memory,
            wrk: None,
        }
    }

    /// The figure the workload is judged by: calls/s, frames/s, or bytes per session.
    fn headline(&self, workload: Workload) -> Option<f64> {
        match workload {
            Workload::A | Workload::B | Workload::F | Workload::G | Workload::I => {
                Some(self.stats.calls_per_sec())
            }
            Workload::C | Workload::D | Workload::H => Some(self.stats.frames_per_sec()),
            #[allow(clippy::cast_precision_loss)]
            Workload::E => match self.memory {
                Memory::PerSession(Some(bytes)) => Some(bytes as f64),
                _ => None,
            },
        }
    }
}

fn find(row: &[Measurement], kind: Kind) -> Option<&Measurement> {
    row.iter().find(|m| m.kind == kind)
}

/// Renders the whole report.
pub fn render(
    results: &[(Workload, Vec<Measurement>)],
    soak: Option<&Soak>,
    options: &Options,
    layout: &Layout,
    wrk: Option<&Wrk>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{}; {} connections; each server {:.0} s measured per throughput workload, in {} \
         interleaved rounds after {:.1} s warm-up each (rates: the median round)\n",
        layout.describe(),
        options.connections,
        options.duration.as_secs_f64(),
        options.rounds,
        options.warmup.as_secs_f64()
    );
    out.push_str(
        "| workload | server | calls/s | frames/s | p50 | p99 | errors | frames lost | memory | × rmcp | × floor |\n",
    );
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (workload, row) in results {
        let title = format!("({}) {}", workload.letter(), workload.title(options));
        let rmcp = find(row, Kind::Rmcp).and_then(|m| m.headline(*workload));
        let floor = find(row, Kind::Floor).and_then(|m| m.headline(*workload));
        for (i, m) in row.iter().enumerate() {
            let s = &m.stats;
            let frames = matches!(workload, Workload::C | Workload::D | Workload::H);
            let sessions = *workload == Workload::E;
            let headline = m.headline(*workload);
            let ratio = |base: Option<f64>, is_self: bool| match (headline, base) {
                (_, _) if is_self => "1".to_owned(),
                (Some(h), Some(b)) if b > 0.0 => format!("{:.2}", h / b),
                _ => "n/a".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                if i == 0 { title.as_str() } else { "" },
                m.kind.name(),
                count(s.calls_per_sec()),
                if frames {
                    count(s.frames_per_sec())
                } else {
                    "–".to_owned()
                },
                if sessions {
                    "–".to_owned()
                } else {
                    latency(s.percentile(0.5))
                },
                if sessions {
                    "–".to_owned()
                } else {
                    latency(s.percentile(0.99))
                },
                s.errors,
                if frames {
                    s.frames_lost.to_string()
                } else {
                    "–".to_owned()
                },
                memory(m.memory),
                ratio(rmcp, m.kind == Kind::Rmcp),
                if sessions {
                    "n/a".to_owned()
                } else {
                    ratio(floor, m.kind == Kind::Floor)
                },
            );
        }
    }
    out.push_str(
        "\nRatios compare each workload's headline figure: calls/s for a, b, f, g; frames/s for c, d; \
         resident bytes per session for e (lower is better; the floor keeps no sessions). \
         Memory: peak RSS of the server process; for e, RSS growth divided by sessions opened.\n",
    );
    notes(&mut out, results);
    if let Some(soak) = soak {
        soak_section(&mut out, soak);
    }
    targets(&mut out, results, soak);
    if let Some(wrk) = wrk {
        wrk_table(&mut out, results, wrk);
    }
    out
}

fn notes(out: &mut String, results: &[(Workload, Vec<Measurement>)]) {
    for (workload, row) in results {
        for m in row {
            if let Some(error) = &m.stats.first_error {
                let _ = writeln!(
                    out,
                    "- ({}) {}: {} errors, first: {error}",
                    workload.letter(),
                    m.kind.name(),
                    m.stats.errors
                );
            }
        }
    }
}

/// What each kind of reader of the soak saw, and what the server held before and after.
fn soak_section(out: &mut String, soak: &Soak) {
    let _ = writeln!(
        out,
        "\nSoak (h): {} calls sent at once (half stateless, half each in its own session); \
         the server cuts off a reader that takes nothing for {:.0} s (its default) and ends sessions idle for {:.0} s.\n",
        soak.calls,
        crate::servers::soak::write_timeout().as_secs_f64(),
        crate::servers::soak::SESSION_IDLE.as_secs_f64(),
    );
    out.push_str(
        "| reader | calls | answered | frames | lost | out of order | cut off | errors |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for (reader, seen) in &soak.load.readers {
        let s = &seen.stats;
        let stays = reader.stays();
        let dash = |shown: bool, value: u64| {
            if shown {
                value.to_string()
            } else {
                "–".to_owned()
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            reader.name(),
            s.calls + s.errors,
            dash(stays, s.calls),
            dash(stays, s.frames),
            dash(stays, s.frames_lost),
            dash(stays, seen.out_of_order),
            dash(*reader == Reader::Frozen, seen.cut_off),
            s.errors,
        );
        if let Some(error) = &s.first_error {
            let _ = writeln!(out, "|  | first error: {error} |||||||");
        }
    }
    let held = |h: &crate::soak::Held| {
        format!(
            "{} tasks, {} SSE streams, {} sessions, {} calls running, {} resident",
            h.tasks,
            h.streams,
            h.sessions,
            h.calls,
            size(h.rss)
        )
    };
    let _ = writeln!(
        out,
        "\nServer before: {}. After: {} ({}). Peak: {}{}.",
        held(&soak.before),
        held(&soak.after),
        soak.settled.map_or_else(
            || "NOT settled within the wait".to_owned(),
            |d| format!("settled {:.1} s after the last reader", d.as_secs_f64())
        ),
        soak.peak.map_or_else(|| "n/a".to_owned(), size),
        soak.peak
            .map(|p| format!(
                " ({} per call in flight)",
                size(p / u64::try_from(soak.calls.max(1)).unwrap_or(1))
            ))
            .unwrap_or_default(),
    );
}

/// The targets, judged on this run.
fn targets(out: &mut String, results: &[(Workload, Vec<Measurement>)], soak: Option<&Soak>) {
    let get = |w: Workload, k: Kind| {
        results
            .iter()
            .find(|(x, _)| *x == w)
            .and_then(|(_, row)| find(row, k))
    };
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    out.push_str("\nTargets:\n");
    let ratio = |w: Workload, base: Kind| {
        let ours = get(w, Kind::Ours)?.headline(w)?;
        let base = get(w, base)?.headline(w)?;
        (base > 0.0).then(|| ours / base)
    };
    if let Some(r) = ratio(Workload::A, Kind::Floor) {
        let _ = writeln!(
            out,
            "- (a) >= 0.75 × floor calls/s: {r:.2} → {}",
            verdict(r >= 0.75)
        );
    }
    if let (Some(plain), Some(secured)) = (
        get(Workload::G, Kind::Ours).and_then(|m| m.headline(Workload::G)),
        get(Workload::G, Kind::Secured).and_then(|m| m.headline(Workload::G)),
    ) {
        let r = if plain > 0.0 { secured / plain } else { 0.0 };
        let _ = writeln!(
            out,
            "- (g) with JWT auth and metrics >= 0.8 × without: {r:.2} → {}",
            verdict(r >= 0.8)
        );
    }
    if let Some(r) = ratio(Workload::B, Kind::Rmcp) {
        let _ = writeln!(
            out,
            "- (b) >= 2 × rmcp calls/s: {r:.2} → {}",
            verdict(r >= 2.0)
        );
    }
    if let (Some(r), Some(ours), Some(rmcp)) = (
        ratio(Workload::C, Kind::Rmcp),
        get(Workload::C, Kind::Ours),
        get(Workload::C, Kind::Rmcp),
    ) {
        let (p_ours, p_rmcp) = (ours.stats.percentile(0.99), rmcp.stats.percentile(0.99));
        let ok = r >= 3.0 && p_ours <= p_rmcp;
        let _ = writeln!(
            out,
            "- (c) >= 3 × rmcp frames/s, p99 <= rmcp's: {r:.2}, p99 {} vs {} → {}",
            latency(p_ours),
            latency(p_rmcp),
            verdict(ok)
        );
    }
    if let Some(ours) = get(Workload::D, Kind::Ours) {
        let s = &ours.stats;
        let ok = s.errors == 0 && s.frames_lost == 0 && s.calls > 0;
        let _ = writeln!(
            out,
            "- (d) zero frames lost, no errors: {} lost, {} errors, {} calls answered → {}",
            s.frames_lost,
            s.errors,
            s.calls,
            verdict(ok)
        );
    }
    if let Some(Memory::PerSession(Some(bytes))) = get(Workload::E, Kind::Ours).map(|m| m.memory) {
        let _ = writeln!(
            out,
            "- (e) <= 2 KiB per idle session: {} → {}",
            size(bytes),
            verdict(bytes <= 2048)
        );
    }
    // The Redis store (issue 16), against the memory store.
    let redis = get(Workload::B, Kind::OursRedis);
    let memory = get(Workload::B, Kind::Ours);
    if let (Some(redis), Some(memory)) = (redis, memory)
        && let (Some(r), Some(m)) = (redis.headline(Workload::B), memory.headline(Workload::B))
    {
        let r = if m > 0.0 { r / m } else { 0.0 };
        let _ = writeln!(
            out,
            "- (b, Redis store) >= 0.5 × the memory store's calls/s: {r:.2}, p99 {} vs {} → {}",
            latency(redis.stats.percentile(0.99)),
            latency(memory.stats.percentile(0.99)),
            verdict(r >= 0.5)
        );
    }
    if let Some(Memory::PerSession(Some(bytes))) =
        get(Workload::E, Kind::OursRedis).map(|m| m.memory)
    {
        let _ = writeln!(
            out,
            "- (e, Redis store) < 100 B per idle session on the replica: {} → {}",
            size(bytes),
            verdict(bytes < 100)
        );
    }
    if let Some(soak) = soak {
        let _ = writeln!(
            out,
            "- (h) soak: the readers that stay get every frame, in order; every frozen reader is \
             cut off; peak memory <= {} per call in flight; nothing is left behind (streams, \
             sessions, calls, tasks) → {}",
            size(crate::soak::PEAK_PER_CALL),
            verdict(soak.met())
        );
    }
    if let Some(r) = ratio(Workload::F, Kind::Floor) {
        let _ = writeln!(
            out,
            "- (f) tools/list served from a cache (the floor serves a prepared list): {r:.2} × floor calls/s"
        );
    }
}

fn wrk_table(out: &mut String, results: &[(Workload, Vec<Measurement>)], wrk: &Wrk) {
    let Some((_, row)) = results.iter().find(|(w, _)| *w == Workload::A) else {
        return;
    };
    let floor = find(row, Kind::Floor).and_then(|m| m.wrk);
    let _ = writeln!(
        out,
        "\nCross-check of (a) with {} (same request bytes, same connections and cores; \
         median of three interleaved rounds):\n",
        wrk.version()
    );
    out.push_str("| server | wrk req/s | × floor |\n|---|--:|--:|\n");
    for m in row {
        let ratio = match (m.wrk, floor) {
            (Some(r), Some(f)) if f > 0.0 => format!("{:.2}", r / f),
            _ => "n/a".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {ratio} |",
            m.kind.name(),
            m.wrk.map_or_else(|| "n/a".to_owned(), count)
        );
    }
}

fn count(value: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = value.round() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn latency(value: Option<Duration>) -> String {
    match value {
        None => "n/a".to_owned(),
        Some(d) if d < Duration::from_millis(10) => format!("{:.2} ms", d.as_secs_f64() * 1e3),
        Some(d) => format!("{:.0} ms", d.as_secs_f64() * 1e3),
    }
}

#[allow(clippy::cast_precision_loss)]
fn size(bytes: u64) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else if bytes < 10 * 1024 * 1024 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

fn memory(memory: Memory) -> String {
    match memory {
        Memory::Peak(Some(bytes)) => format!("{} peak", size(bytes)),
        Memory::PerSession(Some(bytes)) => format!("{} / session", size(bytes)),
        Memory::Peak(None) | Memory::PerSession(None) => "n/a".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(count(1_234_567.4), "1,234,567");
        assert_eq!(count(999.0), "999");
        assert_eq!(latency(Some(Duration::from_micros(1500))), "1.50 ms");
        assert_eq!(size(1500), "1500 B");
    }
}
