//! Auth over raw HTTP: the endpoint as an OAuth 2.1 resource server (JWTs from a real local
//! issuer, RS256 and ES256), static tokens, RFC 9728 metadata, 401/403 challenges, scopes,
//! the identity a tool sees, and custom routes behind the same check.

mod secured;

use std::time::Duration;

use axum::routing::get;
use mcp_runtime::{Auth, Identity};
use reqwest::Method;
use secured::Secured;
use serde_json::{Value, json};
use tests::issuer::SigningKey;
use tests::{Client, Reply, TestServer};

const V2025: &str = "2025-11-25";
const V2026: &str = "2026-07-28";

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
           "params": {"protocolVersion": V2025, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
}

fn stateless_call(tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": tool, "arguments": arguments,
        "_meta": {"io.modelcontextprotocol/protocolVersion": V2026,
                  "io.modelcontextprotocol/clientCapabilities": {}}}})
}

fn stateless_headers<'a>(tool: &'a str, auth: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("mcp-protocol-version", V2026),
        ("mcp-method", "tools/call"),
        ("mcp-name", tool),
        ("authorization", auth),
    ]
}

async fn send(
    client: &Client,
    method: Method,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (Reply, Option<String>) {
    let response = client.send(method, body, headers).await;
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ASCII").to_owned());
    (tests::read(response).await, challenge)
}

/// A session opened with `token`, its client remembering the session id.
async fn session(client: &mut Client, token: &str) {
    let bearer = format!("Bearer {token}");
    let (reply, _) = send(
        client,
        Method::POST,
        Some(initialize()),
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    client.session = reply.session.clone();
    let ack = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let (reply, _) = send(
        client,
        Method::POST,
        Some(ack),
        &[("authorization", &bearer), ("mcp-protocol-version", V2025)],
    )
    .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
}

fn call(id: i64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
}

fn text_of(reply: &Reply) -> String {
    let message = if reply.is_sse() {
        reply.sse_messages().pop().expect("a response")
    } else {
        reply.json()
    };
    message["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text result: {message}"))
        .to_owned()
}

#[tokio::test]
async fn no_token_gets_401_pointing_at_the_metadata_on_every_path() {
    let s = Secured::start().await;
    let metadata = s
        .server
        .url
        .replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    let expected = format!("Bearer resource_metadata=\"{metadata}\"");
    let client = s.server.client();
    let discover = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": V2026, "io.modelcontextprotocol/clientCapabilities": {}}}});
    for (method, body, headers) in [
        (Method::POST, Some(initialize()), vec![]),
        (
            Method::POST,
            Some(discover),
            vec![
                ("mcp-protocol-version", V2026),
                ("mcp-method", "server/discover"),
            ],
        ),
        (Method::GET, None, vec![("mcp-session-id", "whatever")]),
        (Method::DELETE, None, vec![("mcp-session-id", "whatever")]),
    ] {
        let (reply, challenge) = send(&client, method.clone(), body, &headers).await;
        assert_eq!(reply.status, 401, "{method}: {}", reply.body);
        assert_eq!(challenge.as_deref(), Some(expected.as_str()), "{method}");
    }
    // A scheme other than Bearer is no token either.
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(initialize()),
        &[("authorization", "Basic YTpi")],
    )
    .await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn metadata_names_the_resource_the_issuer_and_the_scopes() {
    let s = Secured::start().await;
    let base = s.server.url.trim_end_matches("/mcp").to_owned();
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let response = reqwest::get(format!("{base}{path}"))
            .await
            .expect("GET metadata");
        assert_eq!(response.status(), 200, "{path}");
        let doc: Value = response.json().await.expect("JSON");
        assert_eq!(doc["resource"], json!(s.server.url), "{doc}");
        assert_eq!(doc["authorization_servers"], json!([s.issuer.url]), "{doc}");
        assert_eq!(doc["scopes_supported"], json!(["notes:write"]), "{doc}");
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]), "{doc}");
    }
}

