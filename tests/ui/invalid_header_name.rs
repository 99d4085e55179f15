use mcp_runtime::tool;

/// Query a region.
#[tool]
async fn query(#[arg(header = "Region Name")] region: String) -> String {
    region
}

fn main() {}
