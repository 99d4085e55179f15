//! A server behind JWT auth, its issuer, and tokens, shared by the auth tests.

#![allow(dead_code)]

use std::time::Duration;

use mcp_runtime::{Auth, Context, Server, tool};
use tests::TestServer;
use tests::issuer::{Issuer, SigningKey};

#[path = "../../../examples/examples/progress.rs"]
mod progress;

/// Who is calling, as the tool sees it.
#[tool]
pub async fn whoami(ctx: Context) -> String {
    match ctx.identity() {
        Some(who) => format!("{} [{}]", who.subject(), who.scopes().join(" ")),
        None => "anonymous".to_owned(),
    }
}

/// Writes a note (needs `notes:write`).
#[tool]
pub async fn write_note(text: String) -> String {
    format!("wrote {text}")
}

/// An authenticated server, its issuer and its keys.
pub struct Secured {
    pub issuer: Issuer,
    pub rsa: SigningKey,
    pub ec: SigningKey,
    pub server: TestServer,
}

impl Secured {
    /// The server's tools: `whoami`, `write_note` (scope `notes:write`) and the progress
    /// example's `stream_data_analysis`.
    pub fn server(name: &str) -> Server {
        Server::new(name)
            .tool(whoami_tool())
            .tool(write_note_tool().scopes(["notes:write"]))
            .tool(progress::stream_data_analysis_tool())
    }

    pub async fn start() -> Self {
        Self::start_with(|server| server).await
    }

    /// Starts with extra configuration of the server.
    pub async fn start_with(configure: impl FnOnce(Server) -> Server) -> Self {
        let issuer = Issuer::start().await;
        let rsa = SigningKey::rsa("rsa-1");
        let ec = SigningKey::ec("ec-1");
        issuer.publish(&rsa);
        issuer.publish(&ec);
        let issuer_url = issuer.url.clone();
        let server = TestServer::start_at(|url| {
            let auth = Auth::jwt(issuer_url)
                .audience(url)
                .jwks_refresh_interval(Duration::from_millis(200));
            configure(Self::server("secured").auth(auth)).router()
        })
        .await;
        Self {
            issuer,
            rsa,
            ec,
            server,
        }
    }

    /// A valid RS256 token for this server with `scope`.
    pub fn token(&self, scope: &str) -> String {
        self.rsa
            .sign(&self.issuer.claims(&self.server.url, "alice", scope))
    }

    /// A token from the right issuer, meant for another server.
    pub fn wrong_audience_token(&self) -> String {
        self.rsa.sign(
            &self
                .issuer
                .claims("http://127.0.0.1:1/mcp", "alice", "notes:write"),
        )
    }
}
