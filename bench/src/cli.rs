//! Command-line parsing (hand-rolled: a handful of flags does not need a parser crate).

use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::servers::Kind;
use crate::workloads::Workload;

/// What `--help` prints.
pub const USAGE: &str = "\
usage: bench [options]            run the benchmark and print the table
       bench serve <ours|rmcp|floor|ours+auth>   (internal) serve one server on 127.0.0.1:0

options:
  --only a,b,...      workloads to run (default: all of a b c d e f g h i; g compares ours with
                      and without JWT auth and metrics; h, the soak, runs ours alone; i runs
                      well-behaved session calls alone, then beside a session flood)
  --duration SECS     measured seconds per server per throughput workload (default 7)
  --rounds N          split that time into N rounds, the servers taking turns; rates are
                      the median round's (default 7)
  --warmup SECS       unmeasured seconds before each round (default 0.3)
  --connections N     connections for throughput workloads (default 32)
  --concurrent N      calls in flight for workloads d and h (default 10000)
  --sessions N        idle sessions for workload e, flood sessions for i (default 10000)
  --servers LIST      servers to run (default: ours,rmcp,floor; also ours-redis: ours with
                      the Redis store, on MCP_REDIS_URL or a redis-server the bench starts)
  --no-pin            do not pin processes to cores with taskset
  --no-wrk            skip the wrk cross-check of workload a even if wrk is installed";

/// A parsed command line.
pub enum Command {
    /// Run the benchmark.
    Run(Options),
    /// Serve one server (the child process's part).
    Serve(Kind),
    /// Print usage.
    Help,
}

/// How to run the benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// Workloads to run, in order.
    pub workloads: Vec<Workload>,
    /// Servers to compare, in table order.
    pub servers: Vec<Kind>,
    /// Measured time per server per throughput workload.
    pub duration: Duration,
    /// Rounds that time is split into: the servers take turns, so a change in the
    /// machine's background load during the run touches all of them alike.
    pub rounds: usize,
    /// Unmeasured time before each round (connections warm, allocators settled).
    pub warmup: Duration,
    /// Connections of the throughput workloads (each with one request in flight).
    pub connections: usize,
    /// Calls in flight at once in workload d.
    pub concurrent: usize,
    /// Sessions opened in workload e.
    pub sessions: usize,
    /// Whether to pin the servers and the load generator to separate cores.
    pub pin: bool,
    /// Whether to cross-check workload a with `wrk` when it is installed.
    pub wrk: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            workloads: Workload::ALL.to_vec(),
            servers: Kind::ALL.to_vec(),
            duration: Duration::from_secs(7),
            rounds: 7,
            warmup: Duration::from_millis(300),
            connections: 32,
            concurrent: 10_000,
            sessions: 10_000,
            pin: true,
            wrk: true,
        }
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> anyhow::Result<Command> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .map(String::as_str)
                .with_context(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "serve" => {
                let kind = value("serve")?;
                return Kind::parse(kind)
                    .map(Command::Serve)
                    .with_context(|| format!("unknown server {kind:?}"));
            }
            "-h" | "--help" => return Ok(Command::Help),
            "--only" => {
                options.workloads = value(arg)?
                    .split(',')
                    .map(|w| Workload::parse(w).with_context(|| format!("unknown workload {w:?}")))
                    .collect::<anyhow::Result<_>>()?;
            }
            "--servers" => {
                options.servers = value(arg)?
                    .split(',')
                    .map(|s| Kind::parse(s).with_context(|| format!("unknown server {s:?}")))
                    .collect::<anyhow::Result<_>>()?;
            }
            "--duration" => options.duration = seconds(value(arg)?)?,
            "--warmup" => options.warmup = seconds(value(arg)?)?,
            "--rounds" => options.rounds = count(value(arg)?)?,
            "--connections" => options.connections = count(value(arg)?)?,
            "--concurrent" => options.concurrent = count(value(arg)?)?,
            "--sessions" => options.sessions = count(value(arg)?)?,
            "--no-pin" => options.pin = false,
            "--no-wrk" => options.wrk = false,
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    Ok(Command::Run(options))
}

fn seconds(text: &str) -> anyhow::Result<Duration> {
    let secs: f64 = text
        .parse()
        .with_context(|| format!("not seconds: {text:?}"))?;
    Duration::try_from_secs_f64(secs).with_context(|| format!("not seconds: {text:?}"))
}

fn count(text: &str) -> anyhow::Result<usize> {
    match text.parse() {
        Ok(0) | Err(_) => bail!("not a positive count: {text:?}"),
        Ok(n) => Ok(n),
    }
}
