//! A real browser (headless Chromium) as an MCP client: a page on another origin calls a
//! tool with `fetch` (CORS preflight, `Authorization`, `Mcp-Session-Id` read from the
//! response), reads the SSE progress frames and the result; the same page from an origin
//! that is not allowed is refused. Plus the CORS answers themselves over raw HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::Html;
use axum::routing::get;
use mcp_runtime::{Auth, Server};
use tests::TestServer;
use tests::browser::Browser;

#[path = "../../examples/examples/progress.rs"]
#[allow(dead_code)]
mod progress;

const TOKEN: &str = "browser-test-token";

const PAGE: &str = r#"<!doctype html>
<html><head><title>running</title></head><body><script>
const MCP = "{MCP}";
const headers = extra => Object.assign({
    'content-type': 'application/json',
    'accept': 'application/json, text/event-stream',
    'authorization': 'Bearer {TOKEN}'
}, extra);
const post = (body, extra) => fetch(MCP, {method: 'POST', headers: headers(extra), body: JSON.stringify(body)});
async function run() {
    const init = await post({jsonrpc: '2.0', id: 0, method: 'initialize', params: {
        protocolVersion: '2025-11-25', capabilities: {}, clientInfo: {name: 'browser', version: '0'}}});
    const session = init.headers.get('mcp-session-id');
    const version = (await init.json()).result.protocolVersion;
    if (!session) throw new Error('Mcp-Session-Id is not readable');
    const common = {'mcp-session-id': session, 'mcp-protocol-version': version};
    await post({jsonrpc: '2.0', method: 'notifications/initialized'}, common);
    const res = await post({jsonrpc: '2.0', id: 1, method: 'tools/call', params: {
        name: 'stream_data_analysis', arguments: {dataset: 'web', chunk_size: 250},
        _meta: {progressToken: 'b'}}}, common);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '', result = null;
    const progress = [];
    while (result === null) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trim()).join('');
            if (!data) continue;
            const message = JSON.parse(data);
            if (message.method === 'notifications/progress') progress.push(message.params.progress);
            else if (message.id === 1) result = message.result.content[0].text;
        }
    }
    const deleted = await fetch(MCP, {method: 'DELETE', headers: headers(common)});
    return {stream: res.headers.get('content-type'), progress, result, deleted: deleted.status};
}
run().then(
    outcome => { document.title = 'done:' + btoa(JSON.stringify(outcome)); },
    error => { document.title = 'done:' + btoa(JSON.stringify({error: String(error)})); });
</script></body></html>"#;

/// A web app on its own origin serving the page, which calls the MCP URL in `mcp`.
async fn web_app(mcp: Arc<Mutex<String>>) -> TestServer {
    TestServer::start_router(axum::Router::new().route(
        "/",
        get(move || {
            let page = PAGE
                .replace("{MCP}", &mcp.lock().expect("url"))
                .replace("{TOKEN}", TOKEN);
            std::future::ready(Html(page))
        }),
    ))
    .await
}

/// The outcome the page put in its title, as base64 of JSON (DevTools lists titles
/// HTML-escaped).
fn outcome_of(title: &str) -> serde_json::Value {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(&title["done:".len()..])
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_else(|| panic!("the title is not `done:` and base64 of JSON: {title}"))
}

fn origin(server: &TestServer) -> String {
    format!("http://{}", server.addr)
}

/// The MCP server, allowing pages of `allowed` only (its own host named with its port, so
/// other loopback origins are not implicitly its own pages).
async fn mcp_server(allowed: &str) -> TestServer {
    let allowed = allowed.to_owned();
    TestServer::start_at(move |url| {
        let host = url
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_owned();
        Server::new("browser")
            .tool(progress::stream_data_analysis_tool())
            .auth(Auth::bearer_tokens([TOKEN]))
            .allowed_hosts([host])
            .allowed_origins([allowed])
            .router()
    })
    .await
}

#[tokio::test]
async fn a_page_on_an_allowed_origin_streams_a_call_and_another_is_refused() {
    let _ = tests::browser::chromium();
    let mcp_url = Arc::new(Mutex::new(String::new()));
    let allowed_app = web_app(mcp_url.clone()).await;
    let other_app = web_app(mcp_url.clone()).await;
    let mcp = mcp_server(&origin(&allowed_app)).await;
    *mcp_url.lock().expect("url") = mcp.url.clone();

    let browser = Browser::open(&format!("{}/", origin(&allowed_app))).await;
    let title = browser
        .title_starting_with("done:", Duration::from_secs(60))
        .await;
    let outcome = outcome_of(&title);
    assert_eq!(outcome["stream"], "text/event-stream", "{outcome}");
    assert_eq!(
        outcome["progress"],
        serde_json::json!([250, 500, 750, 1000]),
        "{outcome}"
    );
    assert_eq!(
        outcome["result"], "Analysis of web complete: 1000 items in chunks of 250",
        "{outcome}"
    );
    assert_eq!(outcome["deleted"], 200, "{outcome}");
    drop(browser);

    let browser = Browser::open(&format!("{}/", origin(&other_app))).await;
    let title = browser
        .title_starting_with("done:", Duration::from_secs(60))
        .await;
    let outcome = outcome_of(&title);
    assert!(
        outcome["error"]
            .as_str()
            .is_some_and(|e| e.contains("Failed to fetch")),
        "a page from {} must not reach the server: {outcome}",
        origin(&other_app)
    );
}

#[tokio::test]
async fn cors_answers_follow_the_allowed_origins() {
    let allowed = "http://app.example:5173";
    let mcp = mcp_server(allowed).await;
    let http = reqwest::Client::new();
    let preflight = |origin: &str| {
        http.request(reqwest::Method::OPTIONS, &mcp.url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, mcp-session-id, mcp-protocol-version, last-event-id, mcp-param-region",
            )
            .send()
    };
    let ok = preflight(allowed).await.expect("preflight");
    assert!(ok.status().is_success(), "{}", ok.status());
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII").to_ascii_lowercase())
            .unwrap_or_default()
    };
    assert_eq!(header(&ok, "access-control-allow-origin"), allowed);
    let allowed_headers = header(&ok, "access-control-allow-headers");
    for name in [
        "authorization",
        "content-type",
        "mcp-session-id",
        "mcp-protocol-version",
        "last-event-id",
        "mcp-param-region",
    ] {
        assert!(
            allowed_headers.contains(name),
            "{name} not in {allowed_headers}"
        );
    }
    assert!(header(&ok, "access-control-allow-methods").contains("delete"));

    let refused = preflight("http://evil.example").await.expect("preflight");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS grant for a disallowed origin"
    );
    // The Origin check refuses its actual requests too.
    let direct = http
        .post(&mcp.url)
        .header("origin", "http://evil.example")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("POST");
    assert_eq!(direct.status(), 403);

    // Responses to an allowed origin expose the headers a browser client reads.
    let response = http
        .post(&mcp.url)
        .header("origin", allowed)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"0"}}}"#)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "access-control-allow-origin"), allowed);
    let exposed = header(&response, "access-control-expose-headers");
    for name in ["mcp-session-id", "mcp-protocol-version", "www-authenticate"] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }
}
