//! The tasks extension (`io.modelcontextprotocol/tasks`) over raw HTTP, 2026-07-28: a
//! task tool called by a client with the extension is answered with a task at once; the
//! task is polled, fed input, cancelled; without the extension it runs in the request, or
//! (tasks required) is refused with -32021.

use std::time::{Duration, Instant};

use mcp_runtime::peer::Elicited;
use mcp_runtime::{Context, Server, ToolError, tool};
use reqwest::Method;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tests::TestServer;

const V: &str = "2026-07-28";
const TASKS: &str = "io.modelcontextprotocol/tasks";

/// Waits `ms` milliseconds.
#[tool(task = optional)]
async fn wait(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("waited {ms} ms")
}

/// Only as a task.
#[tool(task = required)]
async fn batch() -> &'static str {
    "done"
}

#[derive(Deserialize, JsonSchema)]
struct Pick {
    choice: String,
}

/// Asks two questions from the task.
#[tool(task = optional)]
async fn two_questions(ctx: Context) -> Result<String, ToolError> {
    ctx.start_task().await;
    let (a, b) = tokio::join!(
        ctx.elicit::<Pick>("First?").key("a"),
        ctx.elicit::<Pick>("Second?").key("b"),
    );
    let pick = |e: Elicited<Pick>| e.accepted().map_or("-".to_owned(), |p| p.choice);
    Ok(format!("{} then {}", pick(a?), pick(b?)))
}

fn server() -> Server {
    Server::new("tasks")
        .tool(wait_tool())
        .tool(batch_tool())
        .tool(two_questions_tool())
}

/// A stateless request; `with_tasks`: the client declares the extension.
async fn rpc(server: &TestServer, method: &str, params: Value, with_tasks: bool) -> Value {
    rpc_as(server, None, method, params, with_tasks).await
}

/// [`rpc`] with these credentials (`Authorization`).
async fn rpc_as(
    server: &TestServer,
    auth: Option<&str>,
    method: &str,
    mut params: Value,
    with_tasks: bool,
) -> Value {
    let capabilities = if with_tasks {
        json!({"elicitation": {}, "extensions": {TASKS: {}}})
    } else {
        json!({"elicitation": {}})
    };
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    });
    let name = params["name"]
        .as_str()
        .or(params["taskId"].as_str())
        .map(str::to_owned);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut headers = vec![("mcp-protocol-version", V), ("mcp-method", method)];
    if let Some(name) = &name {
        headers.push(("mcp-name", name));
    }
    if let Some(auth) = auth {
        headers.push(("authorization", auth));
    }
    let response = server
        .client()
        .send(Method::POST, Some(body), &headers)
        .await;
    tests::read(response).await.json()
}

async fn call(server: &TestServer, tool: &str, arguments: Value, with_tasks: bool) -> Value {
    rpc(
        server,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
        with_tasks,
    )
    .await
}

async fn get(server: &TestServer, task: &str) -> Value {
    rpc(server, "tasks/get", json!({"taskId": task}), true).await["result"].clone()
}

