use mcp_runtime::tool;

/// Copy.
#[tool]
async fn copy(from: String, #[arg(rename = "from")] source: String) -> String {
    format!("{from}{source}")
}

fn main() {}