#[tokio::test]
async fn rs256_and_es256_tokens_work_in_both_eras_and_reach_the_tool() {
    let s = Secured::start().await;
    let mut client = s.server.client();
    let token = s.token("notes:read profile");
    session(&mut client, &token).await;
    let bearer = format!("Bearer {token}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("mcp-protocol-version", V2025),
    ];
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(call(2, "whoami", json!({}))),
        &headers,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(text_of(&reply), "alice [notes:read profile]");
    // The session's GET stream and DELETE pass with the token.
    let response = client.send(Method::GET, None, &headers).await;
    assert_eq!(response.status(), 200);
    drop(response);
    let (reply, _) = send(&client, Method::DELETE, None, &headers).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let es =
        s.ec.sign(&s.issuer.claims(&s.server.url, "bob", "notes:write"));
    let bearer = format!("Bearer {es}");
    let stateless = s.server.client();
    let (reply, _) = send(
        &stateless,
        Method::POST,
        Some(stateless_call("whoami", json!({}))),
        &stateless_headers("whoami", &bearer),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(text_of(&reply), "bob [notes:write]");
}

#[tokio::test]
async fn bad_tokens_get_invalid_token_saying_why() {
    let s = Secured::start().await;
    let url = s.server.url.clone();
    let claims = |f: &dyn Fn(&mut Value)| {
        let mut c = s.issuer.claims(&url, "mallory", "notes:write");
        f(&mut c);
        c
    };
    let expired = s.rsa.sign(&claims(&|c| {
        c["exp"] = json!(1_000_000_000);
        c["nbf"] = json!(999_000_000);
    }));
    let future = s.rsa.sign(&claims(&|c| {
        c["nbf"] = json!(c["exp"].as_u64().unwrap_or(0) + 3600)
    }));
    let foreign = s
        .rsa
        .sign(&claims(&|c| c["iss"] = json!("https://elsewhere.example")));
    let mut tampered = s.token("notes:read");
    tampered.truncate(tampered.len() - 4);
    tampered.push_str("AAAA");
    let unknown_key = SigningKey::ec("never-published").sign(&claims(&|_| {}));
    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(&|_| {}),
        &jsonwebtoken::EncodingKey::from_secret(b"guess"),
    )
    .expect("HS256");
    let client = s.server.client();
    for (token, says) in [
        (s.wrong_audience_token(), "not meant for this server"),
        (expired, "expired"),
        (future, "not valid yet"),
        (foreign, "not issued by"),
        (tampered, "invalid token"),
        (unknown_key, "does not publish"),
        (hmac, "not accepted"),
        ("not-a-jwt".to_owned(), "not a JWT"),
    ] {
        let bearer = format!("Bearer {token}");
        let (reply, challenge) = send(
            &client,
            Method::POST,
            Some(initialize()),
            &[("authorization", &bearer)],
        )
        .await;
        assert_eq!(reply.status, 401, "{says}: {}", reply.body);
        let challenge = challenge.expect("WWW-Authenticate");
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\""),
            "{challenge}"
        );
        assert!(
            challenge.contains("resource_metadata=\"http://"),
            "{challenge}"
        );
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
}

#[tokio::test]
async fn a_token_without_the_tools_scope_gets_403_in_both_eras() {
    let s = Secured::start().await;
    let reader = s.token("notes:read");
    let writer = s.token("notes:read notes:write");
    let mut client = s.server.client();
    session(&mut client, &reader).await;
    let bearer = format!("Bearer {reader}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("mcp-protocol-version", V2025),
    ];
    let (reply, challenge) = send(
        &client,
        Method::POST,
        Some(call(5, "write_note", json!({"text": "x"}))),
        &headers,
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let challenge = challenge.expect("WWW-Authenticate");
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_scope\", scope=\"notes:write\""),
        "{challenge}"
    );
    assert_eq!(
        reply.json()["id"],
        5,
        "the JSON-RPC error answers the request"
    );
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("notes:write"))
    );
    // Other tools still work with it.
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(call(6, "whoami", json!({}))),
        &headers,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let stateless = s.server.client();
    let bearer = format!("Bearer {reader}");
    let (reply, _) = send(
        &stateless,
        Method::POST,
        Some(stateless_call("write_note", json!({"text": "x"}))),
        &stateless_headers("write_note", &bearer),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let bearer = format!("Bearer {writer}");
    let (reply, _) = send(
        &stateless,
        Method::POST,
        Some(stateless_call("write_note", json!({"text": "x"}))),
        &stateless_headers("write_note", &bearer),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(text_of(&reply), "wrote x");
}

#[tokio::test]
async fn keys_are_fetched_once_and_again_for_an_unknown_key_id() {
    let s = Secured::start().await;
    let client = s.server.client();
    let ok = |reply: &Reply| assert_eq!(reply.status, 200, "{}", reply.body);
    let token = s.token("notes:read");
    let bearer = format!("Bearer {token}");
    for _ in 0..20 {
        let (reply, _) = send(
            &client,
            Method::POST,
            Some(initialize()),
            &[("authorization", &bearer)],
        )
        .await;
        ok(&reply);
    }
    assert_eq!(s.issuer.jwks_fetches(), 1, "one fetch, then the cache");

    // The issuer rotates in a new key: a token signed with it makes the server refetch
    // (once the refetch interval, 200 ms here, has passed since the last fetch).
    tokio::time::sleep(Duration::from_millis(250)).await;
    let rotated = SigningKey::ec("ec-2");
    s.issuer.publish(&rotated);
    let token = rotated.sign(&s.issuer.claims(&s.server.url, "carol", ""));
    let bearer = format!("Bearer {token}");
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(initialize()),
        &[("authorization", &bearer)],
    )
    .await;
    ok(&reply);
    assert_eq!(s.issuer.jwks_fetches(), 2);

    // Junk key ids cannot make the server hammer the issuer: at most one fetch per interval.
    for i in 0..10 {
        let junk =
            SigningKey::ec(&format!("junk-{i}")).sign(&s.issuer.claims(&s.server.url, "x", ""));
        let bearer = format!("Bearer {junk}");
        let (reply, _) = send(
            &client,
            Method::POST,
            Some(initialize()),
            &[("authorization", &bearer)],
        )
        .await;
        assert_eq!(reply.status, 401);
    }
    assert!(
        s.issuer.jwks_fetches() <= 3,
        "{} fetches",
        s.issuer.jwks_fetches()
    );
}

