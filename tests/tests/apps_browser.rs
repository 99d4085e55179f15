//! MCP Apps in a real browser: headless Chromium loads a host page built on the official
//! host bridge (`AppBridge` of `@modelcontextprotocol/ext-apps`, with the TypeScript SDK as
//! its MCP client, bundled by esbuild from `tests/clients/typescript/apps_host.mjs`). The
//! page connects to the `dashboard` example, reads the view its `stream_data_analysis`
//! names, renders it in a sandboxed iframe; the view calls the tool through the bridge,
//! charts the report and tells the host what it shows, which the page puts in its title
//! for the test. A screenshot is kept for humans.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::response::Html;
use axum::routing::get;
use tests::TestServer;
use tests::browser::Browser;
use tests::clients::{self, run_client};

#[path = "../../examples/examples/dashboard.rs"]
#[allow(dead_code)]
mod dashboard;

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>loading</title></head>
<body><h1>MCP Apps host</h1><div id="view"></div><pre id="log"></pre>
<script type="module" src="/host.js"></script></body></html>"#;

/// `apps_host.mjs` and what it imports, bundled into one browser module.
async fn bundle_host() -> String {
    let node = clients::node();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("apps_host.bundle.js");
    // The platform package holds esbuild's native binary (the npm package `esbuild` pins it).
    let mut command =
        tokio::process::Command::new(node.dir.join("node_modules/@esbuild/linux-x64/bin/esbuild"));
    command
        .args([
            "apps_host.mjs",
            "--bundle",
            "--format=esm",
            "--platform=browser",
        ])
        .arg(format!("--outfile={}", out.display()))
        .current_dir(&node.dir);
    run_client(command, Duration::from_secs(120)).await;
    std::fs::read_to_string(&out).expect("the bundle")
}

/// The outcome the page put in its title: `done:` and base64 of JSON.
fn outcome_of(title: &str) -> serde_json::Value {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(&title["done:".len()..])
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_else(|| panic!("the title is not `done:` and base64 of JSON: {title}"))
}

/// A screenshot of `url` (the flow runs again in a second browser), for humans; a failure
/// to take it is reported, not fatal: the assertions above are the test. Chromium's
/// `--screenshot` does not wait for the view's network round trips, so it may show the view
/// before its chart.
async fn screenshot(url: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("apps_dashboard.png");
    let _ = std::fs::remove_file(&path);
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join("apps-screenshot-profile");
    let run = tokio::process::Command::new(tests::browser::chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=800,600",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", path.display()))
        .arg(url)
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(60), run).await {
        Ok(Ok(_)) if path.exists() => println!("screenshot: {}", path.display()),
        other => println!("no screenshot taken: {other:?}"),
    }
    let _ = std::fs::remove_dir_all(profile);
    path
}

#[tokio::test]
async fn a_host_on_ext_apps_renders_the_dashboard_whose_tool_call_reaches_the_server() {
    let _ = tests::browser::chromium();
    let script = bundle_host().await;
    let server = TestServer::start_at(move |url| {
        let host = url
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_owned();
        dashboard::server()
            .allowed_hosts([host.clone()])
            .allowed_origins([format!("http://{host}")])
            .router()
            .route("/", get(|| std::future::ready(Html(PAGE))))
            .route(
                "/host.js",
                get(move || {
                    std::future::ready(([("content-type", "text/javascript")], script.clone()))
                }),
            )
    })
    .await;
    let page = format!("http://{}/", server.addr);

    let browser = Browser::open(&page).await;
    let title = browser
        .title_starting_with("done:", Duration::from_secs(90))
        .await;
    let shown = outcome_of(&title);
    // The view ran `stream_data_analysis` with the host's tool input (chunks of 125) and
    // charts what the server computed.
    assert_eq!(shown["dataset"], "sales", "{shown}");
    assert_eq!(shown["chunks"], 8, "{shown}");
    assert!(shown["mean"].as_f64().is_some_and(|m| m > 0.0), "{shown}");
    drop(browser);

    screenshot(&page).await;
}
