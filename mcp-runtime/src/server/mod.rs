//! The server: a builder for what it serves ([`Server`]), and the transport-free core that
//! answers each message (dispatch, sessions, tool calls).

mod bus;
mod call;
mod config;
mod engine;
mod envelope;
mod features;
mod inflight;
mod outcome;
pub(crate) mod store;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub(crate) use call::{CallStream, Outgoing};
pub(crate) use config::Config;
pub(crate) use engine::{Engine, Inbound, Link};
pub(crate) use envelope::MirroredHeaders;
pub(crate) use outcome::{Outcome, Reason};
pub(crate) use store::{EventId, Session, SessionRef, Unresumable};

use crate::protocol::types::Implementation;
use crate::tool::{StateMap, ToolDef};
use crate::transport::http::HostPolicy;

/// The address [`serve`] binds when `MCP_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// The HTTP path of the MCP endpoint unless [`Server::path`] says otherwise.
pub const DEFAULT_PATH: &str = "/mcp";

/// Serves every `#[tool]` in this binary on `http://127.0.0.1:8000/mcp` (or `MCP_ADDR`)
/// until Ctrl-C.
///
/// Run the binary with `--list-tools` to print the `tools/list` result instead, or with
/// `--stdio` to serve one client on stdin and stdout (see [`serve_stdio`]).
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

