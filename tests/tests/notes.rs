//! The `notes` example end to end: state, structured output, constraints and errors.

use serde_json::{Value, json};
use tests::{Client, TestServer};

#[path = "../../examples/examples/notes.rs"]
#[allow(dead_code)]
mod notes;

async fn session() -> (TestServer, Client) {
    let db = notes::Notes::open(":memory:").expect("in-memory database");
    let server = TestServer::start(notes::server(db)).await;
    let mut client = server.client();
    client.initialize("2025-06-18").await;
    (server, client)
}

async fn call(client: &Client, name: &str, arguments: Value) -> Value {
    client
        .request(
            1,
            "tools/call",
            json!({"name": name, "arguments": arguments}),
        )
        .await
        .json()["result"]
        .clone()
}

#[tokio::test]
async fn add_list_search_get_and_delete() {
    let (_server, client) = session().await;
    let first = call(
        &client,
        "add_note",
        json!({"title": "Groceries", "body": "milk, eggs", "tags": ["home"]}),
    )
    .await;
    assert_eq!(
        first["structuredContent"],
        json!({"id": 1, "title": "Groceries", "body": "milk, eggs", "tags": ["home"]})
    );
    call(
        &client,
        "add_note",
        json!({"title": "Standup", "body": "Meeting at 10", "tags": ["work", "daily"]}),
    )
    .await;
    call(
        &client,
        "add_note",
        json!({"title": "Ideas", "body": "a meeting-free day"}),
    )
    .await;

    let all = call(&client, "list_notes", json!({})).await;
    assert_eq!(all["structuredContent"]["total"], 3);
    assert_eq!(
        all["structuredContent"]["notes"][0]["title"], "Ideas",
        "newest first"
    );
    let work = call(&client, "list_notes", json!({"tag": "work", "limit": 5})).await;
    assert_eq!(
        work["structuredContent"]["notes"].as_array().map(Vec::len),
        Some(1)
    );
    let found = call(&client, "search_notes", json!({"query": "MEETING"})).await;
    assert_eq!(found["structuredContent"]["total"], 2);

    assert_eq!(
        call(&client, "get_note", json!({"id": 2})).await["structuredContent"]["title"],
        "Standup"
    );
    assert_eq!(
        call(&client, "delete_note", json!({"id": 2})).await["content"][0]["text"],
        "Deleted note 2"
    );
    let gone = call(&client, "get_note", json!({"id": 2})).await;
    assert_eq!(gone["isError"], true);
    assert_eq!(
        gone["content"][0]["text"],
        "Not found: no note with id 2; list_notes shows the ids"
    );
}

#[tokio::test]
async fn bad_input_is_explained() {
    let (_server, client) = session().await;
    let cases = [
        (
            "add_note",
            json!({"title": "", "body": "x"}),
            "Invalid arguments for tool `add_note`: argument `title` must have at least 1 characters, got 0",
        ),
        (
            "add_note",
            json!({"title": "t", "body": "x", "tags": ["no spaces"]}),
            "Invalid input: tag \"no spaces\" may only use letters, digits and `-`",
        ),
        (
            "list_notes",
            json!({"limit": 0}),
            "Invalid arguments for tool `list_notes`: argument `limit` must be at least 1, got 0",
        ),
        (
            "get_note",
            json!({"id": "one"}),
            "Invalid arguments for tool `get_note`: invalid value for argument `id`: invalid type: string \"one\", expected an integer",
        ),
        (
            "search_notes",
            json!({"query": "a"}),
            "Invalid arguments for tool `search_notes`: argument `query` must have at least 2 characters, got 1",
        ),
    ];
    for (tool, args, expected) in cases {
        let result = call(&client, tool, args).await;
        assert_eq!(result["isError"], true, "{tool}");
        assert_eq!(result["content"][0]["text"], expected);
    }
}

#[test]
fn notes_tools_schemas() {
    let db = notes::Notes::open(":memory:").expect("in-memory database");
    let list: Value = serde_json::from_str(&notes::server(db).tools_list_json()).expect("JSON");
    insta::assert_json_snapshot!(list);
}
