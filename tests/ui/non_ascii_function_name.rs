use mcp_runtime::tool;

/// Make coffee.
#[tool]
async fn café(cups: u32) -> String {
    cups.to_string()
}

fn main() {}
