use mcp_runtime::tool;

/// Delete.
#[tool(destructive = "yes", open_world = 0)]
async fn delete(id: String) -> String {
    id
}

fn main() {}
