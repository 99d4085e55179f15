use mcp_runtime::tool;

/// Count.
#[tool(task = sometimes)]
async fn count(to: u32) -> String {
    to.to_string()
}

fn main() {}
