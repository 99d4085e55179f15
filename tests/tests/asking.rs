//! Asking the client, over raw HTTP: a handshake-era question travels on the call's SSE
//! stream and the answer POSTed back resumes the tool; each way a wait can end (an answer,
//! a client error, a timeout, cancellation, the end of the session, a missing capability)
//! ends it with a clear result. In 2026-07-28 the same tool answers with
//! `InputRequiredResult`, and a sealed `requestState` opens on every replica that shares
//! the key ring (also after a rotation), and nowhere else.

use std::time::Duration;

use mcp_runtime::{Context, Server, ToolError, tool};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Client, SseReader, TestServer};

/// Lists the client's roots.
#[tool]
async fn show_roots(ctx: Context) -> Result<String, ToolError> {
    let roots = ctx.roots().key("roots").await?;
    Ok(roots
        .iter()
        .map(|r| r.uri.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

/// Needs the user to connect an account first.
#[tool]
async fn connect(ctx: Context) -> Result<String, ToolError> {
    Err(ctx.url_elicitation_required("https://example.com/connect", "Connect your account."))
}

/// Sends the user to a page.
#[tool]
async fn visit(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit_url("https://example.com/pay", "Pay on our site.")
        .await?;
    Ok(answer.action().to_owned())
}

fn server() -> Server {
    Server::new("asking")
        .tool(show_roots_tool())
        .tool(visit_tool())
        .tool(connect_tool())
        .client_answer_timeout(Duration::from_millis(400))
}

/// A session whose client declared `capabilities`.
async fn session(server: &TestServer, capabilities: Value) -> Client {
    let mut client = server.client();
    let reply = client
        .post(json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": capabilities,
                       "clientInfo": {"name": "tests", "version": "0"}}
        }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    client.session = reply.session.clone();
    let ack = client
        .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    assert_eq!(ack.status, 202);
    client
}

/// Calls `show_roots`; returns the stream and the `roots/list` request it carries.
async fn call_and_read_question(client: &Client, id: i64) -> (SseReader, Value) {
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": "show_roots", "arguments": {}}});
    let response = client
        .send(
            Method::POST,
            Some(call),
            &[("mcp-protocol-version", "2025-11-25")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let mut stream = SseReader::new(response);
    let question = stream.next_message().await.expect("a question").json();
    assert_eq!(question["method"], "roots/list", "{question}");
    assert!(
        question["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("mcp-srv-")),
        "a string id of the server's own: {question}"
    );
    (stream, question)
}

async fn answer(client: &Client, message: Value) -> u16 {
    client
        .send(
            Method::POST,
            Some(message),
            &[("mcp-protocol-version", "2025-11-25")],
        )
        .await
        .status()
        .as_u16()
}

async fn result_text(stream: &mut SseReader, id: i64) -> (bool, String) {
    let response = stream
        .next_message()
        .await
        .expect("the call's response")
        .json();
    assert_eq!(response["id"], id, "{response}");
    let result = &response["result"];
    let text = result["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (result["isError"] == true, text)
}

#[tokio::test]
async fn the_answer_resumes_the_tool() {
    let server = TestServer::start(server()).await;
    let client = session(&server, json!({"roots": {}})).await;
    let (mut stream, question) = call_and_read_question(&client, 1).await;
    let reply = json!({"jsonrpc": "2.0", "id": question["id"],
                       "result": {"roots": [{"uri": "file:///a"}, {"uri": "file:///b", "name": "b"}]}});
    assert_eq!(answer(&client, reply.clone()).await, 202);
    assert_eq!(
        result_text(&mut stream, 1).await,
        (false, "file:///a,file:///b".into())
    );
    // The same answer again, or one to an id never asked: accepted and ignored.
    assert_eq!(answer(&client, reply).await, 202);
    let stray = json!({"jsonrpc": "2.0", "id": "nobody-asked", "result": {}});
    assert_eq!(answer(&client, stray).await, 202);
}

#[tokio::test]
async fn a_client_error_and_an_invalid_answer_become_tool_errors() {
    let server = TestServer::start(server()).await;
    let client = session(&server, json!({"roots": {}})).await;
    let (mut stream, question) = call_and_read_question(&client, 1).await;
    let refusal = json!({"jsonrpc": "2.0", "id": question["id"],
                         "error": {"code": -32000, "message": "user said no"}});
    assert_eq!(answer(&client, refusal).await, 202);
    let (is_error, text) = result_text(&mut stream, 1).await;
    assert!(is_error, "{text}");
    assert!(
        text.contains("refused roots/list: user said no (error -32000)"),
        "{text}"
    );

    let (mut stream, question) = call_and_read_question(&client, 2).await;
    let wrong = json!({"jsonrpc": "2.0", "id": question["id"], "result": {"roots": "none"}});
    assert_eq!(answer(&client, wrong).await, 202);
    let (is_error, text) = result_text(&mut stream, 2).await;
    assert!(
        is_error && text.contains("answer to roots/list is invalid"),
        "{text}"
    );
}

#[tokio::test]
async fn an_unanswered_question_times_out() {
    let server = TestServer::start(server()).await;
    let client = session(&server, json!({"roots": {}})).await;
    let (mut stream, _question) = call_and_read_question(&client, 1).await;
    let (is_error, text) = result_text(&mut stream, 1).await;
    assert!(
        is_error && text.contains("did not answer roots/list within"),
        "{text}"
    );
}

#[tokio::test]
async fn cancelling_the_call_or_ending_the_session_ends_the_wait() {
    let server = TestServer::start(server()).await;
    let client = session(&server, json!({"roots": {}})).await;
    let (mut stream, question) = call_and_read_question(&client, 1).await;
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                        "params": {"requestId": 1}});
    assert_eq!(answer(&client, cancel).await, 202);
    assert!(
        stream.next_message().await.is_none(),
        "a cancelled call sends no response"
    );
    let late = json!({"jsonrpc": "2.0", "id": question["id"], "result": {"roots": []}});
    assert_eq!(answer(&client, late).await, 202, "a late answer is ignored");

    let (mut stream, question) = call_and_read_question(&client, 2).await;
    assert_eq!(client.delete().await, 200);
    assert!(
        stream.next_message().await.is_none(),
        "the session's calls end with it"
    );
    let late = json!({"jsonrpc": "2.0", "id": question["id"], "result": {"roots": []}});
    assert_eq!(answer(&client, late).await, 404, "the session is gone");
}

#[tokio::test]
async fn a_client_without_the_capability_is_not_asked() {
    let server = TestServer::start(server()).await;
    let client = session(&server, json!({"sampling": {}})).await;
    let reply = client
        .request(
            1,
            "tools/call",
            json!({"name": "show_roots", "arguments": {}}),
        )
        .await;
    let response = reply
        .sse_messages()
        .into_iter()
        .next()
        .unwrap_or_else(|| reply.json());
    assert_eq!(response["result"]["isError"], true, "{response}");
    let text = response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("does not support roots"), "{text}");
}

const V: &str = "2026-07-28";

/// A stateless `tools/call` of `show_roots` with these retry fields.
async fn stateless_call(server: &TestServer, retry: Value) -> tests::Reply {
    let mut params = json!({"name": "show_roots", "arguments": {}, "_meta": {
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": {"roots": {}},
    }});
    if let (Some(params), Value::Object(retry)) = (params.as_object_mut(), retry) {
        params.extend(retry);
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
    let headers = [
        ("mcp-protocol-version", V),
        ("mcp-method", "tools/call"),
        ("mcp-name", "show_roots"),
    ];
    tests::read(
        server
            .client()
            .send(Method::POST, Some(body), &headers)
            .await,
    )
    .await
}

/// A first round's `requestState`. `show_roots` asks one question, so the state carries no
/// answers yet; the retry that brings the answer proves the state opened.
async fn first_state(server: &TestServer) -> String {
    let reply = stateless_call(server, json!({})).await;
    let result = reply.json()["result"].clone();
    assert_eq!(result["resultType"], "input_required", "{result}");
    assert_eq!(
        result["inputRequests"]["roots"]["method"], "roots/list",
        "{result}"
    );
    result["requestState"]
        .as_str()
        .expect("a sealed state")
        .to_owned()
}

async fn retry(server: &TestServer, state: &str) -> tests::Reply {
    stateless_call(
        server,
        json!({"requestState": state,
               "inputResponses": {"roots": {"roots": [{"uri": "file:///r"}]}}}),
    )
    .await
}

#[tokio::test]
async fn request_states_open_on_replicas_sharing_the_keys_and_after_rotation() {
    const OLD: &str = "old-secret-0123456789abcdef";
    const NEW: &str = "new-secret-0123456789abcdef";
    let replica_a = TestServer::start(server().mrtr_keys([OLD])).await;
    let replica_b = TestServer::start(server().mrtr_keys([OLD])).await;
    let rotated = TestServer::start(server().mrtr_keys([NEW, OLD])).await;
    let retired = TestServer::start(server().mrtr_keys([NEW])).await;
    let stranger = TestServer::start(server()).await;

    let state = first_state(&replica_a).await;
    for (name, replica) in [("a", &replica_a), ("b", &replica_b), ("rotated", &rotated)] {
        let reply = retry(replica, &state).await;
        let result = &reply.json()["result"];
        assert_eq!(result["resultType"], "complete", "{name}: {}", reply.body);
        assert_eq!(result["content"][0]["text"], "file:///r", "{name}");
    }
    for (name, replica) in [("retired", &retired), ("stranger", &stranger)] {
        let reply = retry(replica, &state).await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.body);
        let error = &reply.json()["error"];
        assert_eq!(error["code"], -32602, "{name}");
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("not issued by this server")
        );
    }
    let tampered = retry(&replica_a, &format!("{state}x")).await;
    assert_eq!(
        tampered.json()["error"]["code"],
        -32602,
        "{}",
        tampered.body
    );
}

#[tokio::test]
async fn an_expired_request_state_is_refused() {
    let server = TestServer::start(server().mrtr_state_ttl(Duration::ZERO)).await;
    let state = first_state(&server).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let reply = retry(&server, &state).await;
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("expired"), "{}", reply.body);
}

#[path = "../../examples/examples/confirm_delete.rs"]
#[allow(dead_code)]
mod confirm_delete;

/// The example's stateless round trip: the first round deletes nothing; the retry with the
/// user's answer deletes.
#[tokio::test]
async fn the_confirm_delete_example_deletes_only_after_the_answer() {
    let server = TestServer::start(confirm_delete::server()).await;
    let call = |retry: Value| {
        let mut params = json!({"name": "delete_files", "arguments": {"pattern": "draft"}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": V,
            "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
        }});
        if let (Some(params), Value::Object(retry)) = (params.as_object_mut(), retry) {
            params.extend(retry);
        }
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
        let client = server.client();
        async move {
            let headers = [
                ("mcp-protocol-version", V),
                ("mcp-method", "tools/call"),
                ("mcp-name", "delete_files"),
            ];
            tests::read(client.send(Method::POST, Some(body), &headers).await)
                .await
                .json()
        }
    };
    let first = call(json!({})).await["result"].clone();
    assert_eq!(first["resultType"], "input_required", "{first}");
    let question = &first["inputRequests"]["elicitation-1"];
    assert_eq!(question["method"], "elicitation/create", "{first}");
    assert_eq!(
        question["params"]["message"],
        "Delete 2 file(s): draft-1.md, draft-2.md?"
    );
    let schema = &question["params"]["requestedSchema"];
    assert_eq!(
        schema["properties"]["confirm"]["type"], "boolean",
        "{schema}"
    );
    assert_eq!(schema["required"], json!(["confirm"]), "{schema}");

    let state = first["requestState"].clone();
    let answer = json!({"action": "accept", "content": {"confirm": true, "reason": "old drafts"}});
    let retry = json!({"requestState": state, "inputResponses": {"elicitation-1": answer}});
    let second = call(retry.clone()).await["result"].clone();
    assert_eq!(
        second["content"][0]["text"],
        "Deleted draft-1.md, draft-2.md (old drafts)."
    );
    // The files are gone now: the same retry finds nothing to delete.
    let third = call(retry).await["result"].clone();
    assert_eq!(
        third["content"][0]["text"], "No file matches \"draft\".",
        "{third}"
    );
}

