use mcp_runtime::tool;

/// Echo.
#[tool]
async fn echo(#[arg(max_length = "ten")] text: String) -> String {
    text
}

fn main() {}
