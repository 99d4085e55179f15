//! Settings as an operator gives them: `MCP_*` variables and `--config file.toml` change a
//! binary that calls `serve()` with no code change; a bad value stops it at start-up with a
//! message naming the variable.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    probe.local_addr().expect("address").port()
}

/// The `hello` example started with `env` and `args`, once it answers on `port`.
async fn hello(env: &[(&str, String)], args: &[&str], port: u16) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(tests::example_binary("hello"));
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().expect("start the hello example");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child
}

fn initialize() -> String {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
    .to_string()
}

async fn post(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(initialize());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("POST")
}

#[tokio::test]
async fn environment_variables_configure_serve() {
    let port = free_port();
    let _server = hello(
        &[
            ("MCP_ADDR", format!("127.0.0.1:{port}")),
            ("MCP_PATH", "/api/mcp".to_owned()),
            ("MCP_AUTH_TOKENS", "first, second".to_owned()),
            ("MCP_METRICS_PATH", "/metrics".to_owned()),
            ("MCP_ALLOWED_ORIGINS", "https://app.example.com".to_owned()),
            ("MCP_KEEP_ALIVE", "5s".to_owned()),
            ("MCP_LOG", "warn".to_owned()),
        ],
        &[],
        port,
    )
    .await;
    let url = format!("http://127.0.0.1:{port}/api/mcp");
    assert_eq!(
        post(&url, &[]).await.status(),
        401,
        "MCP_AUTH_TOKENS turns auth on"
    );
    assert_eq!(
        post(&url, &[("authorization", "Bearer second")])
            .await
            .status(),
        200
    );
    let from_app = post(
        &url,
        &[
            ("authorization", "Bearer first"),
            ("origin", "https://app.example.com"),
        ],
    )
    .await;
    assert_eq!(from_app.status(), 200);
    assert_eq!(
        from_app
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"https://app.example.com"[..])
    );
    let elsewhere = post(
        &url,
        &[
            ("authorization", "Bearer first"),
            ("origin", "https://evil.example"),
        ],
    )
    .await;
    assert_eq!(elsewhere.status(), 403);
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("text");
    assert!(text.contains("mcp_requests_total"), "{text}");
}

#[tokio::test]
async fn a_config_file_is_read_and_the_environment_wins() {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("mcp-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("settings.toml");
    std::fs::write(
        &file,
        "addr = \"127.0.0.1:1\"\npath = \"/from-file\"\nauth_tokens = [\"filed\"]\n",
    )
    .expect("write the config");
    let _server = hello(
        &[("MCP_ADDR", format!("127.0.0.1:{port}"))],
        &["--config", file.to_str().expect("UTF-8 path")],
        port,
    )
    .await;
    let url = format!("http://127.0.0.1:{port}/from-file");
    assert_eq!(
        post(&url, &[("authorization", "Bearer filed")])
            .await
            .status(),
        200
    );
    assert_eq!(post(&url, &[]).await.status(), 401);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bug of issue 14: allowed origins on a server bound to 0.0.0.0 made the Host check
/// loopback-only, so requests through a proxy (another Host) got 403.
#[tokio::test]
async fn allowed_origins_on_a_public_address_keep_any_host() {
    let port = free_port();
    let _server = hello(
        &[
            ("MCP_ADDR", format!("0.0.0.0:{port}")),
            ("MCP_ALLOWED_ORIGINS", "https://app.example.com".to_owned()),
        ],
        &[],
        port,
    )
    .await;
    let url = format!("http://127.0.0.1:{port}/mcp");
    let proxied = post(&url, &[("host", "mcp.example.com")]).await;
    assert_eq!(proxied.status(), 200);
}

#[tokio::test]
async fn a_bad_value_stops_start_up_naming_the_variable() {
    for (name, value, says) in [
        ("MCP_KEEP_ALIVE", "soon", "not a duration"),
        ("MCP_MAX_SESSIONS", "lots", "not a whole number"),
        ("MCP_BODY_LIMIT", "big", "not a size"),
        ("MCP_PATH", "mcp", "must start with `/`"),
        ("MCP_LOG", "info,=[", "not a log filter"),
    ] {
        let output = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::process::Command::new(tests::example_binary("hello"))
                .env("MCP_ADDR", "127.0.0.1:0")
                .env(name, value)
                .output(),
        )
        .await
        .expect("exits at once")
        .expect("runs");
        assert!(!output.status.success(), "{name}={value} started anyway");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(name) && stderr.contains(says),
            "{name}: {stderr}"
        );
    }
}

/// Stdio has no HTTP and no tokens: auth settings do not apply to it.
#[tokio::test]
async fn stdio_is_exempt_from_auth() {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
    let mut child = tokio::process::Command::new(tests::example_binary("hello"))
        .arg("--stdio")
        .env("MCP_AUTH_TOKENS", "secret")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the hello example on stdio");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{}\n", initialize()).as_bytes())
        .await
        .expect("write initialize");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("an answer within 10 s")
        .expect("read")
        .expect("a line");
    let reply: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(reply["result"]["protocolVersion"], "2025-11-25", "{reply}");
}

/// A setting given as a `Settings` value reaches the server: the body limit here.
#[tokio::test]
async fn the_body_limit_setting_is_enforced() {
    let mut settings = mcp_runtime::Settings::default();
    settings.body_limit = 1024;
    let server =
        tests::TestServer::start(mcp_runtime::Server::new("small").settings(settings)).await;
    let padding = "x".repeat(2048);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": padding}});
    let reply = server.client().post(body).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.body.contains("1024 bytes"), "{}", reply.body);
}