#[tokio::test]
async fn url_elicitation_required_is_a_json_rpc_error_listing_the_url() {
    let server = TestServer::start(server()).await;
    let client = session(&server, json!({"elicitation": {"url": {}}})).await;
    let reply = client
        .request(1, "tools/call", json!({"name": "connect", "arguments": {}}))
        .await;
    let response = reply
        .sse_messages()
        .into_iter()
        .next()
        .unwrap_or_else(|| reply.json());
    let error = &response["error"];
    assert_eq!(error["code"], -32042, "{response}");
    let elicitation = &error["data"]["elicitations"][0];
    assert_eq!(elicitation["mode"], "url");
    assert_eq!(elicitation["url"], "https://example.com/connect");
    assert_eq!(elicitation["message"], "Connect your account.");
    assert!(
        elicitation["elicitationId"]
            .as_str()
            .is_some_and(|id| id.len() == 24)
    );
}

#[tokio::test]
async fn after_roots_list_changed_the_next_call_asks_afresh() {
    let server = TestServer::start(server()).await;
    let client = session(&server, json!({"roots": {"listChanged": true}})).await;
    for (id, uri) in [(1, "file:///before"), (2, "file:///after")] {
        let (mut stream, question) = call_and_read_question(&client, id).await;
        let reply =
            json!({"jsonrpc": "2.0", "id": question["id"], "result": {"roots": [{"uri": uri}]}});
        assert_eq!(answer(&client, reply).await, 202);
        assert_eq!(result_text(&mut stream, id).await, (false, uri.to_owned()));
        let changed = json!({"jsonrpc": "2.0", "method": "notifications/roots/list_changed"});
        assert_eq!(answer(&client, changed).await, 202);
    }
}

