//! Resources, resource templates, prompts and completion, defined with `#[resource]` and
//! `#[prompt]` and served over raw HTTP.

use mcp_runtime::completion::CompletionArguments;
use mcp_runtime::prompt::{PromptMessage, Role};
use mcp_runtime::resource::{Blob, ResourceContents, ResourceError};
use mcp_runtime::{Content, Server, State, prompt, resource};
use serde_json::{Value, json};
use tests::{Client, TestServer};

struct Notes(Vec<&'static str>);

/// What this server is about.
#[resource(uri = "notes://readme", mime = "text/markdown", title = "Read me")]
async fn readme() -> &'static str {
    "# Notes"
}

/// The logo, as bytes.
#[resource(uri = "notes://logo", mime = "image/png")]
async fn logo() -> Blob {
    Blob(vec![1, 2, 3])
}

/// A note, by its number.
#[resource(uri = "notes://{id}", name = "note", mime = "text/plain")]
async fn note(
    /// The note's number.
    #[arg(complete = note_ids)]
    id: usize,
    notes: State<Notes>,
) -> Result<String, ResourceError> {
    notes
        .0
        .get(id)
        .map(|n| (*n).to_owned())
        .ok_or_else(|| ResourceError::not_found(format!("notes://{id}")))
}

/// Both halves of a note.
#[resource(uri = "notes://{id}/parts")]
async fn parts(id: String) -> Vec<ResourceContents> {
    vec![
        ResourceContents::text(format!("notes://{id}/a"), "first"),
        ResourceContents::blob(format!("notes://{id}/b"), b"second")
            .mime_type("application/octet-stream"),
    ]
}

async fn note_ids(prefix: String, notes: State<Notes>) -> Vec<String> {
    (0..notes.0.len())
        .map(|i| i.to_string())
        .filter(|i| i.starts_with(&prefix))
        .collect()
}

/// Ask for a review of some code.
#[prompt(title = "Code review")]
async fn code_review(
    /// The code to review.
    code: String,
    /// Its language.
    #[arg(complete = languages)]
    language: Option<String>,
) -> Vec<PromptMessage> {
    let language = language.unwrap_or_else(|| "code".into());
    vec![
        PromptMessage::user(format!("Review this {language}:\n{code}")),
        PromptMessage::user(Content::image(b"png", "image/png")),
        PromptMessage::assistant("On it."),
    ]
}

/// Many languages, so the cap shows; the other arguments given shape them.
async fn languages(prefix: String, given: CompletionArguments) -> Vec<String> {
    let code = given.get("code").unwrap_or("");
    (0..150).map(|i| format!("{prefix}{i}{code}")).collect()
}

/// Greet someone, a number of times.
#[prompt]
async fn greet(name: String, times: u32) -> String {
    format!("Greet {name} {times} times.")
}

fn server() -> Server {
    Server::new("surface")
        .state(Notes(vec!["zero", "one", "two"]))
        .resource(readme_resource())
        .resource(logo_resource())
        .resource_template(note_resource())
        .resource_template(parts_resource())
        .prompt(code_review_prompt())
        .prompt(greet_prompt())
}

async fn session() -> (TestServer, Client) {
    let server = TestServer::start(server()).await;
    let mut client = server.client();
    client.initialize("2025-11-25").await;
    (server, client)
}

async fn result(client: &Client, method: &str, params: Value) -> Value {
    let reply = client.request(7, method, params).await;
    let message = if reply.is_sse() {
        reply.sse_messages().pop().unwrap_or_default()
    } else {
        reply.json()
    };
    assert!(message.get("error").is_none(), "{method}: {message}");
    message["result"].clone()
}

async fn error(client: &Client, method: &str, params: Value) -> Value {
    let reply = client.request(7, method, params).await;
    let message = if reply.is_sse() {
        reply.sse_messages().pop().unwrap_or_default()
    } else {
        reply.json()
    };
    message["error"].clone()
}

