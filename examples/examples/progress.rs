//! Generator-style tools: each `progress!` becomes a `notifications/progress` frame on the
//! call's SSE stream, and the return value is the final result.
//!
//! ```text
//! cargo run -p examples --example progress
//! ```

use std::time::Duration;

use mcp_runtime::{progress, tool};

/// Analyze a dataset in chunks, reporting progress as it goes.
#[tool(read_only)]
pub async fn stream_data_analysis(
    /// Name of the dataset to analyze.
    dataset: String,
    /// Items per chunk.
    #[arg(default = 100)]
    chunk_size: usize,
) -> Result<String, String> {
    const TOTAL: usize = 1000;
    if chunk_size == 0 || chunk_size > TOTAL {
        return Err(format!(
            "chunk_size must be between 1 and {TOTAL}, got {chunk_size}"
        ));
    }
    let mut done = 0;
    while done < TOTAL {
        tokio::time::sleep(Duration::from_millis(100)).await;
        done = (done + chunk_size).min(TOTAL);
        let percent = done * 100 / TOTAL;
        progress!(done, TOTAL, "Processed {done}/{TOTAL} items ({percent}%)");
    }
    Ok(format!(
        "Analysis of {dataset} complete: {TOTAL} items in chunks of {chunk_size}"
    ))
}

/// Monitor a system in real time, reporting a status line every second.
#[tool(read_only)]
pub async fn real_time_monitoring(
    /// How long to monitor, in seconds.
    #[arg(default = 10)]
    duration: u64,
) -> Result<String, String> {
    if duration == 0 || duration > 3600 {
        return Err(format!(
            "duration must be between 1 and 3600 seconds, got {duration}"
        ));
    }
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.tick().await; // the first tick is immediate
    for second in 1..=duration {
        interval.tick().await;
        let load = 40 + (second * 7) % 30;
        progress!(
            second,
            duration,
            "t+{second}s: CPU {load}%, all services healthy"
        );
    }
    Ok(format!(
        "Monitoring finished after {duration} seconds: no incidents"
    ))
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    mcp_runtime::serve().await
}