#[tokio::test]
async fn url_mode_elicitation_needs_its_capability_and_sends_the_url() {
    let server = TestServer::start(server()).await;
    let form_only = session(&server, json!({"elicitation": {}})).await;
    let reply = form_only
        .request(1, "tools/call", json!({"name": "visit", "arguments": {}}))
        .await;
    let response = reply
        .sse_messages()
        .into_iter()
        .next()
        .unwrap_or_else(|| reply.json());
    let text = response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("does not support elicitation.url"),
        "{response}"
    );

    let client = session(&server, json!({"elicitation": {"form": {}, "url": {}}})).await;
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "visit", "arguments": {}}});
    let response = client
        .send(
            Method::POST,
            Some(call),
            &[("mcp-protocol-version", "2025-11-25")],
        )
        .await;
    let mut stream = SseReader::new(response);
    let question = stream.next_message().await.expect("a question").json();
    assert_eq!(question["method"], "elicitation/create", "{question}");
    let params = &question["params"];
    assert_eq!(params["mode"], "url");
    assert_eq!(params["url"], "https://example.com/pay");
    assert!(
        params["elicitationId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    let reply = json!({"jsonrpc": "2.0", "id": question["id"], "result": {"action": "decline"}});
    assert_eq!(answer(&client, reply).await, 202);
    assert_eq!(result_text(&mut stream, 2).await, (false, "decline".into()));
}
