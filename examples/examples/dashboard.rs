//! MCP Apps: the guide's `stream_data_analysis` with a live dashboard. The tool reports
//! progress as it goes and returns a structured report; hosts that support MCP Apps render
//! the `ui://analysis/dashboard` view (`dashboard.html`) and hand it the report
//! (`structuredContent`), and the view can run the analysis again through the host. Other
//! hosts show the text result.
//!
//! ```text
//! cargo run -p examples --example dashboard                   # http://127.0.0.1:8000/mcp
//! ```

use std::time::Duration;

use mcp_runtime::{Json, Server, progress, resource, tool};
use schemars::JsonSchema;
use serde::Serialize;

/// The view's URI, named by the tool and served as an app (attributes take literals, so
/// `#[tool(ui = …)]` and `#[resource(uri = …)]` spell it out).
pub const VIEW: &str = "ui://analysis/dashboard";

/// One chunk's statistics.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Chunk {
    /// First item of the chunk.
    pub start: usize,
    /// One past its last item.
    pub end: usize,
    /// Mean value of its items.
    pub mean: f64,
}

/// The analysis of a dataset.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// The dataset analyzed.
    pub dataset: String,
    /// Items analyzed.
    pub items: usize,
    /// Per-chunk statistics.
    pub chunks: Vec<Chunk>,
    /// Mean over all items.
    pub mean: f64,
}

/// A deterministic value per item, so the dashboard has a shape to show.
fn value(dataset: &str, item: usize) -> f64 {
    let seed = dataset
        .bytes()
        .fold(7usize, |h, b| h.wrapping_mul(31) + b as usize);
    ((seed + item * 37) % 100) as f64
}

/// Analyze a dataset in chunks, reporting progress as it goes; shows a live dashboard
/// where the host supports MCP Apps.
#[tool(read_only, ui = "ui://analysis/dashboard")]
pub async fn stream_data_analysis(
    /// Name of the dataset to analyze.
    dataset: String,
    /// Items per chunk.
    #[arg(default = 100)]
    chunk_size: usize,
) -> Result<Json<Report>, String> {
    const TOTAL: usize = 1000;
    if chunk_size == 0 || chunk_size > TOTAL {
        return Err(format!(
            "chunk_size must be between 1 and {TOTAL}, got {chunk_size}"
        ));
    }
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < TOTAL {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let end = (start + chunk_size).min(TOTAL);
        let sum: f64 = (start..end).map(|i| value(&dataset, i)).sum();
        chunks.push(Chunk {
            start,
            end,
            mean: sum / (end - start) as f64,
        });
        progress!(end, TOTAL, "Processed {end}/{TOTAL} items");
        start = end;
    }
    let mean = (0..TOTAL).map(|i| value(&dataset, i)).sum::<f64>() / TOTAL as f64;
    Ok(Json(Report {
        dataset,
        items: TOTAL,
        chunks,
        mean,
    }))
}

/// Per-chunk means of the last analysis, as bars.
#[resource(
    uri = "ui://analysis/dashboard",
    name = "analysis-dashboard",
    app,
    prefers_border
)]
pub async fn dashboard() -> &'static str {
    include_str!("dashboard.html")
}

/// The server: the tool, linked to its view, and the view.
pub fn server() -> Server {
    Server::from_env("analysis-dashboard")
        .tool(stream_data_analysis_tool())
        .resource(dashboard_resource())
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    server().serve().await
}
