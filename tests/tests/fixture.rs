//! What the conformance fixture (`examples/everything`) needed from the runtime, over raw
//! HTTP in both eras: raw input schemas served verbatim, tools that require a client
//! capability (-32021), and the content blocks the suites check.

use reqwest::Method;
use serde_json::{Value, json};
use tests::{Client, TestServer};

#[path = "../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;

const STATELESS: &str = "2026-07-28";

/// A 2026-07-28 request with its envelope, its mirrored headers, and these capabilities.
async fn stateless(
    server: &TestServer,
    id: i64,
    method: &str,
    mut params: Value,
    capabilities: Value,
) -> tests::Reply {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    });
    let name = params["name"].as_str().map(str::to_owned);
    let mut headers = vec![("mcp-protocol-version", STATELESS), ("mcp-method", method)];
    if let Some(name) = &name {
        headers.push(("mcp-name", name));
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    tests::read(
        server
            .client()
            .send(Method::POST, Some(body), &headers)
            .await,
    )
    .await
}

/// A handshake-era session whose client declared `capabilities`.
async fn session(server: &TestServer, capabilities: Value) -> Client {
    let mut client = server.client();
    let reply = client
        .post(json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": capabilities,
                       "clientInfo": {"name": "fixture-tests", "version": "0"}}
        }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    client.session = reply.session.clone();
    let ack = client
        .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    assert_eq!(ack.status, 202, "{}", ack.body);
    client
}

fn listed_schema(list: &Value, tool: &str) -> Value {
    list["result"]["tools"]
        .as_array()
        .and_then(|tools| tools.iter().find(|t| t["name"] == tool))
        .map(|t| t["inputSchema"].clone())
        .unwrap_or_else(|| panic!("{tool} is not listed: {list}"))
}

#[tokio::test]
async fn a_raw_input_schema_is_served_verbatim_in_both_eras() {
    let server = TestServer::start(everything::server()).await;
    let raw = everything::json_schema_2020_12();

    let client = session(&server, json!({})).await;
    let list = client.request(1, "tools/list", json!({})).await.json();
    assert_eq!(listed_schema(&list, "json_schema_2020_12_tool"), raw);

    let list = stateless(&server, 2, "tools/list", json!({}), json!({})).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(listed_schema(&list.json(), "json_schema_2020_12_tool"), raw);
    // Key order survives too (a client may hash the schema).
    assert!(
        list.body.contains(
            r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","$defs""#
        ),
        "{}",
        list.body
    );

    // The parameters behind the raw schema still decode the call.
    let reply = client
        .request(
            3,
            "tools/call",
            json!({"name": "json_schema_2020_12_tool", "arguments": {
                "name": "Ada", "address": {"city": "London"}, "contactMethod": "email",
                "email": "ada@example.com"
            }}),
        )
        .await
        .json();
    let text = reply["result"]["content"][0]["text"].as_str().unwrap_or("");
    assert!(
        text.contains("Ada") && text.contains("London") && text.contains("ada@example.com"),
        "{reply}"
    );
}

#[tokio::test]
async fn a_tool_that_needs_a_client_capability_refuses_clients_without_it() {
    let server = TestServer::start(everything::server()).await;
    let call = json!({"name": "test_missing_capability", "arguments": {}});

    // Stateless: -32021 with HTTP 400, the capability named as a ClientCapabilities object.
    let reply = stateless(&server, 7, "tools/call", call.clone(), json!({})).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["id"], 7);
    assert_eq!(body["error"]["code"], -32021);
    assert_eq!(
        body["error"]["data"],
        json!({"requiredCapabilities": {"sampling": {}}})
    );
    let message = body["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("`sampling`") && message.contains("clientCapabilities"),
        "{message}"
    );
    // Declared: the tool runs.
    let reply = stateless(
        &server,
        8,
        "tools/call",
        call.clone(),
        json!({"sampling": {}}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["result"]["content"][0]["text"], "Success");

    // Handshake era: the capabilities of `initialize` count; the error travels with 200.
    let without = session(&server, json!({"elicitation": {}})).await;
    let reply = without.request(9, "tools/call", call.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], -32021);
    assert!(reply.body.contains("initialize"), "{}", reply.body);
    let with = session(&server, json!({"sampling": {}})).await;
    let reply = with.request(10, "tools/call", call).await;
    assert_eq!(reply.json()["result"]["content"][0]["text"], "Success");
}

#[tokio::test]
async fn the_content_blocks_the_suites_check() {
    let server = TestServer::start(everything::server()).await;
    let client = session(&server, json!({})).await;
    let call = |name: &'static str| {
        let client = client.clone();
        async move {
            client
                .request(1, "tools/call", json!({"name": name, "arguments": {}}))
                .await
                .json()["result"]
                .clone()
        }
    };

    let image = call("test_image_content").await;
    assert_eq!(image["content"][0]["type"], "image");
    assert_eq!(image["content"][0]["mimeType"], "image/png");
    assert!(
        image["content"][0]["data"]
            .as_str()
            .is_some_and(|d| d.starts_with("iVBORw0KGgo")),
        "base64 of a PNG: {image}"
    );

    let audio = call("test_audio_content").await;
    assert_eq!(audio["content"][0]["mimeType"], "audio/wav");
    assert!(
        audio["content"][0]["data"]
            .as_str()
            .is_some_and(|d| d.starts_with("UklGR")),
        "base64 of a RIFF file: {audio}"
    );

    let embedded = call("test_embedded_resource").await;
    assert_eq!(
        embedded["content"][0],
        json!({"type": "resource", "resource": {
            "uri": "test://embedded-resource", "mimeType": "text/plain",
            "text": "This is an embedded resource content."
        }})
    );

    let mixed = call("test_multiple_content_types").await;
    let kinds: Vec<&str> = mixed["content"]
        .as_array()
        .map(|c| c.iter().filter_map(|b| b["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["text", "image", "resource"]);

    let error = call("test_error_handling").await;
    assert_eq!(error["isError"], true);
    assert_eq!(
        error["content"][0]["text"],
        "This tool intentionally returns an error for testing"
    );
}
