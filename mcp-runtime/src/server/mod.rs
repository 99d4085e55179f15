//! The server: a builder for what it serves ([`Server`]), and the transport-free core that
//! answers each message (dispatch, sessions, tool calls).

mod call;
mod dispatch;
mod session;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;

pub(crate) use call::{CallStream, Outgoing};
pub(crate) use dispatch::{Dispatched, Dispatcher};
pub(crate) use session::Session;

use crate::protocol::types::Implementation;
use crate::tool::ToolDef;

/// The address [`serve`] binds when `MCP_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// The HTTP path of the MCP endpoint unless [`Server::path`] says otherwise.
pub const DEFAULT_PATH: &str = "/mcp";

/// Serves every `#[tool]` in this binary on `http://127.0.0.1:8000/mcp` (or `MCP_ADDR`)
/// until Ctrl-C.
///
/// Run the binary with `--list-tools` to print the `tools/list` result instead.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     mcp_runtime::serve().await
/// }
/// ```
pub async fn serve() -> io::Result<()> {
    Server::new(binary_name()).registered_tools().serve().await
}

fn binary_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "mcp-server".to_owned())
}

/// Describes an MCP server: who it is and which tools it serves.
///
/// ```no_run
/// use mcp_runtime::{Server, tool};
///
/// /// Add two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> String {
///     (a + b).to_string()
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// // Serve on its own...
/// Server::new("calculator").tool(add_tool()).serve().await?;
///
/// // ...or mount next to your own routes.
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(Server::new("calculator").tool(add_tool()).router());
/// # let _ = app; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Server {
    info: Implementation,
    instructions: Option<String>,
    tools: Vec<ToolDef>,
    path: String,
}

impl Server {
    /// A server with this name (sent as `serverInfo.name`) and no tools yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            info: Implementation {
                name: name.into(),
                version: "0.1.0".into(),
                title: None,
            },
            instructions: None,
            tools: Vec::new(),
            path: DEFAULT_PATH.to_owned(),
        }
    }

    /// Sets `serverInfo.version`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.info.version = version.into();
        self
    }

    /// Sets `serverInfo.title`, a display name.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Sets the `instructions` sent to the client on `initialize`.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets the HTTP path of the endpoint (default `/mcp`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Adds a tool.
    ///
    /// # Panics
    /// If a tool with the same name is already added, or the name breaks the spec's rule
    /// (1–128 characters of `A-Za-z0-9_.-`): both are mistakes to catch at start-up.
    pub fn tool(mut self, tool: ToolDef) -> Self {
        assert!(
            crate::tool::is_valid_tool_name(&tool.name),
            "invalid tool name `{}`: use 1-128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`",
            tool.name
        );
        assert!(
            !self.tools.iter().any(|t| t.name == tool.name),
            "two tools are named `{}`: tool names must be unique",
            tool.name
        );
        self.tools.push(tool);
        self
    }

    /// Adds every `#[tool]` linked into this binary.
    pub fn registered_tools(self) -> Self {
        crate::tools().into_iter().fold(self, Server::tool)
    }

    /// The tools this server serves.
    pub fn tools(&self) -> &[ToolDef] {
        &self.tools
    }

    /// The `tools/list` result this server answers, pretty-printed.
    pub fn tools_list_json(&self) -> String {
        let raw = dispatch::tools_list_result(&self.tools);
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(value) => {
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| raw.get().to_owned())
            }
            Err(_) => raw.get().to_owned(),
        }
    }

    /// The MCP endpoint as an [`axum::Router`], to serve or to merge with your own routes.
    pub fn router(self) -> axum::Router {
        let path = self.path.clone();
        crate::transport::http::router(&path, Arc::new(self.into_dispatcher()))
    }

    /// Serves on `MCP_ADDR` (default `127.0.0.1:8000`) until Ctrl-C. With `--list-tools` on
    /// the command line it prints the `tools/list` result and returns instead.
    pub async fn serve(self) -> io::Result<()> {
        if std::env::args().skip(1).any(|a| a == "--list-tools") {
            println!("{}", self.tools_list_json());
            return Ok(());
        }
        let addr = std::env::var("MCP_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
        self.serve_on(listener).await
    }

    /// Serves on an already bound listener until Ctrl-C (tests bind `127.0.0.1:0`).
    pub async fn serve_on(self, listener: tokio::net::TcpListener) -> io::Result<()> {
        let local: SocketAddr = listener.local_addr()?;
        let path = self.path.clone();
        let dispatcher = Arc::new(self.into_dispatcher());
        println!(
            "MCP server listening on http://{local}{path} ({} tool{})",
            dispatcher.tool_count(),
            if dispatcher.tool_count() == 1 {
                ""
            } else {
                "s"
            }
        );
        crate::transport::http::serve(listener, crate::transport::http::router(&path, dispatcher))
            .await
    }

    fn into_dispatcher(self) -> Dispatcher {
        Dispatcher::new(self.info, self.instructions, self.tools)
    }
}
