//! MCP Apps (`io.modelcontextprotocol/ui`, SEP-1865), the server's side, in both eras: a
//! tool's `_meta.ui` (view URI, visibility) in `tools/list`, the view served as a `ui://`
//! resource of MIME type `text/html;profile=mcp-app` with its sandbox settings in the list
//! entry and on the contents, the extension declared only when something uses it, and the
//! result's `structuredContent` (what the host hands the view) from an ordinary `tools/call`.

use mcp_runtime::app::{App, AppCsp, AppPermissions, ToolUi, Visibility};
use mcp_runtime::client::{Client, ProtocolVersion};
use mcp_runtime::{Json, Server, resource, tool};
use serde::Serialize;
use serde_json::{Value, json};
use tests::TestServer;

const VIEW: &str = "ui://analysis/dashboard";
const HTML: &str = "<!doctype html><html><body><div id=\"out\"></div></body></html>";

#[derive(Serialize, schemars::JsonSchema)]
struct Report {
    dataset: String,
    rows: u32,
}

/// Analyze a dataset; shows a dashboard where the host supports MCP Apps.
#[tool]
async fn analyze(dataset: String) -> Json<Report> {
    Json(Report {
        dataset,
        rows: 1000,
    })
}

/// Refresh the dashboard (the view's button; hidden from the model).
#[tool]
async fn refresh() -> String {
    "refreshed".into()
}

fn server() -> Server {
    Server::new("analysis")
        .tool(analyze_tool().ui(VIEW))
        .tool(refresh_tool().ui(ToolUi::new(VIEW).visibility([Visibility::App])))
        .app_resource(
            App::new(VIEW, HTML)
                .name("dashboard")
                .description("Live analysis dashboard")
                .csp(AppCsp::default().connect_domains(["https://api.example.com"]))
                .permissions(AppPermissions::default().clipboard_write(true))
                .prefers_border(true),
        )
}

async fn connect(url: &str, era: Option<ProtocolVersion>) -> Client {
    let mut builder = Client::http(url).client_info("apps-tests", "1");
    if let Some(version) = era {
        builder = builder.protocol_version(version);
    }
    builder.connect().await.expect("connect")
}

#[tokio::test]
async fn tools_name_their_view_and_the_view_is_an_app_resource() {
    let server = TestServer::start(server()).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let client = connect(&server.url, era).await;
        assert_eq!(
            client.server_info().capabilities["extensions"]["io.modelcontextprotocol/ui"],
            json!({"mimeTypes": ["text/html;profile=mcp-app"]}),
            "{era:?}"
        );

        let tools = client
            .request("tools/list", json!({}))
            .await
            .expect("tools/list");
        let meta = |name: &str| -> Value {
            let tool = tools["tools"]
                .as_array()
                .and_then(|all| all.iter().find(|t| t["name"] == name))
                .unwrap_or_else(|| panic!("{era:?}: no tool {name}: {tools}"));
            tool["_meta"]["ui"].clone()
        };
        assert_eq!(meta("analyze"), json!({"resourceUri": VIEW}), "{era:?}");
        assert_eq!(
            meta("refresh"),
            json!({"resourceUri": VIEW, "visibility": ["app"]}),
            "{era:?}"
        );

        let ui = json!({
            "csp": {"connectDomains": ["https://api.example.com"]},
            "permissions": {"clipboardWrite": {}},
            "prefersBorder": true,
        });
        let resources = client
            .request("resources/list", json!({}))
            .await
            .expect("resources/list");
        let listed = &resources["resources"][0];
        assert_eq!(listed["uri"], VIEW, "{era:?}: {resources}");
        assert_eq!(listed["mimeType"], "text/html;profile=mcp-app");
        assert_eq!(listed["_meta"]["ui"], ui);

        let read = client.read_resource(VIEW).await.expect("resources/read");
        let contents = serde_json::to_value(&read.contents[0]).expect("contents");
        assert_eq!(contents["mimeType"], "text/html;profile=mcp-app", "{era:?}");
        assert_eq!(contents["text"], HTML);
        assert_eq!(contents["_meta"]["ui"], ui);

        // What the host passes the view (`ui/notifications/tool-result`): the result as is.
        let result = client
            .call_tool("analyze", json!({"dataset": "sales"}))
            .result()
            .await
            .expect("tools/call");
        assert_eq!(
            result.structured_content,
            Some(json!({"dataset": "sales", "rows": 1000})),
            "{era:?}"
        );
        // The view may call its app-only tool like any other.
        let refreshed = client
            .call_tool("refresh", ())
            .result()
            .await
            .expect("refresh");
        assert!(!refreshed.is_error);
        client.close().await;
    }
}

