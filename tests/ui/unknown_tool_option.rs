use mcp_runtime::tool;

/// Count.
#[tool(nmae = "counter")]
async fn count(to: u32) -> String {
    to.to_string()
}

fn main() {}
