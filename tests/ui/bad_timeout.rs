use mcp_runtime::tool;

/// A timeout that is not a duration.
#[tool(timeout = "soon")]
async fn hurry() -> &'static str {
    "done"
}

/// A timeout of nothing.
#[tool(timeout = "0s")]
async fn never() -> &'static str {
    "done"
}

fn main() {}
