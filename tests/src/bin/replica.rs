//! One replica for the multi-replica tests (`tests/tests/replicas.rs`): the conformance
//! fixture's tools plus a slow counter, served by [`mcp_runtime::serve`]'s own path, so
//! `MCP_ADDR`, `MCP_REDIS_URL` and `MCP_REDIS_LEASE_MS` choose where it listens and its
//! store, as in a deployment.

use std::time::Duration;

use mcp_runtime::{progress, tool};

#[path = "../../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;

/// Counts to `steps`, one progress frame every `delay_ms` milliseconds.
#[tool(read_only)]
async fn slow_count(
    /// How many steps.
    steps: u64,
    /// Milliseconds between steps.
    #[arg(default = 100)]
    delay_ms: u64,
) -> String {
    for step in 1..=steps {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        progress!(step, steps, "step {step} of {steps}");
    }
    format!("counted to {steps}")
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    everything::server()
        .tool(slow_count_tool())
        // Calls switch to SSE quickly, so the tests can drop a stream mid-call.
        .keep_alive(Duration::from_millis(500))
        .serve()
        .await
}
