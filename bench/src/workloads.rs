//! The workloads of the benchmark, each run against every server in turn, each server in a
//! fresh process (so peak memory belongs to that workload alone).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;

use crate::cli::Options;
use crate::load::mcp::{self, Era, Handshake, Script};
use crate::load::{self, Plan, Stats};
use crate::pin::Layout;
use crate::report::{self, Measurement, Memory};
use crate::servers::{Kind, Spawned};
use crate::soak;
use crate::spec;
use crate::wrk;

/// One workload of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// (a) Stateless `tools/call` of the tiny tool, JSON reply, sent as a 2026-07-28
    /// request.
    A,
    /// (b) The same inside a handshake-era session.
    B,
    /// (c) A call that emits 10 progress frames over SSE.
    C,
    /// (d) 10,000 concurrent streaming calls.
    D,
    /// (e) 10,000 idle sessions.
    E,
    /// (f) `tools/list` with 200 tools.
    F,
    /// (g) Workload a with JWT auth and metrics on, next to the same server without them.
    G,
    /// (h) The soak: 10,000 concurrent streaming calls with slow and vanishing readers mixed
    /// in, then a check that nothing was left behind (ours only).
    H,
    /// (i) Well-behaved session calls alone, then beside a flood of sessions (issue 25).
    I,
}

impl Workload {
    /// Every workload, in order.
    pub const ALL: [Workload; 9] = [
        Self::A,
        Self::B,
        Self::C,
        Self::D,
        Self::E,
        Self::F,
        Self::G,
        Self::H,
        Self::I,
    ];

    /// Its letter.
    pub fn letter(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
            Self::C => "c",
            Self::D => "d",
            Self::E => "e",
            Self::F => "f",
            Self::G => "g",
            Self::H => "h",
            Self::I => "i",
        }
    }

    /// The workload with this letter.
    pub fn parse(letter: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.letter() == letter.trim())
    }

    /// What it measures, for the table.
    pub fn title(self, options: &Options) -> String {
        match self {
            Self::A => "stateless tools/call (2026-07-28), JSON reply".to_owned(),
            Self::B => "tools/call in a session (2025-11-25)".to_owned(),
            Self::C => format!("tools/call with {} progress frames, SSE", spec::FRAMES),
            Self::D => format!(
                "{} concurrent streaming calls ({} frames, {} ms apart)",
                options.concurrent,
                spec::FRAMES,
                BURST_FRAME_DELAY_MS
            ),
            Self::E => format!("{} idle sessions", options.sessions),
            Self::F => format!("tools/list, {} tools", spec::TOOL_COUNT),
            Self::G => "stateless tools/call with JWT auth (ES256) and metrics on".to_owned(),
            Self::H => format!(
                "soak: {} concurrent streaming calls, 1 in 10 read slowly, 1 in 10 dropped, 1 in 10 frozen",
                options.concurrent
            ),
            Self::I => format!(
                "tools/call in sessions: first row alone, second beside a flood of {} sessions from the same address",
                options.sessions
            ),
        }
    }
}

/// The pause before each frame in workload d: long enough that every call is still
/// running when the last one is sent, so all of them are in flight at once.
const BURST_FRAME_DELAY_MS: u64 = 50;

/// Sessions opened before the baseline of workload e, so allocator and connection set-up
/// costs are not charged to the measured sessions.
const WARM_SESSIONS: usize = 200;

/// Runs every selected workload against every selected server and prints the report.
pub fn run_all(options: &Options) -> anyhow::Result<()> {
    let layout = Layout::detect(options.pin);
    layout.pin_self().context("pinning the load generator")?;
    eprintln!("bench: {}", layout.describe());
    let wrk = options.wrk.then(wrk::Wrk::find).flatten();
    let mut results: Vec<(Workload, Vec<Measurement>)> = Vec::new();
    let mut soaked = None;
    for &workload in &options.workloads {
        eprintln!("bench: ({}) {}", workload.letter(), workload.title(options));
        if workload == Workload::H {
            let run = soak::run(options.concurrent, &layout)?;
            results.push((workload, vec![run.measurement()]));
            soaked = Some(run);
            continue;
        }
        let row = match workload {
            Workload::D | Workload::E => one_shot(workload, options, &layout)?,
            Workload::I => crate::flood::run(options, &layout)?,
            _ => interleaved(workload, options, &layout, wrk.as_ref())?,
        };
        results.push((workload, row));
    }
    print!(
        "{}",
        report::render(&results, soaked.as_ref(), options, &layout, wrk.as_ref())
    );
    Ok(())
}

pub(crate) fn start(kind: Kind, layout: &Layout) -> anyhow::Result<Spawned> {
    let server = Spawned::start(kind, layout)?;
    // Let it finish starting (threads, allocator) before the clock runs.
    std::thread::sleep(Duration::from_millis(200));
    Ok(server)
}

