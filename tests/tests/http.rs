//! The Streamable HTTP transport and the core protocol, spoken to over raw HTTP.

use mcp_runtime::{Server, progress, tool};
use serde_json::{Value, json};
use tests::{TestServer, parse_sse};

#[path = "../../examples/examples/hello.rs"]
#[allow(dead_code)]
mod hello;

/// Report `n` progress steps, then finish.
#[tool]
async fn steps(n: u32) -> String {
    for i in 1..=n {
        progress!(i, n, "step {i} of {n}");
    }
    format!("did {n} steps")
}

/// Status lines without counts, then a count that does not move forward.
#[tool]
async fn chatty() -> &'static str {
    progress!("warming up");
    progress!(5, 10);
    progress!("still going");
    progress!(3, 10, "a smaller count");
    "done"
}

/// The guide's `robust_streaming_tool` form: format arguments in every form of `progress!`.
#[tool]
async fn chunks(data: Vec<String>) -> String {
    let total = data.len();
    for (i, chunk) in data.iter().enumerate() {
        progress!("Processed chunk {}: {}", i + 1, chunk);
    }
    progress!(1, 2);
    progress!(total, total, "all {} {unit}", total, unit = "chunks");
    progress!("{total} done",);
    "chunked".to_owned()
}

/// Always panics.
#[tool]
async fn boom() -> String {
    panic!("kaboom")
}

fn server() -> Server {
    Server::new("test-server")
        .version("1.2.3")
        .tool(hello::greet_tool())
        .tool(hello::add_tool())
        .tool(hello::divide_numbers_tool())
        .tool(steps_tool())
        .tool(chatty_tool())
        .tool(chunks_tool())
        .tool(boom_tool())
}

async fn session() -> (TestServer, tests::Client) {
    let server = TestServer::start(server()).await;
    let mut client = server.client();
    client.initialize("2025-11-25").await;
    (server, client)
}

fn error_code(reply: &tests::Reply) -> i64 {
    reply.json()["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error code in {}", reply.body))
}

fn tool_text(result: &Value) -> &str {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text content in {result}"))
}

#[tokio::test]
async fn initialize_opens_a_session_and_negotiates_the_version() {
    let server = TestServer::start(server()).await;
    let client = server.client();
    let init = |version: &str| {
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
    };

    let reply = client.post(init("2025-03-26")).await;
    assert_eq!(reply.status, 200);
    let session = reply
        .session
        .clone()
        .expect("Mcp-Session-Id on the initialize response");
    assert!(
        session.len() >= 32 && session.bytes().all(|b| (0x21..=0x7e).contains(&b)),
        "{session}"
    );
    let result = &reply.json()["result"];
    assert_eq!(result["protocolVersion"], "2025-03-26");
    assert_eq!(
        result["serverInfo"],
        json!({"name": "test-server", "version": "1.2.3"})
    );
    assert!(result["capabilities"]["tools"].is_object());

    let other = client.post(init("2025-11-25")).await;
    assert_ne!(
        other.session, reply.session,
        "every initialize opens its own session"
    );

    let unknown = client.post(init("2099-01-01")).await;
    assert_eq!(
        unknown.json()["result"]["protocolVersion"],
        "2025-11-25",
        "unknown → our newest"
    );
}

#[tokio::test]
async fn tools_list_shows_schemas_and_descriptions() {
    let (_server, client) = session().await;
    let reply = client.request(2, "tools/list", json!({})).await;
    assert_eq!(reply.status, 200);
    let tools = reply.json()["result"]["tools"].clone();
    let names: Vec<&str> = tools
        .as_array()
        .expect("tools array")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "greet", "add", "divide", "steps", "chatty", "chunks", "boom"
        ]
    );

    let divide = &tools[2];
    assert_eq!(
        divide["description"],
        "Divide one number by another. Dividing by zero is an error the model can read."
    );
    let schema = &divide["inputSchema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["numerator", "denominator"]));
    assert_eq!(schema["properties"]["precision"]["default"], 2);
    assert_eq!(
        schema["properties"]["denominator"]["description"],
        "The divisor; must not be zero."
    );
    assert_eq!(
        divide["annotations"],
        json!({"readOnlyHint": true, "idempotentHint": true})
    );

    let greet = &tools[0]["inputSchema"];
    assert_eq!(
        greet["required"],
        json!(["name"]),
        "Option parameters are not required"
    );
    assert_eq!(
        greet["properties"]["greeting"]["type"], "string",
        "no [\"string\", \"null\"] type arrays"
    );
}

