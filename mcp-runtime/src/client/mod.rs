//! A client for MCP servers (feature `client`): Streamable HTTP and stdio, both protocol
//! eras.
//!
//! ```no_run
//! use futures_util::StreamExt as _;
//! use mcp_runtime::client::{CallUpdate, Client};
//!
//! # async fn demo() -> Result<(), mcp_runtime::client::ClientError> {
//! let client = Client::http("http://127.0.0.1:8000/mcp")
//!     .bearer_token("secret")
//!     .connect()
//!     .await?;
//! for tool in client.list_tools().await? {
//!     println!("{}: {}", tool.name, tool.description.unwrap_or_default());
//! }
//! let mut call = client.call_tool("stream_data_analysis", serde_json::json!({"dataset": "sales"}));
//! while let Some(update) = call.next().await {
//!     if let CallUpdate::Progress(p) = update {
//!         println!("{}/{:?} {}", p.progress, p.total, p.message.unwrap_or_default());
//!     }
//! }
//! println!("{:?}", call.result().await?.content);
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! - Connecting tries `server/discover` (2026-07-28) and falls back to `initialize`,
//!   asking for the newest handshake revision (the server may pick an older one).
//! - A dropped SSE stream is resumed with `Last-Event-ID` after exponential backoff with
//!   jitter ([`Reconnect`]), never sooner than the server's `retry` (handshake era; 2026-07-28
//!   streams are not resumable). A request that cannot reach a server that answered before
//!   is sent again on the same schedule.
//! - A session the server forgot (`404`) is replaced: the client initializes again and
//!   retries the request.
//! - The request timeout ([`ClientBuilder::timeout`]) counts from the last message about
//!   the request, so progress keeps a long call alive.
//! - Dropping a call cancels it: `notifications/cancelled` in the handshake era and on
//!   stdio, closing the stream over HTTP in 2026-07-28.
//! - Requests of the server (elicitation, sampling, roots) go to the handlers given to the
//!   builder, in both eras: answered with a POST in the handshake era, and by retrying the
//!   call with `inputResponses` when a 2026-07-28 server answers `input_required`.

mod auth;
mod backoff;
mod builder;
mod call;
mod connect;
mod error;
mod exchange;
mod handlers;
mod http;
mod in_process;
mod lists;
mod param_headers;
mod shared;
mod skills;
mod sse;
mod stdio;
mod subscription;
mod transport;
mod types;

use std::sync::Arc;

use futures_util::stream::Stream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

pub use auth::TokenProvider;
pub use backoff::Reconnect;
pub use builder::ClientBuilder;
pub use call::{CallUpdate, ToolCall};
pub use error::ClientError;
pub use handlers::{
    ElicitAction, ElicitRequest, ElicitResult, Root, SamplingRequest, SamplingResult,
};
pub use skills::{DynamicMarker, SkillEntry, SkillResource, SkillResources};
pub use types::{
    Completion, CompletionTarget, GetPromptResult, LogMessage, Progress, Prompt, PromptArgument,
    PromptMessage, ReadResourceResult, Resource, ResourceTemplate, ServerInfo, ServerNotification,
    Tool,
};

pub use crate::protocol::ProtocolVersion;
pub use crate::protocol::types::Implementation;

use exchange::Request;
use shared::Shared;

/// A connection to one MCP server. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    info: ServerInfo,
    _alive: Arc<shared::Alive>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.info)
            .finish()
    }
}

impl Client {
    /// A client for the Streamable HTTP endpoint at `url` (e.g. `http://127.0.0.1:8000/mcp`).
    pub fn http(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::http(url)
    }

