//! Optional cross-check with `wrk`, when it is installed: the same request bytes for
//! workload a, the same connection count, on the load generator's cores. If our generator
//! were the bottleneck the two would disagree on the floor; the harness never needs `wrk`.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

use crate::cli::Options;
use crate::load::mcp::Template;
use crate::pin::Layout;

/// An installed `wrk`.
#[derive(Debug, Clone)]
pub struct Wrk {
    version: String,
}

impl Wrk {
    /// `wrk` on the `PATH`, if any.
    pub fn find() -> Option<Self> {
        let output = Command::new("wrk").arg("-v").output().ok()?;
        // `wrk -v` prints its banner and exits non-zero; that it ran at all is what counts.
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        let version = text
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        version.starts_with("wrk").then_some(Self { version })
    }

    /// Its name and version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Requests per second `wrk` reaches sending `call` to `addr` for `seconds`.
    pub fn run(
        &self,
        addr: SocketAddr,
        call: &Template,
        seconds: u64,
        options: &Options,
        layout: &Layout,
    ) -> anyhow::Result<f64> {
        let mut request = Vec::new();
        call.write(&mut request, 1, None);
        let text = String::from_utf8(request)?;
        let (head, body) = text.split_once("\r\n\r\n").context("a request head")?;
        let script = std::env::temp_dir().join(format!("bench-wrk-{}.lua", std::process::id()));
        std::fs::write(
            &script,
            format!("wrk.method = \"POST\"\nwrk.body = [==[{body}]==]\n"),
        )?;
        let mut command = match &layout.client {
            Some(cpus) => {
                let mut c = Command::new("taskset");
                c.args(["-c", cpus, "wrk"]);
                c
            }
            None => Command::new("wrk"),
        };
        command
            .arg(format!("-t{}", layout.client_threads))
            .arg(format!("-c{}", options.connections))
            .arg(format!("-d{seconds}s"))
            .arg("-s")
            .arg(&script);
        // Every header but the request line, Host and Content-Length (wrk writes those).
        for line in head.lines().skip(1) {
            let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
            if name != "host" && name != "content-length" {
                command.arg("-H").arg(line);
            }
        }
        let output = command
            .arg(format!("http://{addr}{}", crate::spec::PATH))
            .stderr(Stdio::inherit())
            .output()?;
        let _ = std::fs::remove_file(&script);
        let stdout = String::from_utf8_lossy(&output.stdout);
        if stdout.contains("Non-2xx") {
            bail!("wrk saw error statuses:\n{stdout}");
        }
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("Requests/sec:"))
            .and_then(|v| v.trim().parse().ok())
            .with_context(|| format!("no Requests/sec in wrk's output:\n{stdout}"))
    }
}
