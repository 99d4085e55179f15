use mcp_runtime::tool;

async fn cities(prefix: String) -> Vec<String> {
    vec![prefix]
}

/// Weather.
#[tool]
async fn weather(#[arg(complete = cities)] city: String) -> String {
    city
}

fn main() {}