#[tokio::test]
async fn capabilities_and_lists() {
    let server = TestServer::start(server()).await;
    let mut client = server.client();
    let init = client.initialize("2025-11-25").await;
    for capability in ["resources", "prompts", "completions"] {
        assert!(init["capabilities"].get(capability).is_some(), "{init}");
    }
    let resources = result(&client, "resources/list", json!({})).await;
    assert_eq!(
        resources["resources"],
        json!([
            {"uri": "notes://readme", "name": "readme", "title": "Read me", "description": "What this server is about.", "mimeType": "text/markdown"},
            {"uri": "notes://logo", "name": "logo", "description": "The logo, as bytes.", "mimeType": "image/png"}
        ])
    );
    let templates = result(&client, "resources/templates/list", json!({})).await;
    assert_eq!(
        templates["resourceTemplates"][0],
        json!({"uriTemplate": "notes://{id}", "name": "note", "description": "A note, by its number.", "mimeType": "text/plain"})
    );
    let prompts = result(&client, "prompts/list", json!({})).await;
    assert_eq!(
        prompts["prompts"][0],
        json!({"name": "code_review", "title": "Code review", "description": "Ask for a review of some code.", "arguments": [
            {"name": "code", "description": "The code to review.", "required": true},
            {"name": "language", "description": "Its language."}
        ]})
    );
}

#[tokio::test]
async fn a_server_without_them_declares_none() {
    let server = TestServer::start(Server::new("bare")).await;
    let mut client = server.client();
    let init = client.initialize("2025-11-25").await;
    for capability in ["resources", "prompts", "completions"] {
        assert!(init["capabilities"].get(capability).is_none(), "{init}");
    }
    assert_eq!(
        error(&client, "resources/list", json!({})).await["code"],
        -32601
    );
}

#[tokio::test]
async fn reads_text_blobs_templates_and_several_contents() {
    let (_server, client) = session().await;
    assert_eq!(
        result(&client, "resources/read", json!({"uri": "notes://readme"})).await,
        json!({"contents": [{"uri": "notes://readme", "mimeType": "text/markdown", "text": "# Notes"}]})
    );
    assert_eq!(
        result(&client, "resources/read", json!({"uri": "notes://logo"})).await,
        json!({"contents": [{"uri": "notes://logo", "mimeType": "image/png", "blob": "AQID"}]})
    );
    assert_eq!(
        result(&client, "resources/read", json!({"uri": "notes://1"})).await,
        json!({"contents": [{"uri": "notes://1", "mimeType": "text/plain", "text": "one"}]})
    );
    assert_eq!(
        result(&client, "resources/read", json!({"uri": "notes://9/parts"})).await["contents"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn unknown_and_invalid_uris_are_errors_naming_the_uri() {
    let (_server, client) = session().await;
    let unknown = error(&client, "resources/read", json!({"uri": "other://x"})).await;
    assert_eq!(
        (unknown["code"].clone(), unknown["data"].clone()),
        (json!(-32602), json!({"uri": "other://x"}))
    );
    let missing = error(&client, "resources/read", json!({"uri": "notes://7"})).await;
    assert_eq!(
        (missing["code"].clone(), missing["data"].clone()),
        (json!(-32602), json!({"uri": "notes://7"}))
    );
    let ill_typed = error(&client, "resources/read", json!({"uri": "notes://seven"})).await;
    assert_eq!(ill_typed["code"], -32602);
    assert!(
        ill_typed["message"]
            .as_str()
            .is_some_and(|m| m.contains("expected a non-negative integer")),
        "{ill_typed}"
    );
}

#[tokio::test]
async fn prompts_render_with_their_arguments() {
    let (_server, client) = session().await;
    let review = result(
        &client,
        "prompts/get",
        json!({"name": "code_review", "arguments": {"code": "fn main() {}", "language": "rust"}}),
    )
    .await;
    assert_eq!(
        review["messages"],
        json!([
            {"role": "user", "content": {"type": "text", "text": "Review this rust:\nfn main() {}"}},
            {"role": "user", "content": {"type": "image", "data": "cG5n", "mimeType": "image/png"}},
            {"role": "assistant", "content": {"type": "text", "text": "On it."}}
        ])
    );
    let greet = result(
        &client,
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": "Ada", "times": "3"}}),
    )
    .await;
    assert_eq!(
        greet["messages"][0]["content"]["text"],
        "Greet Ada 3 times."
    );
    assert_eq!(
        serde_json::to_value(Role::User).expect("serializes"),
        json!("user")
    );

    let missing = error(&client, "prompts/get", json!({"name": "code_review"})).await;
    assert_eq!(missing["code"], -32602);
    assert!(
        missing["message"]
            .as_str()
            .is_some_and(|m| m.contains("`code`")),
        "{missing}"
    );
    let unknown = error(&client, "prompts/get", json!({"name": "nope"})).await;
    assert_eq!(unknown["code"], -32602);
    let bad = error(
        &client,
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": "Ada", "times": "many"}}),
    )
    .await;
    assert_eq!(bad["code"], -32602, "{bad}");
}

#[tokio::test]
async fn completion_is_capped_and_sees_the_other_arguments() {
    let (_server, client) = session().await;
    let ids = result(
        &client,
        "completion/complete",
        json!({"ref": {"type": "ref/resource", "uri": "notes://{id}"}, "argument": {"name": "id", "value": "1"}}),
    )
    .await;
    assert_eq!(
        ids["completion"],
        json!({"values": ["1"], "total": 1, "hasMore": false})
    );
    let languages = result(
        &client,
        "completion/complete",
        json!({
            "ref": {"type": "ref/prompt", "name": "code_review"},
            "argument": {"name": "language", "value": "r"},
            "context": {"arguments": {"code": "!"}}
        }),
    )
    .await;
    let completion = &languages["completion"];
    assert_eq!(completion["values"].as_array().map(Vec::len), Some(100));
    assert_eq!(completion["values"][0], "r0!");
    assert_eq!(
        (completion["total"].clone(), completion["hasMore"].clone()),
        (json!(150), json!(true))
    );
    let none = result(
        &client,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "A"}}),
    )
    .await;
    assert_eq!(none["completion"]["values"], json!([]));
    let unknown = error(
        &client,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "x", "value": ""}}),
    )
    .await;
    assert_eq!(unknown["code"], -32602);
}