#[tokio::test]
async fn static_tokens_and_custom_routes_behind_the_same_auth() {
    let auth = Auth::bearer_tokens(["key-one", "key-two"]);
    let secure = auth.require(axum::Router::new().route(
        "/secure-stream",
        get(|who: Identity| async move { format!("hello {}", who.subject()) }),
    ));
    let server = TestServer::start_router(
        secured::Secured::server("static")
            .auth(auth)
            .router()
            .merge(secure),
    )
    .await;
    let mut client = server.client();
    session(&mut client, "key-two").await;
    let headers = [
        ("authorization", "Bearer key-two"),
        ("mcp-protocol-version", V2025),
    ];
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(call(3, "write_note", json!({"text": "y"}))),
        &headers,
    )
    .await;
    assert_eq!(
        text_of(&reply),
        "wrote y",
        "static tokens grant every scope"
    );
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(call(4, "whoami", json!({}))),
        &headers,
    )
    .await;
    assert_eq!(text_of(&reply), "token-2 []");
    let (reply, challenge) = send(
        &server.client(),
        Method::POST,
        Some(initialize()),
        &[("authorization", "Bearer key-three")],
    )
    .await;
    assert_eq!(reply.status, 401);
    assert!(challenge.is_some_and(|c| c.contains("invalid_token")));

    let secure_url = server.url.replace("/mcp", "/secure-stream");
    let http = reqwest::Client::new();
    let refused = http.get(&secure_url).send().await.expect("GET");
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().contains_key("www-authenticate"));
    let allowed = http
        .get(&secure_url)
        .bearer_auth("key-one")
        .send()
        .await
        .expect("GET");
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.text().await.expect("body"), "hello token-1");
}

#[tokio::test]
async fn a_streaming_call_runs_with_its_token() {
    let s = Secured::start().await;
    let token = s.token("notes:read");
    let bearer = format!("Bearer {token}");
    let client = s.server.client();
    let mut body = stateless_call(
        "stream_data_analysis",
        json!({"dataset": "d", "chunk_size": 500}),
    );
    body["params"]["_meta"]["progressToken"] = json!("p");
    let (reply, _) = tokio::time::timeout(
        Duration::from_secs(10),
        send(
            &client,
            Method::POST,
            Some(body),
            &stateless_headers("stream_data_analysis", &bearer),
        ),
    )
    .await
    .expect("the call finishes");
    assert!(reply.is_sse(), "{reply:?}");
    let messages = reply.sse_messages();
    assert_eq!(
        messages.len(),
        3,
        "two progress frames and the result: {messages:?}"
    );
}

#[tokio::test]
async fn a_session_belongs_to_the_identity_that_opened_it() {
    let s = Secured::start().await;
    let alice = s.token("notes:read");
    let bob = s
        .rsa
        .sign(&s.issuer.claims(&s.server.url, "bob", "notes:read"));
    let mut client = s.server.client();
    session(&mut client, &alice).await;
    let as_bob = format!("Bearer {bob}");
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(call(2, "whoami", json!({}))),
        &[("authorization", &as_bob), ("mcp-protocol-version", V2025)],
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("another identity"), "{}", reply.body);
    let (reply, _) = send(&client, Method::DELETE, None, &[("authorization", &as_bob)]).await;
    assert_eq!(reply.status, 403, "nor can bob end it");
    // Another token of alice's (a refreshed one) keeps the session.
    let refreshed =
        s.ec.sign(&s.issuer.claims(&s.server.url, "alice", "notes:read"));
    let as_alice = format!("Bearer {refreshed}");
    let (reply, _) = send(
        &client,
        Method::POST,
        Some(call(3, "whoami", json!({}))),
        &[
            ("authorization", &as_alice),
            ("mcp-protocol-version", V2025),
        ],
    )
    .await;
    assert_eq!(text_of(&reply), "alice [notes:read]");
}

