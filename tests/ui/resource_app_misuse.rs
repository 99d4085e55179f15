use mcp_runtime::resource;

/// An app view is a `ui://` resource.
#[resource(uri = "https://example.com/dashboard", app)]
async fn web_page() -> &'static str {
    "<!doctype html>"
}

/// An app view is one document, not a template.
#[resource(uri = "ui://reports/{id}", app)]
async fn per_report(id: String) -> String {
    id
}

/// `app` sets the MIME type.
#[resource(uri = "ui://reports/dashboard", app, mime = "text/html")]
async fn with_mime() -> &'static str {
    "<!doctype html>"
}

/// `prefers_border` is an app's setting.
#[resource(uri = "ui://reports/border", prefers_border)]
async fn border_without_app() -> &'static str {
    "<!doctype html>"
}

fn main() {}