/// The same tools and view written with the macros' options.
mod declared {
    use super::*;

    /// Analyze a dataset.
    #[tool(name = "analyze", ui = "ui://analysis/dashboard")]
    pub async fn analyze_declared(dataset: String) -> Json<Report> {
        Json(Report {
            dataset,
            rows: 1000,
        })
    }

    /// Refresh the dashboard, from the view only.
    #[tool(name = "refresh", ui(uri = "ui://analysis/dashboard", visibility = ["app"]))]
    pub async fn refresh_declared() -> String {
        "refreshed".into()
    }

    /// Both may call it.
    #[tool(ui(uri = "ui://analysis/dashboard", visibility = ["model", "app"]))]
    pub async fn export() -> String {
        "exported".into()
    }

    /// Live analysis dashboard.
    #[resource(
        uri = "ui://analysis/dashboard",
        name = "dashboard",
        app,
        prefers_border,
        csp(connect_domains = ["https://api.example.com"])
    )]
    pub async fn dashboard() -> String {
        HTML.into()
    }

    /// A view with no settings: no `_meta`.
    #[resource(uri = "ui://analysis/plain", app)]
    pub async fn plain() -> &'static str {
        HTML
    }

    pub fn server() -> Server {
        Server::new("declared")
            .tool(analyze_declared_tool())
            .tool(refresh_declared_tool())
            .tool(export_tool())
            .resource(dashboard_resource())
            .resource(plain_resource())
    }
}

/// `#[tool(ui = …)]`, `#[tool(ui(uri, visibility))]` and `#[resource(app, …)]` give what the
/// builders give: the tools' `_meta.ui`, the view's MIME type and `_meta.ui` on the list
/// entry and the contents, and the extension declared.
#[tokio::test]
async fn the_macro_options_declare_views_and_apps() {
    let server = TestServer::start(declared::server()).await;
    for era in [None, Some(ProtocolVersion::V2025_11_25)] {
        let client = connect(&server.url, era).await;
        assert_eq!(
            client.server_info().capabilities["extensions"]["io.modelcontextprotocol/ui"],
            json!({"mimeTypes": ["text/html;profile=mcp-app"]}),
            "{era:?}"
        );
        let tools = client
            .request("tools/list", json!({}))
            .await
            .expect("tools/list");
        let meta = |name: &str| -> Value {
            let tool = tools["tools"]
                .as_array()
                .and_then(|all| all.iter().find(|t| t["name"] == name))
                .unwrap_or_else(|| panic!("{era:?}: no tool {name}: {tools}"));
            tool["_meta"].clone()
        };
        assert_eq!(
            meta("analyze"),
            json!({"ui": {"resourceUri": VIEW}}),
            "{era:?}"
        );
        assert_eq!(
            meta("refresh"),
            json!({"ui": {"resourceUri": VIEW, "visibility": ["app"]}}),
            "{era:?}"
        );
        assert_eq!(
            meta("export"),
            json!({"ui": {"resourceUri": VIEW, "visibility": ["model", "app"]}}),
            "{era:?}"
        );

        let resources = client
            .request("resources/list", json!({}))
            .await
            .expect("resources/list");
        let listed = |uri: &str| -> Value {
            (resources["resources"].as_array())
                .and_then(|all| all.iter().find(|r| r["uri"] == uri))
                .unwrap_or_else(|| panic!("{era:?}: no resource {uri}: {resources}"))
                .clone()
        };
        let ui = json!({"ui": {
            "prefersBorder": true,
            "csp": {"connectDomains": ["https://api.example.com"]},
        }});
        let dashboard = listed(VIEW);
        assert_eq!(dashboard["mimeType"], "text/html;profile=mcp-app");
        assert_eq!(dashboard["name"], "dashboard");
        assert_eq!(dashboard["_meta"], ui);
        let plain = listed("ui://analysis/plain");
        assert_eq!(plain["mimeType"], "text/html;profile=mcp-app");
        assert!(plain.get("_meta").is_none(), "{plain}");

        for (uri, meta) in [(VIEW, Some(ui.clone())), ("ui://analysis/plain", None)] {
            let read = client.read_resource(uri).await.expect("resources/read");
            let contents = serde_json::to_value(&read.contents[0]).expect("contents");
            assert_eq!(contents["mimeType"], "text/html;profile=mcp-app", "{era:?}");
            assert_eq!(contents["text"], HTML);
            assert_eq!(contents.get("_meta").cloned(), meta, "{era:?}: {contents}");
        }
        client.close().await;
    }
}