#[tokio::test]
async fn a_call_with_a_progress_token_streams_its_frames_before_the_result() {
    let (_server, client) = session().await;
    let reply = client
        .request(
            3,
            "tools/call",
            json!({"name": "steps", "arguments": {"n": 5}, "_meta": {"progressToken": "tok-1"}}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.is_sse(), "expected SSE, got {:?}", reply.content_type);
    let messages = reply.sse_messages();
    assert_eq!(
        messages.len(),
        6,
        "5 progress frames and the response: {messages:#?}"
    );
    for (i, frame) in messages[..5].iter().enumerate() {
        let step = i as u64 + 1;
        assert_eq!(frame["method"], "notifications/progress");
        assert_eq!(frame["params"]["progressToken"], "tok-1");
        assert_eq!(frame["params"]["progress"], step);
        assert_eq!(frame["params"]["total"], 5);
        assert_eq!(frame["params"]["message"], format!("step {step} of 5"));
    }
    assert_eq!(messages[5]["id"], 3);
    assert_eq!(tool_text(&messages[5]["result"]), "did 5 steps");
}

#[tokio::test]
async fn progress_always_increases_even_for_message_only_frames() {
    let (_server, client) = session().await;
    let reply = client
        .request(
            4,
            "tools/call",
            json!({"name": "chatty", "_meta": {"progressToken": 9}}),
        )
        .await;
    let messages = reply.sse_messages();
    let progress: Vec<f64> = messages[..4]
        .iter()
        .filter_map(|m| m["params"]["progress"].as_f64())
        .collect();
    assert_eq!(progress, [1.0, 5.0, 6.0, 7.0]);
    assert_eq!(messages[0]["params"]["progressToken"], 9);
    assert_eq!(messages[3]["params"]["message"], "a smaller count");
    assert_eq!(tool_text(&messages[4]["result"]), "done");
}

#[tokio::test]
async fn progress_messages_take_format_arguments_in_every_form() {
    let (_server, client) = session().await;
    let reply = client
        .request(
            6,
            "tools/call",
            json!({"name": "chunks", "arguments": {"data": ["a", "b"]}, "_meta": {"progressToken": "c"}}),
        )
        .await;
    let messages = reply.sse_messages();
    assert_eq!(
        messages.len(),
        6,
        "5 progress frames and the response: {messages:#?}"
    );
    let frames: Vec<(Option<f64>, Option<&str>)> = messages[..5]
        .iter()
        .map(|m| {
            assert_eq!(m["method"], "notifications/progress");
            (
                m["params"]["total"].as_f64(),
                m["params"]["message"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        frames,
        [
            (None, Some("Processed chunk 1: a")),
            (None, Some("Processed chunk 2: b")),
            (Some(2.0), None),
            (Some(2.0), Some("all 2 chunks")),
            (None, Some("2 done")),
        ]
    );
    assert_eq!(tool_text(&messages[5]["result"]), "chunked");
}

#[tokio::test]
async fn a_call_that_emits_nothing_is_answered_with_plain_json() {
    let (_server, client) = session().await;
    // No progress token: progress! is a no-op, so nothing streams.
    let reply = client
        .request(
            5,
            "tools/call",
            json!({"name": "steps", "arguments": {"n": 3}}),
        )
        .await;
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert_eq!(tool_text(&reply.json()["result"]), "did 3 steps");

    let reply = client
        .request(
            6,
            "tools/call",
            json!({"name": "greet", "arguments": {"name": "Ada"}, "_meta": {"progressToken": "p"}}),
        )
        .await;
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!({"jsonrpc": "2.0", "id": 6, "result": {"content": [{"type": "text", "text": "Hello, Ada!"}]}})
    );
}

#[tokio::test]
async fn tool_errors_are_results_the_model_can_read() {
    let (_server, client) = session().await;
    let call = |args: Value| {
        client.request(
            7,
            "tools/call",
            json!({"name": "divide", "arguments": args}),
        )
    };

    let result = call(json!({"numerator": 1, "denominator": 0})).await.json()["result"].clone();
    assert_eq!(result["isError"], true);
    assert_eq!(
        tool_text(&result),
        "cannot divide by zero: pass a non-zero denominator"
    );

    let result = call(json!({"numerator": "one", "denominator": 2}))
        .await
        .json()["result"]
        .clone();
    assert_eq!(result["isError"], true);
    assert_eq!(
        tool_text(&result),
        "Invalid arguments for tool `divide`: invalid value for argument `numerator`: invalid type: string \"one\", expected a number"
    );

    let result = call(json!({"denominator": 2})).await.json()["result"].clone();
    assert_eq!(
        tool_text(&result),
        "Invalid arguments for tool `divide`: missing required argument `numerator`"
    );

    let result = call(json!({"numerator": 1, "denominator": 2, "precison": 3}))
        .await
        .json()["result"]
        .clone();
    assert_eq!(
        tool_text(&result),
        "Invalid arguments for tool `divide`: unknown argument `precison`; this tool takes `numerator`, `denominator`, `precision`"
    );

    let result = call(json!({"numerator": 1, "denominator": 3, "precision": 3}))
        .await
        .json()["result"]
        .clone();
    assert_eq!(result.get("isError"), None);
    assert_eq!(tool_text(&result), "0.333");
}

#[tokio::test]
async fn a_panicking_tool_is_an_error_result_and_the_server_keeps_serving() {
    let (_server, client) = session().await;
    let result = client
        .request(8, "tools/call", json!({"name": "boom"}))
        .await
        .json()["result"]
        .clone();
    assert_eq!(result["isError"], true);
    assert_eq!(tool_text(&result), "internal error in tool `boom`");
    let result = client
        .request(
            9,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
        )
        .await;
    assert_eq!(tool_text(&result.json()["result"]), "5");
}

#[tokio::test]
async fn protocol_errors_have_their_json_rpc_codes() {
    let (_server, client) = session().await;

    let reply = client.post_raw("{not json").await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32700));
    assert_eq!(reply.json()["id"], Value::Null);

    let reply = client.post_raw(r#"{"id": 1, "method": "ping"}"#).await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32600));
    let reply = client.post_raw(r#""just a string""#).await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32600));

    let reply = client.request(10, "no/such/method", json!({})).await;
    assert_eq!((reply.status, error_code(&reply)), (200, -32601));
    assert_eq!(reply.json()["id"], 10);
    assert_eq!(
        reply.json()["error"]["message"],
        "Method not found: no/such/method"
    );

    let reply = client
        .request(11, "tools/call", json!({"name": "nope"}))
        .await;
    assert_eq!(error_code(&reply), -32602);
    assert_eq!(
        reply.json()["error"]["message"],
        "Invalid params: unknown tool `nope`"
    );

    let reply = client
        .request(12, "tools/call", json!({"arguments": {}}))
        .await;
    assert_eq!(
        error_code(&reply),
        -32602,
        "tools/call without a name: {}",
        reply.body
    );

    let reply = client
        .post_raw(r#"[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]"#)
        .await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32600));

    let reply = client.request(13, "ping", json!({})).await;
    assert_eq!(
        reply.json(),
        json!({"jsonrpc": "2.0", "id": 13, "result": {}})
    );
}

#[tokio::test]
async fn notifications_and_responses_are_accepted_without_a_body() {
    let (_server, client) = session().await;
    let reply = client
        .post(json!({"jsonrpc": "2.0", "method": "notifications/whatever", "params": {}}))
        .await;
    assert_eq!((reply.status, reply.body.as_str()), (202, ""));
    let reply = client
        .post(json!({"jsonrpc": "2.0", "id": "s-1", "result": {}}))
        .await;
    assert_eq!((reply.status, reply.body.as_str()), (202, ""));
}

#[tokio::test]
async fn sessions_are_required_checked_and_ended() {
    let (server, mut client) = session().await;
    let session = client.session.clone().expect("session");

    let anonymous = server.client();
    let reply = anonymous.request(1, "tools/list", json!({})).await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32600));
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Mcp-Session-Id"))
    );

    client.session = Some("0123456789abcdef0123456789abcdef".into());
    let reply = client.request(2, "tools/list", json!({})).await;
    assert_eq!(reply.status, 404);

    client.session = Some(session.clone());
    let deleted = client
        .http
        .delete(&client.url)
        .header("mcp-session-id", &session)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(deleted.status(), 200);
    let reply = client.request(3, "tools/list", json!({})).await;
    assert_eq!(reply.status, 404, "an ended session is gone");
}

