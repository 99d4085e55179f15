use mcp_runtime::tool;

/// Greet.
#[tool(name = "say hello!")]
async fn greet(name: String) -> String {
    name
}

fn main() {}
