//! The official Python and TypeScript SDKs against a server behind JWT auth: the right
//! token works in both eras, no token and a wrong-audience token get 401 with the metadata
//! URL, a token without the tool's scope gets 403, and each SDK's own OAuth discovery code
//! reads our RFC 9728 metadata. Tokens are minted here with test keys whose JWKS a real
//! local issuer serves. The checks themselves are in `tests/clients/`.

mod secured;

use std::time::Duration;

use secured::Secured;
use tests::clients::{self, run_client};

async fn python(mode: &str) {
    let python = clients::python();
    let s = Secured::start().await;
    let mut command = tokio::process::Command::new(python);
    command
        .arg(clients::sources().join("python/auth_client.py"))
        .args([&s.server.url, mode, &s.issuer.url])
        .args([
            s.token("notes:write"),
            s.token("notes:read"),
            s.wrong_audience_token(),
        ]);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert_eq!(output.stdout.matches("ok: ").count(), 5, "{output:?}");
    println!("{}", output.stdout);
}

#[tokio::test]
async fn python_sdk_with_tokens_in_legacy_mode() {
    python("legacy").await;
}

#[tokio::test]
async fn python_sdk_with_tokens_in_auto_mode() {
    python("auto").await;
}

#[tokio::test]
async fn typescript_sdk_with_tokens() {
    let node = clients::node();
    let s = Secured::start().await;
    let mut command = node.script("auth_client.mjs");
    command.args([&s.server.url, &s.issuer.url]).args([
        s.token("notes:write"),
        s.token("notes:read"),
        s.wrong_audience_token(),
    ]);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert_eq!(output.stdout.matches("ok: ").count(), 5, "{output:?}");
    println!("{}", output.stdout);
}
