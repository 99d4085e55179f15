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

/// `csp` is an app's setting.
#[resource(uri = "ui://reports/csp", csp(connect_domains = ["https://api.example.com"]))]
async fn csp_without_app() -> &'static str {
    "<!doctype html>"
}

/// The lists of `csp(...)` are AppCsp's.
#[resource(uri = "ui://reports/connect", app, csp(connect = ["https://api.example.com"]))]
async fn unknown_csp_list() -> &'static str {
    "<!doctype html>"
}

/// Origins are a list of strings.
#[resource(uri = "ui://reports/one", app, csp(connect_domains = "https://api.example.com"))]
async fn origin_not_a_list() -> &'static str {
    "<!doctype html>"
}

fn main() {}
