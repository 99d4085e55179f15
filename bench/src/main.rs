//! Side-by-side benchmark of three MCP servers serving the same tools on loopback, in one run:
//! ours (`mcp-runtime`), the official Rust SDK (`rmcp`), and a bare axum handler (the
//! floor: what any framework costs is its distance from it).
//!
//! ```text
//! cargo run --release -p bench                  # every workload, about three minutes
//! cargo run --release -p bench -- --only a,c    # some workloads
//! cargo run --release -p bench -- --help
//! ```
//!
//! The binary plays two parts. Run plainly, it is the driver: it starts each server as a
//! child process (itself again, with `serve <kind>`), pinned to its own cores with `taskset`
//! where that exists, drives it with the MCP-aware load generator in [`load`], and prints
//! the table of [`report`]. Separate processes keep the servers from sharing a runtime,
//! a heap or a core with the load generator, and make their RSS readable.

mod cli;
mod flood;
mod load;
mod pin;
mod redis;
mod report;
mod servers;
mod soak;
mod spec;
mod workloads;
mod wrk;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match cli::parse(&args) {
        Ok(cli::Command::Serve(kind)) => servers::serve(kind),
        Ok(cli::Command::Run(options)) => {
            redis::start_if_needed(&options).and_then(|_redis| workloads::run_all(&options))
        }
        Ok(cli::Command::Help) => {
            println!("{}", cli::USAGE);
            Ok(())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
