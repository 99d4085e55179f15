use mcp_runtime::tool;

/// Not one of the spec's visibilities.
#[tool(ui(uri = "ui://analysis/dashboard", visibility = ["model", "user"]))]
async fn unknown() -> &'static str {
    "done"
}

/// Visibilities are written as strings.
#[tool(ui(uri = "ui://analysis/dashboard", visibility = [App]))]
async fn bare_word() -> &'static str {
    "done"
}

/// A list, even of one.
#[tool(ui(uri = "ui://analysis/dashboard", visibility = "app"))]
async fn not_a_list() -> &'static str {
    "done"
}

/// No one could call it.
#[tool(ui(uri = "ui://analysis/dashboard", visibility = []))]
async fn empty() -> &'static str {
    "done"
}

fn main() {}