#[tokio::test]
async fn an_unreachable_issuer_is_a_503_and_a_missing_audience_a_start_up_error() {
    // Nothing listens on port 1 of 127.0.0.1: the keys cannot be fetched.
    let server = TestServer::start_at(|url| {
        secured::Secured::server("lonely")
            .auth(Auth::jwt("http://127.0.0.1:1").audience(url))
            .router()
    })
    .await;
    let token = SigningKey::ec("k")
        .sign(&json!({"iss": "http://127.0.0.1:1", "aud": server.url, "exp": 4_000_000_000u64}));
    let bearer = format!("Bearer {token}");
    let (reply, _) = send(
        &server.client(),
        Method::POST,
        Some(initialize()),
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(
        reply.body.contains("cannot find the signing keys"),
        "{}",
        reply.body
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let err = secured::Secured::server("no-audience")
        .auth(Auth::jwt("https://auth.example.com"))
        .serve_on(listener)
        .await
        .expect_err("refuses to start");
    assert!(err.to_string().contains(".audience("), "{err}");
}

/// A note only a token with `notes:secret` may read.
#[mcp_runtime::resource(uri = "notes://secret", mime = "text/plain", scopes = ["notes:secret"])]
async fn secret_note() -> &'static str {
    "the secret"
}

/// A prompt only a token with `notes:secret` may get.
#[mcp_runtime::prompt(scopes = ["notes:secret"])]
async fn secret_prompt() -> &'static str {
    "Tell me the secret."
}

#[tokio::test]
async fn resources_and_prompts_need_their_scopes_too() {
    let s = Secured::start_with(|server| {
        server
            .resource(secret_note_resource())
            .prompt(secret_prompt_prompt())
    })
    .await;
    let reader = s.token("notes:read");
    let keeper = s.token("notes:read notes:secret");
    for (token, status) in [(&reader, 403), (&keeper, 200)] {
        let mut client = s.server.client();
        session(&mut client, token).await;
        let bearer = format!("Bearer {token}");
        let headers = [
            ("authorization", bearer.as_str()),
            ("mcp-protocol-version", V2025),
        ];
        for (method, params) in [
            ("resources/read", json!({"uri": "notes://secret"})),
            ("prompts/get", json!({"name": "secret_prompt"})),
        ] {
            let request = json!({"jsonrpc": "2.0", "id": 3, "method": method, "params": params});
            let (reply, challenge) = send(&client, Method::POST, Some(request), &headers).await;
            assert_eq!(reply.status, status, "{method}: {}", reply.body);
            if status == 403 {
                let challenge = challenge.expect("WWW-Authenticate");
                assert!(
                    challenge.contains("error=\"insufficient_scope\", scope=\"notes:secret\""),
                    "{challenge}"
                );
            }
        }
    }
    let metadata = s
        .server
        .client()
        .http
        .get(format!(
            "http://{}/.well-known/oauth-protected-resource/mcp",
            s.server.addr
        ))
        .send()
        .await
        .expect("GET metadata")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(
        metadata["scopes_supported"],
        json!(["notes:secret", "notes:write"]),
        "{metadata}"
    );
}

/// `Server::rest`: the same token and scope checks as the endpoint, and the tool sees who
/// calls.
#[tokio::test]
async fn rest_calls_need_the_token_and_the_tools_scopes() {
    let s = Secured::start_with(|server| server.rest("/tools")).await;
    let base = format!("http://{}", s.server.addr);
    let http = reqwest::Client::new();
    let call = |tool: &str, token: &str| {
        let arguments = if tool == "write_note" {
            json!({"text": "hi"})
        } else {
            json!({})
        };
        http.post(format!("{base}/tools/{tool}"))
            .bearer_auth(token)
            .json(&arguments)
            .send()
    };
    let reader = s.token("notes:read");
    let writer = s.token("notes:write");

    let refused = call("write_note", &reader).await.expect("POST");
    assert_eq!(refused.status(), 403);
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(
        challenge.contains("error=\"insufficient_scope\", scope=\"notes:write\""),
        "{challenge}"
    );

    let written: Value = call("write_note", &writer)
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert_eq!(written["content"][0]["text"], "wrote hi", "{written}");
    let who: Value = call("whoami", &writer)
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert_eq!(who["content"][0]["text"], "alice [notes:write]", "{who}");
}