#[tokio::test]
async fn wrong_content_type_or_accept_header_is_rejected() {
    let (_server, client) = session().await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let send = |content_type: &'static str, accept: &'static str| {
        client
            .http
            .post(&client.url)
            .header("content-type", content_type)
            .header("accept", accept)
            .header("mcp-session-id", client.session.clone().unwrap_or_default())
            .body(body.clone())
            .send()
    };
    let reply = tests::read(
        send("text/plain", "application/json, text/event-stream")
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(reply.status, 415);
    let reply = tests::read(send("application/json", "text/html").await.expect("send")).await;
    assert_eq!(reply.status, 406);
    let reply = tests::read(
        send("application/json; charset=utf-8", "application/json")
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn a_client_that_accepts_only_json_gets_the_result_without_frames() {
    let (_server, client) = session().await;
    let response = client
        .http
        .post(&client.url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("mcp-session-id", client.session.clone().unwrap_or_default())
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                     "params": {"name": "steps", "arguments": {"n": 2}, "_meta": {"progressToken": 1}}}).to_string())
        .send()
        .await
        .expect("send");
    let reply = tests::read(response).await;
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert_eq!(tool_text(&reply.json()["result"]), "did 2 steps");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let (_server, client) = session().await;
    let huge = "x".repeat(5 * 1024 * 1024);
    let reply = client
        .request(
            1,
            "tools/call",
            json!({"name": "greet", "arguments": {"name": huge}}),
        )
        .await;
    assert_eq!(reply.status, 413);
}

#[test]
fn sse_bodies_are_split_into_events() {
    assert_eq!(
        parse_sse("id: 1\ndata: {}\n\n: comment\n\ndata: a\ndata: b\n\n"),
        ["{}", "a\nb"]
    );
}

#[tokio::test]
async fn an_unsupported_protocol_version_header_is_rejected() {
    let (_server, client) = session().await;
    let send = |version: &'static str| {
        client
            .http
            .post(&client.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", client.session.clone().unwrap_or_default())
            .header("mcp-protocol-version", version)
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
            .send()
    };
    let reply = tests::read(send("2025-06-18").await.expect("send")).await;
    assert_eq!(reply.status, 200);
    let reply = tests::read(send("1.0").await.expect("send")).await;
    assert_eq!((reply.status, error_code(&reply)), (400, -32600));
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("\"1.0\"") && message.contains("2025-11-25"),
        "{message}"
    );
}

