//! Workload i (issue 25): well-behaved clients calling tools in their sessions, first alone,
//! then beside a flood client that opens `--sessions` fully initialized sessions as fast as
//! it can (more than the server's session cap by default) from the same address. The
//! well-behaved clients' success rate and p99 with the flood are the figures; the target is
//! 100% and within 2 × their p99 without it.

use std::time::Duration;

use crate::cli::Options;
use crate::load::mcp::{self, Era, Handshake, Script};
use crate::load::{self, Plan, Stats};
use crate::pin::Layout;
use crate::report::{Measurement, Memory};
use crate::servers::Spawned;

/// Connections the flood opens its sessions over.
const FLOOD_CONNECTIONS: usize = 8;

/// Runs workload i on every selected server: two measurements each, alone then flooded.
pub fn run(options: &Options, layout: &Layout) -> anyhow::Result<Vec<Measurement>> {
    let mut row = Vec::new();
    for &kind in &options.servers {
        // The per-client session quota at its default: the flood comes from one address.
        let server =
            Spawned::start_with_env(kind, layout, &[("MCP_MAX_SESSIONS_PER_CLIENT", "1000")])?;
        std::thread::sleep(Duration::from_millis(200));
        let addr = server.addr;
        let half = options.duration / 2;
        let plan = Plan {
            addr,
            threads: layout.client_threads,
            connections: options.connections,
            warmup: options.warmup,
            duration: half,
        };
        let script = Script {
            session: Some(Handshake::new(addr)),
            call: mcp::echo(addr, Era::Session),
            expect_progress: 0,
        };
        let mut alone = load::sustained(&plan, &script);
        alone.finish(half);
        let flood_plan = Plan {
            connections: FLOOD_CONNECTIONS,
            threads: 1,
            warmup: Duration::ZERO,
            duration: Duration::ZERO,
            ..plan
        };
        let sessions = options.sessions;
        let flood = std::thread::spawn(move || {
            load::open_sessions(&flood_plan, sessions, &Handshake::new(addr))
        });
        let mut flooded = load::sustained(&plan, &script);
        flooded.finish(half);
        let flood: Stats = flood
            .join()
            .map_err(|_| anyhow::anyhow!("the flood thread panicked"))?;
        eprintln!(
            "bench: (i) {}: the flood opened {} sessions ({} refused); well-behaved: {:.3}% ok alone, {:.3}% ok flooded; p99 {:?} alone, {:?} flooded",
            kind.name(),
            flood.calls,
            flood.errors,
            success(&alone),
            success(&flooded),
            alone.percentile(0.99),
            flooded.percentile(0.99),
        );
        let peak = server.memory().map(|m| m.peak);
        row.push(Measurement::new(kind, alone, Memory::Peak(peak)));
        row.push(Measurement::new(kind, flooded, Memory::Peak(peak)));
    }
    Ok(row)
}

/// Percent of the calls that succeeded.
#[allow(clippy::cast_precision_loss)]
fn success(stats: &Stats) -> f64 {
    let total = stats.calls + stats.errors;
    if total == 0 {
        return 0.0;
    }
    100.0 * stats.calls as f64 / total as f64
}