#[test]
fn the_listing_shows_everything_served() {
    let listing: Value = serde_json::from_str(&server().listing_json()).expect("JSON");
    assert_eq!(listing["tools"], json!([]));
    let count = |key: &str| listing[key].as_array().map(Vec::len);
    assert_eq!(
        (
            count("resources"),
            count("resourceTemplates"),
            count("prompts")
        ),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(
        listing["resourceTemplates"][1]["uriTemplate"],
        "notes://{id}/parts"
    );
}

#[tokio::test]
async fn duplicates_and_missing_state_are_startup_errors() {
    let twice = Server::new("twice")
        .resource(readme_resource())
        .resource(readme_resource())
        .try_router()
        .expect_err("duplicate URI");
    assert!(
        twice.to_string().starts_with(
            "two resources are both `notes://readme` (`resources_prompts::readme` and `resources_prompts::readme`)"
        ),
        "{twice}"
    );
    let stateless = Server::new("no-state")
        .resource_template(note_resource())
        .try_router()
        .expect_err("missing state");
    assert!(
        stateless
            .to_string()
            .starts_with("resource template `notes://{id}` takes State<resources_prompts::Notes>"),
        "{stateless}"
    );
}

/// A 2026-07-28 request with its envelope and mirrored headers.
async fn stateless(
    server: &TestServer,
    method: &str,
    mut params: Value,
    name: Option<&str>,
) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(name) = name {
        headers.push(("mcp-name", name));
    }
    let reply = tests::read(
        server
            .client()
            .send(reqwest::Method::POST, Some(body), &headers)
            .await,
    )
    .await;
    if reply.is_sse() {
        reply.sse_messages().pop().unwrap_or_default()
    } else {
        reply.json()
    }
}

#[tokio::test]
async fn the_stateless_era_has_them_too_with_cache_hints() {
    let server = TestServer::start(server()).await;
    let list = stateless(&server, "resources/list", json!({}), None).await;
    let result = &list["result"];
    assert_eq!(result["resultType"], "complete", "{list}");
    assert!(
        result["ttlMs"].is_u64() && result["cacheScope"].is_string(),
        "{list}"
    );
    assert_eq!(result["resources"].as_array().map(Vec::len), Some(2));
    let prompts = stateless(&server, "prompts/list", json!({}), None).await;
    assert_eq!(
        prompts["result"]["prompts"].as_array().map(Vec::len),
        Some(2)
    );
    let read = stateless(
        &server,
        "resources/read",
        json!({"uri": "notes://2"}),
        Some("notes://2"),
    )
    .await;
    let read = &read["result"];
    assert_eq!(
        (
            read["resultType"].clone(),
            read["contents"].clone(),
            read["cacheScope"].clone()
        ),
        (
            json!("complete"),
            json!([{"uri": "notes://2", "mimeType": "text/plain", "text": "two"}]),
            json!("private")
        )
    );
    assert!(read["ttlMs"].is_u64(), "{read}");
    let got = stateless(
        &server,
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": "Bo", "times": "1"}}),
        Some("greet"),
    )
    .await;
    assert_eq!(
        got["result"]["messages"][0]["content"]["text"],
        "Greet Bo 1 times."
    );
}

