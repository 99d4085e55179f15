use mcp_runtime::tool;

/// Look a city up.
#[tool]
async fn lookup(#[arg(rename = "")] city: String, #[arg(header = "")] region: String) -> String {
    format!("{city}{region}")
}

fn main() {}
