use mcp_runtime::tool;

/// Echo.
#[tool]
async fn echo<'a>(text: String) -> String {
    text
}

fn main() {}
