use mcp_runtime::tool;

/// Several mistakes at once: each is reported.
#[tool(colour = "red")]
async fn several(#[arg(bogus = 1)] a: String, b: &str) -> String {
    format!("{a}{b}")
}

fn main() {}