    /// A client for a server it starts as a child process, speaking over its stdin and
    /// stdout.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), mcp_runtime::client::ClientError> {
    /// let mut command = tokio::process::Command::new("my-server");
    /// command.arg("--stdio");
    /// let client = mcp_runtime::client::Client::stdio(command).connect().await?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn stdio(command: tokio::process::Command) -> ClientBuilder {
        ClientBuilder::stdio(command)
    }

    /// A client that drives `server` in this process, with no socket: for unit tests of a
    /// server's tools. Every message still goes through the server's engine, so it is
    /// answered exactly as over HTTP or stdio.
    ///
    /// ```
    /// use mcp_runtime::client::Client;
    /// use mcp_runtime::{Server, tool};
    ///
    /// /// Add two numbers.
    /// #[tool]
    /// async fn add(a: i64, b: i64) -> String {
    ///     (a + b).to_string()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = Client::in_process(Server::new("calc").tool(add_tool())).connect().await?;
    /// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
    /// assert_eq!(result.text_content(), "5");
    /// # Ok(()) }
    /// ```
    pub fn in_process(server: crate::Server) -> ClientBuilder {
        ClientBuilder::in_process(server)
    }

    /// What the server said about itself when the client connected.
    pub fn server_info(&self) -> &ServerInfo {
        &self.info
    }

    /// The protocol revision in use.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.info.protocol_version
    }

    /// Sends any request and returns its raw result (for methods this client has no
    /// helper for).
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let params = match params {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => {
                return Err(ClientError::Protocol(format!(
                    "params must be an object, not {other}"
                )));
            }
        };
        self.run(method, params, None).await
    }

    async fn run(
        &self,
        method: &str,
        params: Map<String, Value>,
        name: Option<String>,
    ) -> Result<Value, ClientError> {
        exchange::result(&self.shared, method, params, name).await
    }

    async fn typed<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Map<String, Value>,
        name: Option<String>,
    ) -> Result<T, ClientError> {
        let result = self.run(method, params, name).await?;
        serde_json::from_value(result).map_err(|e| {
            ClientError::Protocol(format!("{method} returned an unexpected result: {e}"))
        })
    }

    /// Every tool the server offers (all pages), except tools whose `x-mcp-header`
    /// annotations are invalid (logged as warnings). The annotations of the tools listed
    /// decide the `Mcp-Param-*` headers of later calls (2026-07-28 over HTTP).
    pub async fn list_tools(&self) -> Result<Vec<Tool>, ClientError> {
        lists::tools(&self.shared).await
    }

    /// Every resource the server lists (all pages).
    pub async fn list_resources(&self) -> Result<Vec<Resource>, ClientError> {
        lists::all(&self.shared, "resources/list", "resources").await
    }

    /// Every resource template (all pages).
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplate>, ClientError> {
        lists::all(
            &self.shared,
            "resources/templates/list",
            "resourceTemplates",
        )
        .await
    }

    /// Every prompt the server offers (all pages).
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>, ClientError> {
        lists::all(&self.shared, "prompts/list", "prompts").await
    }

    /// Calls a tool with `arguments` (any `Serialize` value that is a JSON object, or
    /// `()` for none). Progress is asked for; see [`ToolCall`].
    pub fn call_tool(&self, name: &str, arguments: impl Serialize) -> ToolCall {
        let arguments = match serde_json::to_value(arguments) {
            Ok(Value::Object(map)) => map,
            Ok(Value::Null) => Map::new(),
            Ok(other) => {
                return ToolCall::failed(ClientError::Protocol(format!(
                    "tool arguments must be an object, not {other}"
                )));
            }
            Err(e) => {
                return ToolCall::failed(ClientError::Protocol(format!(
                    "cannot serialize the tool arguments: {e}"
                )));
            }
        };
        let mut params = Map::new();
        params.insert("name".into(), json!(name));
        params.insert("arguments".into(), Value::Object(arguments));
        ToolCall::new(exchange::run(
            self.shared.clone(),
            Request {
                method: "tools/call".to_owned(),
                params,
                name: Some(name.to_owned()),
                progress: true,
                long_lived: false,
            },
        ))
    }

    /// Reads a resource.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, ClientError> {
        let mut params = Map::new();
        params.insert("uri".into(), json!(uri));
        self.typed("resources/read", params, Some(uri.to_owned()))
            .await
    }

    /// Gets a prompt with `arguments` (an object of strings, or `()` for none).
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<GetPromptResult, ClientError> {
        let mut params = Map::new();
        params.insert("name".into(), json!(name));
        match serde_json::to_value(arguments) {
            Ok(Value::Null) => {}
            Ok(arguments @ Value::Object(_)) => {
                params.insert("arguments".into(), arguments);
            }
            Ok(other) => {
                return Err(ClientError::Protocol(format!(
                    "prompt arguments must be an object, not {other}"
                )));
            }
            Err(e) => {
                return Err(ClientError::Protocol(format!(
                    "cannot serialize the prompt arguments: {e}"
                )));
            }
        }
        self.typed("prompts/get", params, Some(name.to_owned()))
            .await
    }

    /// Suggestions for the value of `argument` of a prompt or resource template, given
    /// what was typed so far.
    pub async fn complete(
        &self,
        target: CompletionTarget,
        argument: &str,
        value: &str,
    ) -> Result<Completion, ClientError> {
        let reference = match target {
            CompletionTarget::Prompt(name) => json!({"type": "ref/prompt", "name": name}),
            CompletionTarget::Resource(uri) => json!({"type": "ref/resource", "uri": uri}),
        };
        let mut params = Map::new();
        params.insert("ref".into(), reference);
        params.insert("argument".into(), json!({"name": argument, "value": value}));
        let mut result = self.run("completion/complete", params, None).await?;
        let completion = result
            .get_mut("completion")
            .map(Value::take)
            .unwrap_or_default();
        serde_json::from_value(completion).map_err(|e| {
            ClientError::Protocol(format!(
                "completion/complete returned an unexpected result: {e}"
            ))
        })
    }

    /// Asks the server to send log messages of `level` and above: `logging/setLevel` in the
    /// handshake era; in 2026-07-28, where that method is gone, every later request
    /// carries the level in its `_meta` (servers send no log messages without it).
    pub async fn set_log_level(&self, level: crate::protocol::LogLevel) -> Result<(), ClientError> {
        if self.shared.stateless() {
            self.shared.set_log_level(level);
            return Ok(());
        }
        let mut params = Map::new();
        params.insert("level".into(), json!(level));
        self.run("logging/setLevel", params, None).await.map(drop)
    }

    /// Checks that the server answers: `ping` in the handshake era, `server/discover` in
    /// 2026-07-28 (which has no `ping`).
    pub async fn ping(&self) -> Result<(), ClientError> {
        let method = if self.shared.stateless() {
            "server/discover"
        } else {
            "ping"
        };
        self.run(method, Map::new(), None).await.map(drop)
    }

    /// Notifications that belong to no call: list changes, resource updates, log messages
    /// outside a call. On first use this opens the session's GET stream (HTTP, handshake
    /// era) or a `subscriptions/listen` request for tool, prompt and resource list changes
    /// (2026-07-28). Only what arrives after that is seen.
    pub fn notifications(&self) -> impl Stream<Item = ServerNotification> + Send + 'static {
        let mut receiver = self.shared.subscribe();
        self.shared.start_listening();
        async_stream::stream! {
            loop {
                match receiver.recv().await {
                    Ok(notification) => yield notification,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!("{missed} server notifications were dropped: read them faster");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    }

    /// Ends the connection: requests still waiting end with [`ClientError::Cancelled`],
    /// then the HTTP session is ended with `DELETE`, or the child's stdin is closed (and
    /// the child killed if it does not exit within 5 s). Affects every clone.
    pub async fn close(self) {
        self.shared.close();
        self.shared.transport.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_and_calls_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Client>();
        send_sync::<ClientError>();
        send::<ToolCall>();
        send::<ClientBuilder>();
    }
}
