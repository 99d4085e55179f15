use mcp_runtime::tool;

/// Greet.
#[tool(name = "")]
async fn greet(name: String) -> String {
    name
}

fn main() {}
