//! The tool-author surface: every parameter kind, constraints, state, the call context,
//! every result kind, errors and metadata, over raw HTTP.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use mcp_runtime::{CallToolResult, Content, Context, Json, Server, State, ToolError, tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tests::{Client, TestServer};

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct Address {
    /// Street and number.
    street_name: String,
    /// Postal code, if known.
    zip: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Priority {
    Low,
    High,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Window {
    #[serde(default)]
    offset: u32,
    #[serde(flatten)]
    size: Size,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Size {
    limit: u16,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Summary {
    arguments: usize,
    text: String,
}

/// Takes one parameter of every kind.
#[tool(title = "Every parameter", icon = "https://example.com/icon.png")]
#[allow(clippy::too_many_arguments)]
async fn every_kind(
    /// A small unsigned number.
    count: u8,
    big: i64,
    ratio: f64,
    flag: bool,
    name: String,
    nickname: Option<String>,
    tags: Vec<String>,
    scores: HashMap<String, i32>,
    priority: Priority,
    shape: Shape,
    address: Address,
    window: Window,
    tree: Option<Tree>,
    /// How deep to go.
    #[arg(default = 3, min = 1, max = 10)]
    level: u32,
    /// Overridden below.
    #[arg(
        rename = "displayName",
        description = "How to show the name.",
        example = "Ada Lovelace",
        example = "Grace",
        min_length = 2,
        max_length = 20,
        pattern = "^[A-Za-z ]+$"
    )]
    display: Option<String>,
    #[arg(min_length = 1, max_length = 3)] picks: Option<Vec<u8>>,
) -> Json<Summary> {
    let text = format!(
        "{count} {big} {ratio} {flag} {name} {nickname:?} {tags:?} {} {priority:?} {shape:?} {} {} {} {} {level} {display:?} {picks:?}",
        scores.len(),
        address.street_name,
        window.offset,
        window.size.limit,
        tree.map_or(0, |t| t.children.len()),
    );
    Json(Summary {
        arguments: 16,
        text,
    })
}

struct Counter(AtomicU32);

/// Count calls, in server state.
#[tool]
async fn bump(counter: State<Counter>, ctx: Context, by: u32) -> String {
    let total = counter.0.fetch_add(by, Ordering::SeqCst) + by;
    let auth = ctx
        .http_headers()
        .and_then(|h| h.get("authorization"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none");
    let client = ctx.client_info().map_or("?".to_owned(), |c| c.name.clone());
    format!(
        "total={total} auth={auth} client={client} id={} tool={}",
        ctx.request_id(),
        ctx.tool_name()
    )
}

/// Fail in a way the model can act on.
#[tool]
async fn lookup(key: String) -> Result<String, ToolError> {
    match key.as_str() {
        "number" => {
            let n: i32 = "x".parse()?;
            Ok(n.to_string())
        }
        "known" => Ok("found".into()),
        other => Err(ToolError::not_found(format!(
            "no entry `{other}`; try `known`"
        ))),
    }
}

/// Fail with anyhow.
#[tool]
async fn flaky() -> anyhow::Result<String> {
    Err(anyhow::anyhow!("disk full").context("could not save the report"))
}

/// Return a result of the given kind.
#[tool]
async fn result_kind(kind: String) -> Result<CallToolResult, String> {
    let content = match kind.as_str() {
        "image" => Content::image([0x89, b'P', b'N', b'G'], "image/png"),
        "audio" => Content::audio(b"RIFF", "audio/wav"),
        "link" => Content::resource_link("file:///notes/1.md", "note 1"),
        "embedded" => Content::embedded_text("file:///notes/1.md", "text/markdown", "# One"),
        "blob" => Content::embedded_blob("file:///bin", "application/octet-stream", [1, 2, 3]),
        other => return Err(format!("unknown kind {other:?}")),
    };
    Ok(CallToolResult::new([
        Content::text(format!("a {kind}")),
        content,
    ]))
}

/// Nothing to say.
#[tool]
async fn quiet() {}

/// A list, as structured output.
#[tool]
async fn primes() -> Json<Vec<u32>> {
    Json(vec![2, 3, 5, 7])
}

/// Shout it.
#[tool]
async fn shout(text: String) -> String {
    text.to_uppercase()
}

/// A user type that happens to be named `Context`: an ordinary argument, not the call context.
mod user {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    pub struct Context {
        /// The context's id.
        pub id: u32,
    }
}

/// Look a user context up; the spec's default hints, spelled out as `false`.
#[tool(read_only = true, destructive = false, open_world = false, scopes = ["ctx:read"])]
async fn user_context(ctx: user::Context, call: Context) -> String {
    format!("{} via {}", ctx.id, call.tool_name())
}

fn server() -> Server {
    Server::new("surface")
        .state(Counter(AtomicU32::new(0)))
        .tool(every_kind_tool())
        .tool(bump_tool())
        .tool(lookup_tool())
        .tool(flaky_tool())
        .tool(result_kind_tool())
        .tool(quiet_tool())
        .tool(primes_tool())
        .tool(shout_tool())
        .tool(user_context_tool())
}

async fn session() -> (TestServer, Client) {
    let server = TestServer::start(server()).await;
    let mut client = server.client();
    client.initialize("2025-11-25").await;
    (server, client)
}

async fn call(client: &Client, name: &str, arguments: Value) -> Value {
    let reply = client
        .request(
            1,
            "tools/call",
            json!({"name": name, "arguments": arguments}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["result"].clone()
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {result}"))
}

fn valid_every_kind() -> Value {
    json!({
        "count": 7, "big": -5, "ratio": 0.5, "flag": true, "name": "n", "tags": ["a"],
        "scores": {"x": 1}, "priority": "high", "shape": {"kind": "circle", "radius": 1.0},
        "address": {"streetName": "Main 1"}, "window": {"offset": 2, "limit": 10}
    })
}

#[test]
fn every_parameter_kind_has_a_client_safe_schema() {
    let def = every_kind_tool();
    insta::assert_json_snapshot!(serde_json::to_value(&def).expect("serializes"));
    let schema = Value::Object(def.input_schema.clone()).to_string();
    assert!(!schema.contains("\"null\""), "no null types: {schema}");
    assert!(!schema.contains("title"), "no titles: {schema}");
}

#[tokio::test]
async fn every_parameter_kind_is_accepted_and_structured_output_is_returned() {
    let (_server, client) = session().await;
    let mut args = valid_every_kind();
    args["nickname"] = json!("nick");
    args["displayName"] = json!("Ada Lovelace");
    args["tree"] = json!({"label": "root", "children": [{"label": "leaf", "children": []}]});
    let result = call(&client, "every_kind", args).await;
    assert_eq!(result.get("isError"), None, "{result}");
    assert_eq!(result["structuredContent"]["arguments"], 16);
    let text = result["structuredContent"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.starts_with("7 -5 0.5 true n Some(\"nick\")"), "{text}");
    assert!(
        text.contains("High Circle { radius: 1.0 } Main 1 2 10 1 3 Some(\"Ada Lovelace\")"),
        "{text}"
    );
    let shown: Value =
        serde_json::from_str(self::text(&result)).expect("the text block is the JSON");
    assert_eq!(shown, result["structuredContent"]);
}

#[tokio::test]
async fn constraint_violations_name_the_argument_and_the_rule() {
    let (_server, client) = session().await;
    let cases = [
        (
            "level",
            json!(0),
            "argument `level` must be at least 1, got 0",
        ),
        (
            "level",
            json!(11),
            "argument `level` must be at most 10, got 11",
        ),
        (
            "displayName",
            json!("A"),
            "argument `displayName` must have at least 2 characters, got 1",
        ),
        (
            "displayName",
            json!("A".repeat(21)),
            "argument `displayName` must have at most 20 characters, got 21",
        ),
        (
            "displayName",
            json!("R2-D2"),
            "argument `displayName` must match the pattern `^[A-Za-z ]+$`, got \"R2-D2\"",
        ),
        (
            "picks",
            json!([]),
            "argument `picks` must have at least 1 items, got 0",
        ),
        (
            "picks",
            json!([1, 2, 3, 4]),
            "argument `picks` must have at most 3 items, got 4",
        ),
        (
            "count",
            json!(300),
            "invalid value for argument `count`: invalid value: integer 300, expected an integer from 0 to 255",
        ),
        (
            "priority",
            json!("urgent"),
            "invalid value for argument `priority`: unknown variant `urgent`, expected `low` or `high`",
        ),
    ];
    for (argument, value, expected) in cases {
        let mut args = valid_every_kind();
        args[argument] = value;
        let result = call(&client, "every_kind", args).await;
        assert_eq!(result["isError"], true, "{argument}");
        assert_eq!(
            text(&result),
            format!("Invalid arguments for tool `every_kind`: {expected}")
        );
    }
}

#[tokio::test]
async fn state_and_the_call_context_reach_the_tool() {
    let (_server, client) = session().await;
    let reply = tests::read(
        client
            .send(
                reqwest::Method::POST,
                Some(json!({"jsonrpc": "2.0", "id": "req-9", "method": "tools/call", "params": {"name": "bump", "arguments": {"by": 2}}})),
                &[("authorization", "Bearer t0k")],
            )
            .await,
    )
    .await;
    assert_eq!(
        text(&reply.json()["result"]),
        "total=2 auth=Bearer t0k client=tests id=\"req-9\" tool=bump"
    );
    let again = call(&client, "bump", json!({"by": 3})).await;
    assert!(text(&again).starts_with("total=5 auth=none"), "{again}");
    let schema = Value::Object(bump_tool().input_schema);
    assert_eq!(
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["by".to_owned()])
    );
}

#[tokio::test]
async fn a_missing_state_is_a_startup_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let error = Server::new("no-state")
        .tool(bump_tool())
        .serve_on(listener)
        .await
        .expect_err("refuses to start");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error
            .to_string()
            .contains("tool `bump` takes State<tool_surface::Counter>"),
        "{error}"
    );
    let panic = std::panic::catch_unwind(|| Server::new("no-state").tool(bump_tool()).router())
        .expect_err("router() panics");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("Server::state"), "{message}");
}

/// A second tool named `shout`, defined elsewhere.
mod twin {
    use mcp_runtime::tool;

    /// Shout twice.
    #[tool(name = "shout")]
    pub async fn shout_twice(text: String) -> String {
        text.to_uppercase().repeat(2)
    }
}

#[tokio::test]
async fn two_tools_with_one_name_are_a_startup_error_naming_both() {
    let twice = || {
        Server::new("twice")
            .tool(shout_tool())
            .tool(twin::shout_twice_tool())
    };
    let expected =
        "two tools are named `shout` (`tool_surface::shout` and `tool_surface::twin::shout_twice`)";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let error = twice()
        .serve_on(listener)
        .await
        .expect_err("refuses to start");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().starts_with(expected), "{error}");
    let error = twice().try_router().expect_err("refuses to build");
    assert!(
        matches!(&error, mcp_runtime::ServerError::DuplicateTool { name, .. } if name == "shout"),
        "{error:?}"
    );
    let panic = std::panic::catch_unwind(|| twice().router()).expect_err("router() panics");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.starts_with(expected), "{message}");
}

