use mcp_runtime::tool;

/// Echo.
#[tool]
async fn echo(value: impl ToString) -> String {
    value.to_string()
}

fn main() {}
