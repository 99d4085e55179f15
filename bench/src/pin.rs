//! Processes and cores: pinning with `taskset`, and reading a process's memory.
//!
//! `taskset` instead of `sched_setaffinity` directly: the workspace forbids `unsafe`, and a
//! child started as `taskset -c CPUS exe` is pinned before its first instruction, so its
//! runtime sizes its worker pool to the cores it really has.

use std::process::Command;

/// Which cores the load generator and the servers get.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Cores of the driver (the load generator), e.g. `"0"`.
    pub client: Option<String>,
    /// Cores of each server, e.g. `"1"`.
    pub server: Option<String>,
    /// Threads the load generator runs (one per core it has).
    pub client_threads: usize,
}

impl Layout {
    /// Halves the machine: the load generator on the lower cores, the server under test on
    /// the upper ones (only one server runs at a time). Without `taskset`, or with one core,
    /// nothing is pinned and both share the machine.
    pub fn detect(pin: bool) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        if !pin || cores < 2 || !has_taskset() {
            return Self {
                client: None,
                server: None,
                client_threads: (cores / 2).max(1),
            };
        }
        let half = cores / 2;
        Self {
            client: Some(range(0, half)),
            server: Some(range(half, cores)),
            client_threads: half,
        }
    }

    /// Pins this process (every thread it has now, and so every thread it starts later) to
    /// the load generator's cores.
    pub fn pin_self(&self) -> anyhow::Result<()> {
        if let Some(cpus) = &self.client {
            let pid = std::process::id().to_string();
            let status = Command::new("taskset")
                .args(["-a", "-p", "-c", cpus, &pid])
                .stdout(std::process::Stdio::null())
                .status()?;
            anyhow::ensure!(status.success(), "taskset -p failed: {status}");
        }
        Ok(())
    }

    /// A human-readable description for the report.
    pub fn describe(&self) -> String {
        match (&self.client, &self.server) {
            (Some(c), Some(s)) => format!("load generator on cpu {c}, server on cpu {s}"),
            _ => "not pinned (taskset missing, one core, or --no-pin)".to_owned(),
        }
    }
}

fn range(from: usize, to: usize) -> String {
    if to - from == 1 {
        from.to_string()
    } else {
        format!("{from}-{}", to - 1)
    }
}

fn has_taskset() -> bool {
    Command::new("taskset")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A process's resident memory, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident set size now (`VmRSS`), bytes.
    pub rss: u64,
    /// Peak resident set size (`VmHWM`), bytes.
    pub peak: u64,
}

/// Reads a process's memory; `None` where `/proc` is not available.
pub fn memory(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib * 1024)
    };
    Some(Memory {
        rss: field("VmRSS:")?,
        peak: field("VmHWM:")?,
    })
}