/// No views, no extension.
#[tokio::test]
async fn a_server_without_apps_declares_no_ui_extension() {
    let server = TestServer::start(Server::new("plain").tool(analyze_tool())).await;
    let client = connect(&server.url, None).await;
    let extensions = client.server_info().capabilities.get("extensions");
    assert!(
        extensions.is_none_or(|e| e.get("io.modelcontextprotocol/ui").is_none()),
        "{extensions:?}"
    );
    client.close().await;
    // A view alone (no tool names it yet) is enough to declare it.
    let server = TestServer::start(Server::new("view-only").app(VIEW, HTML)).await;
    let client = connect(&server.url, None).await;
    assert!(
        client.server_info().capabilities["extensions"]
            .get("io.modelcontextprotocol/ui")
            .is_some()
    );
    client.close().await;
}

#[path = "../../examples/examples/dashboard.rs"]
#[allow(dead_code)]
mod dashboard;

/// The example dashboard: `stream_data_analysis` names its view, and its structured
/// report (what the view charts) arrives from an ordinary call, progress included.
#[tokio::test]
async fn the_example_dashboard_serves_its_view_and_a_structured_report() {
    let server = TestServer::start(dashboard::server()).await;
    let client = connect(&server.url, None).await;
    let tools = client.list_tools().await.expect("tools/list");
    let analysis = tools
        .iter()
        .find(|t| t.name == "stream_data_analysis")
        .expect("the tool");
    let listed = serde_json::to_value(analysis).expect("tool");
    assert_eq!(
        listed["_meta"]["ui"]["resourceUri"],
        dashboard::VIEW,
        "{listed}"
    );
    let resources = client
        .request("resources/list", json!({}))
        .await
        .expect("resources/list");
    let entry = &resources["resources"][0];
    assert_eq!(entry["uri"], dashboard::VIEW, "{resources}");
    assert_eq!(entry["mimeType"], "text/html;profile=mcp-app");
    assert_eq!(entry["_meta"], json!({"ui": {"prefersBorder": true}}));
    let view = client.read_resource(dashboard::VIEW).await.expect("view");
    let view = serde_json::to_value(&view.contents[0]).expect("contents");
    assert_eq!(view["mimeType"], "text/html;profile=mcp-app", "{view}");
    assert_eq!(view["_meta"], json!({"ui": {"prefersBorder": true}}));
    assert!(
        view["text"]
            .as_str()
            .is_some_and(|html| html.contains("ui/notifications/tool-result")),
        "{view}"
    );
    let report = client
        .call_tool(
            "stream_data_analysis",
            json!({"dataset": "sales", "chunk_size": 250}),
        )
        .result()
        .await
        .expect("tools/call");
    let report = report.structured_content.expect("structured content");
    assert_eq!(report["items"], 1000);
    assert_eq!(
        report["chunks"].as_array().map(Vec::len),
        Some(4),
        "{report}"
    );
    client.close().await;
}
