use mcp_runtime::tool;

/// Write.
#[tool(scopes = "notes:write")]
async fn write(text: String) -> String {
    text
}

/// Read.
#[tool(scopes = ["notes:read", 7])]
async fn read(id: String) -> String {
    id
}

fn main() {}