/// Serves every `#[tool]` in this binary to one client on stdin and stdout
/// (newline-delimited JSON-RPC), until stdin ends: for clients that launch the server as a
/// subprocess. Log with `tracing` to stderr; stdout carries only protocol messages.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     mcp_runtime::serve_stdio().await
/// }
/// ```
pub async fn serve_stdio() -> io::Result<()> {
    Server::new(binary_name())
        .registered_tools()
        .serve_stdio()
        .await
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
    config: Config,
    /// `None` until configured: loopback only, relaxed by `serve_on` for public addresses.
    hosts: Option<HostPolicy>,
    states: StateMap,
    /// A store shared by replicas; `None`: in this process.
    #[cfg(feature = "redis")]
    redis: Option<store::redis::RedisStore>,
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
            config: Config::default(),
            hosts: None,
            states: StateMap::default(),
            #[cfg(feature = "redis")]
            redis: None,
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

    /// Ends sessions unused for this long (default 30 minutes), freeing what they hold;
    /// a session with a call running or a `GET` stream open is in use.
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.session_idle_timeout = timeout;
        self
    }

    /// Ends sessions whose client has not completed the handshake
    /// (`notifications/initialized`) within this time (default 60 seconds).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.handshake_timeout = timeout;
        self
    }

    /// How often idle SSE streams carry a keep-alive comment, and how long a silent call
    /// may run before its reply switches to SSE to keep proxies from timing out
    /// (default 15 seconds).
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.config.keep_alive = interval;
        self
    }

    /// How many events of each SSE stream are kept for resumption with `Last-Event-ID`
    /// (default 256), and how many finished streams per session (default 16).
    pub fn replay_buffer(mut self, events_per_stream: usize, streams_per_session: usize) -> Self {
        self.config.replay_events = events_per_stream.max(1);
        self.config.replay_streams = streams_per_session.max(1);
        self
    }

    /// The `retry` delay announced to 2025-11-25 clients on each SSE stream: how long they
    /// wait before reconnecting to a closed stream (default 1 second).
    pub fn sse_retry(mut self, delay: Duration) -> Self {
        self.config.sse_retry = delay;
        self
    }

    /// Whether `GET` opens a stream for server-initiated messages (default `true`; with
    /// `false`, `GET` is answered 405).
    pub fn standalone_stream(mut self, enabled: bool) -> Self {
        self.config.standalone_stream = enabled;
        self
    }

    /// Tools per `tools/list` page (default 100).
    pub fn page_size(mut self, tools_per_page: usize) -> Self {
        self.config.page_size = tools_per_page.max(1);
        self
    }

    /// Accepts requests whose `Host` header names one of these hosts (`name` for any port,
    /// `name:port` for one), instead of the default: loopback names only when the server is
    /// bound to a loopback address, any host otherwise. Requests with another `Host` are
    /// refused with 403 (DNS rebinding protection).
    pub fn allowed_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        let policy = self.hosts.get_or_insert_with(HostPolicy::default);
        policy.hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Accepts requests from these browser origins (`https://app.example.com`) besides pages
    /// on an allowed host. Requests with another `Origin` header are refused with 403.
    pub fn allowed_origins<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        origins: I,
    ) -> Self {
        let policy = self.hosts.get_or_insert_with(HostPolicy::default);
        policy.origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Turns DNS rebinding protection off: any `Host`, any `Origin`. Only for servers behind
    /// a proxy that checks these itself.
    pub fn disable_dns_rebinding_protection(mut self) -> Self {
        self.hosts = Some(HostPolicy {
            hosts: None,
            origins: None,
        });
        self
    }

    /// Keeps sessions, their SSE streams and announcements in Redis, so that replicas of
    /// this server behind a plain load balancer serve every session alike (feature
    /// `redis`). The default keeps them in this process. [`serve`](Self::serve) picks
    /// Redis by itself when `MCP_REDIS_URL` is set.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// use mcp_runtime::{RedisStore, Server};
    /// Server::new("notes")
    ///     .store(RedisStore::new("redis://127.0.0.1:6379"))
    ///     .serve()
    ///     .await
    /// # }
    /// ```
    #[cfg(feature = "redis")]
    pub fn store(mut self, store: crate::RedisStore) -> Self {
        self.redis = Some(store);
        self
    }

    /// `MCP_REDIS_URL` (and `MCP_REDIS_PREFIX`) choose the Redis store unless the builder
    /// chose a store already.
    fn store_from_env(self) -> Self {
        let Ok(url) = std::env::var("MCP_REDIS_URL") else {
            return self;
        };
        #[cfg(feature = "redis")]
        {
            if self.redis.is_some() {
                return self;
            }
            let mut store = crate::RedisStore::new(url);
            if let Ok(prefix) = std::env::var("MCP_REDIS_PREFIX") {
                store = store.prefix(prefix);
            }
            if let Some(ms) = std::env::var("MCP_REDIS_LEASE_MS")
                .ok()
                .and_then(|ms| ms.parse().ok())
            {
                store = store.lease(Duration::from_millis(ms));
            }
            self.store(store)
        }
        #[cfg(not(feature = "redis"))]
        {
            tracing::warn!(
                "MCP_REDIS_URL is set ({url}) but this binary was built without the `redis` feature of mcp-runtime: sessions stay in this process"
            );
            self
        }
    }

    /// Makes `value` available to every tool that takes a `State<T>` parameter (one value
    /// per type; a second call for the same type replaces the first).
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.insert(value);
        self
    }

    /// Every `State<T>` a tool takes must be provided: a missing one is a start-up error
    /// that names the tool and the type.
    fn check_states(&self) -> Result<(), String> {
        for tool in &self.tools {
            for needed in &tool.required_states {
                if !self.states.contains(needed) {
                    return Err(format!(
                        "tool `{}` takes State<{}>, but the server has none: add it with `Server::state(...)`",
                        tool.name, needed.type_name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds a tool.
    ///
    /// # Panics
    /// If a tool with the same name is already added, the name breaks the spec's rule
    /// (1–128 characters of `A-Za-z0-9_.-`), or an `x-mcp-header` annotation is invalid
    /// (not on a string, integer or boolean; a duplicate name): mistakes to catch at start-up.
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
        if let Err(why) = envelope::check_header_annotations(&tool.input_schema) {
            panic!("tool `{}`: {why}", tool.name);
        }
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

    /// The `tools/list` result for all tools (unpaginated), pretty-printed.
    pub fn tools_list_json(&self) -> String {
        let raw = features::tool_set::list_result(&self.tools, None);
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(value) => {
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| raw.get().to_owned())
            }
            Err(_) => raw.get().to_owned(),
        }
    }

    /// The MCP endpoint as an [`axum::Router`], to serve or to merge with your own routes.
    ///
    /// # Panics
    /// If a tool takes a `State<T>` the server was not given (see [`state`](Self::state)):
    /// caught when the router is built, never at call time. [`serve`](Self::serve) returns
    /// this as an error instead.
    pub fn router(self) -> axum::Router {
        self.router_with_handle().0
    }

    /// The router, and a handle to change the running server (add or remove tools).
    pub fn router_with_handle(mut self) -> (axum::Router, ServerHandle) {
        let hosts = self.hosts.take().unwrap_or_default();
        self.build(hosts)
    }

    fn build(self, hosts: HostPolicy) -> (axum::Router, ServerHandle) {
        let path = self.path.clone();
        if let Err(why) = self.check_states() {
            panic!("{why}");
        }
        let engine = self.engine();
        let handle = ServerHandle {
            engine: engine.clone(),
        };
        (crate::transport::http::router(&path, engine, hosts), handle)
    }

    /// The transport-free engine serving this description.
    pub(crate) fn engine(self) -> Arc<Engine> {
        #[cfg(feature = "redis")]
        let store = self.redis.as_ref().map(|redis| redis.open(&self.config));
        #[cfg(not(feature = "redis"))]
        let store = None;
        let engine = Arc::new_cyclic(|me| {
            Engine::new(
                self.info,
                self.instructions,
                self.tools,
                self.states,
                self.config,
                me.clone(),
            )
            .with_store(store)
        });
        engine.start_session_sweeper();
        engine
    }

    /// Serves on `MCP_ADDR` (default `127.0.0.1:8000`) until Ctrl-C. On the command line,
    /// `--list-tools` prints the `tools/list` result and returns instead, and `--stdio`
    /// serves on stdin and stdout ([`serve_stdio`](Self::serve_stdio)).
    pub async fn serve(self) -> io::Result<()> {
        let flag = |name: &str| std::env::args().skip(1).any(|a| a == name);
        if flag("--list-tools") {
            println!("{}", self.tools_list_json());
            return Ok(());
        }
        if flag("--stdio") {
            return self.serve_stdio().await;
        }
        let this = self.store_from_env();
        let addr = std::env::var("MCP_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
        this.serve_on(listener).await
    }

    /// Serves one client on stdin and stdout (newline-delimited JSON-RPC) until stdin ends.
    /// Nothing but protocol messages is written to stdout.
    pub async fn serve_stdio(#[allow(unused_mut)] mut self) -> io::Result<()> {
        // One client, one connection: its session lives with the connection, here.
        #[cfg(feature = "redis")]
        {
            self.redis = None;
        }
        self.check_states()
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let engine = self.engine();
        crate::transport::stdio::serve(engine, tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves on an already bound listener until Ctrl-C (tests bind `127.0.0.1:0`).
    ///
    /// Bound to a public address with no [`allowed_hosts`](Self::allowed_hosts) set, any
    /// `Host` is accepted (the server cannot know its public names) but browser origins
    /// still need [`allowed_origins`](Self::allowed_origins).
    pub async fn serve_on(mut self, listener: tokio::net::TcpListener) -> io::Result<()> {
        self.check_states()
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let local: SocketAddr = listener.local_addr()?;
        let hosts = match self.hosts.take() {
            Some(configured) => configured,
            None if local.ip().is_loopback() => HostPolicy::default(),
            None => HostPolicy {
                hosts: None,
                origins: Some(Vec::new()),
            },
        };
        let path = self.path.clone();
        let tools = self.tools.len();
        let (router, handle) = self.build(hosts);
        let plural = if tools == 1 { "" } else { "s" };
        println!("MCP server listening on http://{local}{path} ({tools} tool{plural})");
        crate::transport::http::serve(listener, router, handle).await
    }
}

/// A handle to a running server: change its tools while it serves.
///
/// Every change sends `notifications/tools/list_changed` to every session (on its `GET`
/// stream, or kept for it until the client opens or resumes one).
#[derive(Clone)]
pub struct ServerHandle {
    engine: Arc<Engine>,
}

impl ServerHandle {
    pub(crate) fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }

    /// Begins a graceful shutdown: `GET` streams and subscriptions end (they would keep
    /// connections open for ever), calls in flight run to their end. [`Server::serve`] does
    /// this on Ctrl-C; call it from your own shutdown signal when you serve
    /// [`Server::router`] yourself with `axum::serve(..).with_graceful_shutdown(..)`.
    pub fn shutdown(&self) {
        self.engine.begin_shutdown();
    }

    /// Adds a tool (replacing one with the same name).
    pub fn add_tool(&self, tool: ToolDef) {
        let change = self.engine.tools().update(|tools| {
            tools.retain(|t| t.name != tool.name);
            tools.push(tool);
        });
        self.engine.announce(change);
    }

    /// Removes a tool; `false` if there was none by that name.
    pub fn remove_tool(&self, name: &str) -> bool {
        let mut removed = false;
        let change = self.engine.tools().update(|tools| {
            let before = tools.len();
            tools.retain(|t| t.name != name);
            removed = tools.len() != before;
        });
        if removed {
            self.engine.announce(change);
        }
        removed
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.engine.store.len()
    }

    /// Ends sessions that have been idle too long now, instead of at the next background
    /// sweep.
    pub fn expire_idle_sessions(&self) {
        self.engine.store.sweep();
    }
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("tools", &self.engine.tools().len())
            .finish()
    }
}