/// Polls until the task's status is `status` (bounded: 10 s).
async fn until(server: &TestServer, task: &str, status: &str) -> Value {
    let start = Instant::now();
    loop {
        let got = get(server, task).await;
        if got["status"] == status {
            return got;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never {status}: {got}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_task_is_created_polled_and_completes() {
    let server = TestServer::start(server()).await;
    let created = call(&server, "wait", json!({"ms": 200}), true).await["result"].clone();
    assert_eq!(created["resultType"], "task", "{created}");
    assert_eq!(created["status"], "working");
    assert!(created.get("result").is_none() && created.get("requestState").is_none());
    assert!(created["ttlMs"].as_u64().is_some_and(|t| t > 0));
    assert!(created["pollIntervalMs"].as_u64().is_some());
    let task = created["taskId"].as_str().expect("taskId").to_owned();
    let working = get(&server, &task).await;
    assert_eq!(working["resultType"], "complete");
    assert_eq!(working["taskId"], task.as_str());
    let done = until(&server, &task, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "waited 200 ms",
        "{done}"
    );
}

#[tokio::test]
async fn without_the_extension_a_task_tool_runs_in_the_request_or_is_refused() {
    let server = TestServer::start(server()).await;
    let plain = call(&server, "wait", json!({"ms": 1}), false).await["result"].clone();
    assert_eq!(plain["resultType"], "complete", "{plain}");
    assert_eq!(plain["content"][0]["text"], "waited 1 ms");
    let refused = call(&server, "batch", json!({}), false).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
        json!({})
    );
    let gated = rpc(&server, "tasks/get", json!({"taskId": "x"}), false).await;
    assert_eq!(gated["error"]["code"], -32021, "{gated}");
    let unknown = rpc(&server, "tasks/get", json!({"taskId": "nope"}), true).await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
}

#[tokio::test]
async fn a_task_waits_for_each_answer_and_cancel_is_idempotent() {
    let server = TestServer::start(server()).await;
    let created = call(&server, "two_questions", json!({}), true).await["result"].clone();
    let task = created["taskId"].as_str().expect("taskId").to_owned();
    // Both questions are asked at once; the second may reach the record a moment later.
    let mut waiting = until(&server, &task, "input_required").await;
    let start = Instant::now();
    while waiting["inputRequests"].as_object().map_or(0, |m| m.len()) < 2 {
        assert!(start.elapsed() < Duration::from_secs(10), "{waiting}");
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiting = get(&server, &task).await;
    }
    assert_eq!(
        waiting["inputRequests"]["a"]["method"],
        "elicitation/create"
    );

    let answer = |choice: &str| json!({"action": "accept", "content": {"choice": choice}});
    let ack = rpc(
        &server,
        "tasks/update",
        json!({"taskId": task, "inputResponses": {"a": answer("red"), "zzz": answer("ignored")}}),
        true,
    )
    .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let partial = get(&server, &task).await;
    assert_eq!(partial["status"], "input_required", "{partial}");
    assert_eq!(
        partial["inputRequests"].as_object().map(|m| m.len()),
        Some(1),
        "{partial}"
    );
    assert!(partial["inputRequests"].get("b").is_some());

    rpc(
        &server,
        "tasks/update",
        json!({"taskId": task, "inputResponses": {"b": answer("blue")}}),
        true,
    )
    .await;
    let done = until(&server, &task, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "red then blue",
        "{done}"
    );
    let again = rpc(&server, "tasks/cancel", json!({"taskId": task}), true).await;
    assert_eq!(
        again["result"],
        json!({"resultType": "complete"}),
        "terminal: same ack"
    );
    assert_eq!(get(&server, &task).await["status"], "completed");

    let long = call(&server, "wait", json!({"ms": 60_000}), true).await["result"].clone();
    let long = long["taskId"].as_str().expect("taskId").to_owned();
    let ack = rpc(&server, "tasks/cancel", json!({"taskId": long}), true).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}));
    assert_eq!(get(&server, &long).await["status"], "cancelled");
}

#[tokio::test]
async fn only_the_caller_that_created_a_task_sees_it() {
    let server = TestServer::start(server()).await;
    let call = json!({"name": "wait", "arguments": {"ms": 50}});
    let created = rpc_as(&server, Some("Bearer alice"), "tools/call", call, true).await;
    let task = created["result"]["taskId"]
        .as_str()
        .expect("taskId")
        .to_owned();
    let get = |auth: Option<&'static str>| {
        let task = task.clone();
        let server = &server;
        async move { rpc_as(server, auth, "tasks/get", json!({"taskId": task}), true).await }
    };
    assert_eq!(
        get(Some("Bearer alice")).await["result"]["taskId"],
        task.as_str()
    );
    for other in [Some("Bearer mallory"), None] {
        let refused = get(other).await;
        assert_eq!(refused["error"]["code"], -32602, "{other:?}: {refused}");
        let cancel = rpc_as(
            &server,
            other,
            "tasks/cancel",
            json!({"taskId": task}),
            true,
        )
        .await;
        assert_eq!(
            cancel["error"]["code"], -32602,
            "{other:?} cannot cancel it"
        );
    }
}

/// Opens a `subscriptions/listen` following these tasks (with these credentials; `with_tasks`:
/// the client declares the extension).
async fn listen(
    server: &TestServer,
    auth: Option<&str>,
    task_ids: &[&str],
    with_tasks: bool,
) -> reqwest::Response {
    let capabilities = if with_tasks {
        json!({"extensions": {TASKS: {}}})
    } else {
        json!({})
    };
    let body = json!({"jsonrpc": "2.0", "id": 5, "method": "subscriptions/listen", "params": {
        "notifications": {"taskIds": task_ids},
        "_meta": {"io.modelcontextprotocol/protocolVersion": V,
            "io.modelcontextprotocol/clientCapabilities": capabilities}}});
    let mut headers = vec![
        ("mcp-protocol-version", V),
        ("mcp-method", "subscriptions/listen"),
    ];
    if let Some(auth) = auth {
        headers.push(("authorization", auth));
    }
    server
        .client()
        .send(Method::POST, Some(body), &headers)
        .await
}