#[tokio::test]
async fn lists_are_paginated() {
    let server = TestServer::start(server().page_size(1)).await;
    let mut client = server.client();
    client.initialize("2025-11-25").await;
    let first = result(&client, "resources/list", json!({})).await;
    assert_eq!(first["resources"][0]["uri"], "notes://readme");
    let cursor = first["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = result(&client, "resources/list", json!({"cursor": cursor})).await;
    assert_eq!(second["resources"][0]["uri"], "notes://logo");
    assert!(second.get("nextCursor").is_none(), "{second}");
    let bad = error(&client, "prompts/list", json!({"cursor": "99"})).await;
    assert_eq!(bad["code"], -32602);
}

#[tokio::test]
async fn subscribers_hear_of_updates_and_every_session_of_list_changes() {
    let (router, handle) = server().router_with_handle();
    let server = TestServer::start_router(router).await;
    let mut watcher = server.client();
    watcher.initialize("2025-11-25").await;
    let mut bystander = server.client();
    bystander.initialize("2025-11-25").await;
    assert_eq!(
        result(&watcher, "resources/subscribe", json!({"uri": "notes://1"})).await,
        json!({})
    );
    let mut watching = tests::SseReader::new(watcher.get_stream(None).await);
    let mut standing_by = tests::SseReader::new(bystander.get_stream(None).await);
    // Both streams are open once their priming events arrived.
    watching.next().await;
    standing_by.next().await;

    handle.resource_updated("notes://2"); // nobody watches this one
    handle.resource_updated("notes://1");
    let updated = watching.next_message().await.expect("an update").json();
    assert_eq!(updated["method"], "notifications/resources/updated");
    assert_eq!(updated["params"]["uri"], "notes://1");

    assert!(handle.remove_prompt("greet"));
    for stream in [&mut watching, &mut standing_by] {
        let changed = stream.next_message().await.expect("a list change").json();
        assert_eq!(changed["method"], "notifications/prompts/list_changed");
    }
    let prompts = result(&bystander, "prompts/list", json!({})).await;
    assert_eq!(prompts["prompts"].as_array().map(Vec::len), Some(1));

    assert_eq!(
        result(
            &watcher,
            "resources/unsubscribe",
            json!({"uri": "notes://1"})
        )
        .await,
        json!({})
    );
    handle.resource_updated("notes://1");
    assert!(handle.remove_resource("notes://logo"));
    let next = watching.next_message().await.expect("a list change").json();
    assert_eq!(
        next["method"], "notifications/resources/list_changed",
        "no update after unsubscribing: {next}"
    );
    let bare = Server::new("bare").router_with_handle().1;
    assert!(
        !bare.add_prompt(greet_prompt()),
        "no prompts capability to announce"
    );
}

#[tokio::test]
async fn a_stateless_subscription_names_the_resources_it_watches() {
    let (router, handle) = server().router_with_handle();
    let server = TestServer::start_router(router).await;
    let client = server.client();
    let listen = json!({"jsonrpc": "2.0", "id": 9, "method": "subscriptions/listen", "params": {
        "notifications": {"resourceSubscriptions": ["notes://1"], "promptsListChanged": true,
            "toolsListChanged": true},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}}}});
    let response = client
        .send(
            reqwest::Method::POST,
            Some(listen),
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "subscriptions/listen"),
            ],
        )
        .await;
    let mut events = tests::SseReader::new(response);
    let ack = events.next_message().await.expect("ack").json();
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true, "promptsListChanged": true,
            "resourceSubscriptions": ["notes://1"]})
    );
    handle.resource_updated("notes://3");
    handle.resource_updated("notes://1");
    let updated = events.next_message().await.expect("update").json();
    assert_eq!(updated["method"], "notifications/resources/updated");
    assert_eq!(updated["params"]["uri"], "notes://1");
    assert_eq!(
        updated["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        9
    );
}
