use mcp_runtime::tool;

const VIEW: &str = "ui://analysis/dashboard";

/// The view's URI must be a string literal.
#[tool(ui = VIEW)]
async fn by_constant() -> &'static str {
    "done"
}

/// In the long form too.
#[tool(ui(uri = VIEW, visibility = ["app"]))]
async fn by_constant_long() -> &'static str {
    "done"
}

/// A view is a `ui://` resource.
#[tool(ui = "https://example.com/dashboard")]
async fn web_page() -> &'static str {
    "done"
}

/// In the long form too.
#[tool(ui(uri = "analysis/dashboard"))]
async fn no_scheme() -> &'static str {
    "done"
}

/// The long form needs the URI.
#[tool(ui(visibility = ["app"]))]
async fn no_uri() -> &'static str {
    "done"
}

/// `ui` alone names nothing.
#[tool(ui)]
async fn bare() -> &'static str {
    "done"
}

/// An option `ui(...)` does not have.
#[tool(ui(uri = "ui://analysis/dashboard", hidden))]
async fn unknown_option() -> &'static str {
    "done"
}

fn main() {}
