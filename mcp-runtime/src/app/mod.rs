//! MCP Apps (the `io.modelcontextprotocol/ui` extension, SEP-1865): interactive HTML views
//! for tools. A tool names its view with `_meta.ui.resourceUri` ([`ToolUi`],
//! [`ToolDef::ui`](crate::ToolDef::ui)); the view is a `ui://` resource of MIME type
//! [`MIME_TYPE`] ([`App`], [`Server::app`](crate::Server::app)); the host renders it in a
//! sandboxed iframe and passes it the tool's input and result (`structuredContent`
//! included, from an ordinary `tools/call`), and the view may call the server's tools
//! through the host.
//!
//! ```
//! use mcp_runtime::app::{App, AppCsp, ToolUi, Visibility};
//! use mcp_runtime::{CallToolResult, Server, ToolDef};
//!
//! let report = ToolDef::new("report", serde_json::json!({"type": "object"}), |_| async {
//!     CallToolResult::text("42 rows")
//! })
//! .ui("ui://reports/dashboard");
//! let refresh = ToolDef::new("refresh", serde_json::json!({"type": "object"}), |_| async {
//!     CallToolResult::text("refreshed")
//! })
//! .ui(ToolUi::new("ui://reports/dashboard").visibility([Visibility::App]));
//! let server = Server::new("reports")
//!     .tool(report)
//!     .tool(refresh)
//!     .app_resource(
//!         App::new("ui://reports/dashboard", "<!doctype html><title>Report</title>")
//!             .csp(AppCsp::default().connect_domains(["https://api.example.com"]))
//!             .prefers_border(true),
//!     );
//! # let _ = server;
//! ```
//!
//! With the macros: `#[tool(ui = "ui://reports/dashboard")]` (or `#[tool(ui(uri = "…",
//! visibility = ["app"]))]`) and `#[resource(uri = "ui://reports/dashboard", app,
//! prefers_border, csp(connect_domains = ["https://api.example.com"]))]` on a function
//! returning the HTML.
//!
//! The server declares the extension (`capabilities.extensions["io.modelcontextprotocol/ui"]`)
//! only when a tool names a view or a resource is an app.

mod resource;
mod tool;

pub use resource::{App, AppCsp, AppPermissions};
pub use tool::{ToolUi, Visibility};

/// The extension's identifier, under `capabilities.extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/ui";

/// The MIME type of an app's HTML.
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";

/// Whether a server with these tools and resources uses the extension.
pub(crate) fn used(
    tools: &[crate::tool::ToolDef],
    resources: &[crate::resource::ResourceDef],
    templates: &[crate::resource::ResourceTemplateDef],
) -> bool {
    tools
        .iter()
        .any(|t| t.meta.as_ref().is_some_and(|m| m.contains_key("ui")))
        || (resources.iter().map(|r| &r.info))
            .chain(templates.iter().map(|t| &t.info))
            .any(|info| info.mime_type.as_deref() == Some(MIME_TYPE))
}