#[tokio::test]
async fn errors_are_results_the_model_can_act_on() {
    let (_server, client) = session().await;
    let result = call(&client, "lookup", json!({"key": "nope"})).await;
    assert_eq!(
        (result["isError"].clone(), text(&result)),
        (json!(true), "Not found: no entry `nope`; try `known`")
    );
    let result = call(&client, "lookup", json!({"key": "number"})).await;
    assert_eq!(text(&result), "invalid digit found in string");
    let result = call(&client, "flaky", json!({})).await;
    assert_eq!(
        (result["isError"].clone(), text(&result)),
        (json!(true), "could not save the report")
    );
    assert_eq!(
        text(&call(&client, "lookup", json!({"key": "known"})).await),
        "found"
    );
}

#[tokio::test]
async fn every_result_kind_travels_intact() {
    let (_server, client) = session().await;
    let second = |result: Value| result["content"][1].clone();
    assert_eq!(
        second(call(&client, "result_kind", json!({"kind": "image"})).await),
        json!({"type": "image", "data": "iVBORw==", "mimeType": "image/png"})
    );
    assert_eq!(
        second(call(&client, "result_kind", json!({"kind": "audio"})).await),
        json!({"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"})
    );
    assert_eq!(
        second(call(&client, "result_kind", json!({"kind": "link"})).await),
        json!({"type": "resource_link", "uri": "file:///notes/1.md", "name": "note 1"})
    );
    assert_eq!(
        second(call(&client, "result_kind", json!({"kind": "embedded"})).await),
        json!({"type": "resource", "resource": {"uri": "file:///notes/1.md", "mimeType": "text/markdown", "text": "# One"}})
    );
    assert_eq!(
        second(call(&client, "result_kind", json!({"kind": "blob"})).await),
        json!({"type": "resource", "resource": {"uri": "file:///bin", "mimeType": "application/octet-stream", "blob": "AQID"}})
    );
    assert_eq!(
        call(&client, "quiet", json!({})).await,
        json!({"content": []})
    );
    let primes = call(&client, "primes", json!({})).await;
    assert_eq!(primes["structuredContent"], json!({"result": [2, 3, 5, 7]}));
    assert_eq!(
        text(&call(&client, "shout", json!({"text": "hi"})).await),
        "HI"
    );
}