/// The next task status notification on a subscription.
async fn next_status(events: &mut tests::SseReader) -> Value {
    let note = events.next_message().await.expect("a notification").json();
    assert_eq!(note["method"], "notifications/tasks", "{note}");
    assert_eq!(
        note["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        5
    );
    note["params"].clone()
}

#[tokio::test]
async fn a_subscription_is_told_each_status_of_its_tasks() {
    let server = TestServer::start(server()).await;
    let alice = Some("Bearer alice");
    let created = rpc_as(
        &server,
        alice,
        "tools/call",
        json!({"name": "two_questions", "arguments": {}}),
        true,
    )
    .await;
    let task = created["result"]["taskId"]
        .as_str()
        .expect("taskId")
        .to_owned();
    let other = rpc_as(
        &server,
        Some("Bearer mallory"),
        "tools/call",
        json!({"name": "wait", "arguments": {"ms": 60_000}}),
        true,
    )
    .await;
    let others = other["result"]["taskId"].as_str().expect("taskId");

    let mut events =
        tests::SseReader::new(listen(&server, alice, &[&task, others, "nope"], true).await);
    let ack = events.next_message().await.expect("ack").json();
    assert_eq!(
        ack["params"]["notifications"],
        json!({"taskIds": [task]}),
        "another caller's task and an unknown one are not followed: {ack}"
    );
    // The state as the subscription opened, then every change.
    let mut state = next_status(&mut events).await;
    assert_eq!(state["taskId"], task.as_str());
    while state["status"] != "input_required"
        || state["inputRequests"].as_object().map_or(0, |m| m.len()) < 2
    {
        assert!(
            ["working", "input_required"].contains(&state["status"].as_str().unwrap_or("")),
            "{state}"
        );
        state = next_status(&mut events).await;
    }
    assert_eq!(state["inputRequests"]["a"]["method"], "elicitation/create");
    let answer = |choice: &str| json!({"action": "accept", "content": {"choice": choice}});
    rpc_as(
        &server,
        alice,
        "tasks/update",
        json!({"taskId": task, "inputResponses": {"a": answer("red"), "b": answer("blue")}}),
        true,
    )
    .await;
    loop {
        state = next_status(&mut events).await;
        if state["status"] == "completed" {
            break;
        }
        assert!(
            ["working", "input_required"].contains(&state["status"].as_str().unwrap_or("")),
            "{state}"
        );
    }
    assert_eq!(
        state["result"]["content"][0]["text"], "red then blue",
        "{state}"
    );
    assert_eq!(
        state.get("resultType"),
        None,
        "a DetailedTask, not a result"
    );
}

#[tokio::test]
async fn a_cancelled_task_is_told_once_and_following_needs_the_extension() {
    let server = TestServer::start(server()).await;
    let created = call(&server, "wait", json!({"ms": 60_000}), true).await["result"].clone();
    let task = created["taskId"].as_str().expect("taskId").to_owned();

    let refused = tests::read(listen(&server, None, &[&task], false).await)
        .await
        .json();
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
        json!({})
    );
    let many: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let refused = tests::read(listen(&server, None, &many, true).await)
        .await
        .json();
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    let mut events = tests::SseReader::new(listen(&server, None, &[&task], true).await);
    events.next_message().await.expect("ack");
    assert_eq!(next_status(&mut events).await["status"], "working");
    rpc(&server, "tasks/cancel", json!({"taskId": task}), true).await;
    assert_eq!(next_status(&mut events).await["status"], "cancelled");
    // Nothing more for an ended task (a later write of the same ending is not told).
    rpc(&server, "tasks/cancel", json!({"taskId": task}), true).await;
    let more = tokio::time::timeout(Duration::from_millis(300), events.next_message()).await;
    assert!(
        more.is_err(),
        "told again: {:?}",
        more.map(|e| e.map(|e| e.data))
    );
}
