use mcp_runtime::tool;

/// Query a region.
#[tool]
async fn query(#[arg(header = "Region")] region: String, #[arg(header = "region")] zone: String) -> String {
    format!("{region}{zone}")
}

fn main() {}