#[tokio::test]
async fn tool_metadata_is_listed() {
    let (_server, client) = session().await;
    let tools = client.request(1, "tools/list", json!({})).await.json()["result"]["tools"].clone();
    let find = |name: &str| {
        tools
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == name))
            .cloned()
            .unwrap_or_default()
    };
    let every = find("every_kind");
    assert_eq!(every["title"], "Every parameter");
    assert_eq!(
        every["icons"],
        json!([{"src": "https://example.com/icon.png"}])
    );
    assert_eq!(every["outputSchema"]["type"], "object");
    assert_eq!(
        every["outputSchema"]["required"],
        json!(["arguments", "text"])
    );
    let primes = find("primes");
    assert_eq!(
        primes["outputSchema"]["properties"]["result"]["type"],
        "array"
    );
    let user = find("user_context");
    assert_eq!(
        user["annotations"],
        json!({"readOnlyHint": true, "destructiveHint": false, "openWorldHint": false})
    );
    assert_eq!(user["inputSchema"]["required"], json!(["ctx"]));
}

#[tokio::test]
async fn a_user_type_named_context_is_an_argument() {
    let (_server, client) = session().await;
    assert_eq!(
        text(&call(&client, "user_context", json!({"ctx": {"id": 7}})).await),
        "7 via user_context"
    );
    let def = user_context_tool();
    assert_eq!(def.required_scopes, ["ctx:read"]);
    let defined_at = def.defined_at.map(|d| d.to_string());
    assert_eq!(defined_at.as_deref(), Some("tool_surface::user_context"));
}
