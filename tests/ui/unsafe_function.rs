use mcp_runtime::tool;

/// Echo.
#[tool]
async unsafe fn echo(text: String) -> String {
    text
}

fn main() {}