#[tokio::test]
async fn dns_rebinding_protection_checks_host_and_origin() {
    let (_server, client) = session().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let with = |name: &'static str, value: &'static str| {
        let client = client.clone();
        let ping = ping.clone();
        async move {
            tests::read(
                client
                    .send(reqwest::Method::POST, Some(ping), &[(name, value)])
                    .await,
            )
            .await
        }
    };

    let reply = with("host", "evil.example:8000").await;
    assert_eq!((reply.status, error_code(&reply)), (403, -32600));
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("evil.example"))
    );
    let reply = with("origin", "http://evil.example").await;
    assert_eq!(reply.status, 403);
    let reply = with("origin", "http://localhost:6274").await;
    assert_eq!(
        reply.status, 200,
        "a local inspector is fine: {}",
        reply.body
    );
    let reply = with("host", "localhost:1234").await;
    assert_eq!(reply.status, 200);

    let public = TestServer::start(
        server()
            .allowed_hosts(["mcp.example.com"])
            .allowed_origins(["https://app.example.com"]),
    )
    .await;
    let mut client = public.client();
    let host = |name: &str| {
        reqwest::Client::new()
            .post(&public.url)
            .header("host", name.to_owned())
    };
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                      "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let reply = tests::read(
        host("mcp.example.com")
            .header("content-type", "application/json")
            .header("origin", "https://app.example.com")
            .body(init.to_string())
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    client.session = reply.session;
    let reply = tests::read(
        host("127.0.0.1")
            .header("content-type", "application/json")
            .body(init.to_string())
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(reply.status, 403, "loopback is no longer on the list");
}
