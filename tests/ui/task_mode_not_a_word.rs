use mcp_runtime::tool;

/// Count.
#[tool(task = "optional")]
async fn count(to: u32) -> String {
    to.to_string()
}

fn main() {}
