use mcp_runtime::tool;

/// Count.
#[tool]
async fn count(to: u32) -> u32 {
    to
}

fn main() {}