/// A throughput workload: every server runs at once (idle but for the one under load),
/// and they take turns for `rounds` rounds.
fn interleaved(
    workload: Workload,
    options: &Options,
    layout: &Layout,
    wrk: Option<&wrk::Wrk>,
) -> anyhow::Result<Vec<Measurement>> {
    // (g) compares our server with and without auth and metrics; the others are not in it.
    let kinds = match workload {
        Workload::G => vec![Kind::Ours, Kind::Secured],
        _ => options.servers.clone(),
    };
    let servers = kinds
        .iter()
        .map(|&kind| Ok((kind, start(kind, layout)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let round = options.duration / u32::try_from(options.rounds).unwrap_or(1);
    let mut totals: Vec<Stats> = vec![Stats::default(); servers.len()];
    for _ in 0..options.rounds {
        for ((_, server), total) in servers.iter().zip(&mut totals) {
            let plan = Plan {
                addr: server.addr,
                threads: layout.client_threads,
                connections: options.connections,
                warmup: options.warmup,
                duration: round,
            };
            let script = script(workload, server.addr).authorized(server.token.as_deref());
            total.merge_round(load::sustained(&plan, &script));
        }
    }
    // wrk takes turns too, in whole seconds, three rounds; its figure is the median round's.
    let mut wrk_rates: Vec<Vec<f64>> = vec![Vec::new(); servers.len()];
    if let (Workload::A, Some(wrk)) = (workload, wrk) {
        let seconds = (options.duration.as_secs() / 3).max(1);
        for _ in 0..3 {
            for ((_, server), rates) in servers.iter().zip(&mut wrk_rates) {
                let call = mcp::echo(server.addr, Era::Stateless);
                rates.extend(wrk.run(server.addr, &call, seconds, options, layout).ok());
            }
        }
    }
    let mut row = Vec::new();
    for (((kind, server), mut stats), rates) in servers.into_iter().zip(totals).zip(wrk_rates) {
        stats.finish(round * u32::try_from(options.rounds).unwrap_or(1));
        let mut measurement =
            Measurement::new(kind, stats, Memory::Peak(server.memory().map(|m| m.peak)));
        measurement.wrk = load::stats::median(rates.into_iter());
        row.push(measurement);
    }
    Ok(row)
}

/// What a throughput workload sends.
fn script(workload: Workload, addr: SocketAddr) -> Script {
    match workload {
        Workload::B => Script {
            session: Some(Handshake::new(addr)),
            call: mcp::echo(addr, Era::Session),
            expect_progress: 0,
        },
        Workload::C => Script {
            session: None,
            call: mcp::progress(addr, Era::Stateless, spec::FRAMES, 0),
            expect_progress: spec::FRAMES,
        },
        Workload::F => Script {
            session: None,
            call: mcp::list_tools(addr, Era::Stateless),
            expect_progress: 0,
        },
        _ => Script {
            session: None,
            call: mcp::echo(addr, Era::Stateless),
            expect_progress: 0,
        },
    }
}

/// Workloads d and e: each server once, in a fresh process, so its peak memory and its
/// growth belong to this workload alone.
fn one_shot(
    workload: Workload,
    options: &Options,
    layout: &Layout,
) -> anyhow::Result<Vec<Measurement>> {
    let mut row = Vec::new();
    for &kind in &options.servers {
        let server = start(kind, layout)?;
        let measurement = if workload == Workload::D {
            let addr = server.addr;
            let script = Script {
                session: None,
                call: mcp::progress(addr, Era::Stateless, spec::FRAMES, BURST_FRAME_DELAY_MS),
                expect_progress: spec::FRAMES,
            };
            let stats = load::burst(addr, layout.client_threads, options.concurrent, &script);
            Measurement::new(kind, stats, Memory::Peak(server.memory().map(|m| m.peak)))
        } else {
            let plan = Plan {
                addr: server.addr,
                threads: layout.client_threads,
                connections: options.connections,
                warmup: Duration::ZERO,
                duration: Duration::ZERO,
            };
            idle_sessions(kind, &server, &plan, options.sessions)
        };
        row.push(measurement);
    }
    Ok(row)
}

/// Opens sessions and charges the growth of the server's resident memory to them.
///
/// RSS, not a heap counter, because it is the one measure that works the same for all
/// three servers without instrumenting them; it overstates the heap slightly (allocator
/// slack, page granularity), never understates it.
fn idle_sessions(kind: Kind, server: &Spawned, plan: &Plan, count: usize) -> Measurement {
    let handshake = Handshake::new(server.addr);
    let warm = load::open_sessions(plan, WARM_SESSIONS, &handshake);
    std::thread::sleep(Duration::from_millis(300));
    let before = server.memory().map(|m| m.rss);
    let mut stats = load::open_sessions(plan, count, &handshake);
    // Let the server's spawned session tasks settle before reading memory.
    std::thread::sleep(Duration::from_millis(500));
    let after = server.memory().map(|m| m.rss);
    let per_session = match (before, after, stats.calls) {
        (Some(before), Some(after), opened) if opened > 0 => {
            Some(after.saturating_sub(before) / opened)
        }
        _ => None,
    };
    stats.errors += warm.errors;
    if stats.first_error.is_none() {
        stats.first_error = warm.first_error;
    }
    Measurement::new(kind, stats, Memory::PerSession(per_session))
}
