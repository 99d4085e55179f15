use mcp_runtime::tool;

#[tool]
struct NotATool;

fn main() {}
