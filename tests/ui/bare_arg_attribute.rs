use mcp_runtime::tool;

/// Count.
#[tool]
async fn count(#[arg] to: u32) -> String {
    to.to_string()
}

fn main() {}
