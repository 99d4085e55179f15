use mcp_runtime::tool;

/// Echo.
#[tool]
async fn echo(#[arg(pattern = "")] text: String) -> String {
    text
}

fn main() {}
