//! The server: a builder for what it serves ([`Server`]), and the transport-free core that
//! answers each message (dispatch, sessions, tool calls).

pub(crate) mod admission;
mod bus;
mod call;
mod checks;
mod config;
mod engine;
mod envelope;
mod features;
mod inflight;
mod limits;
mod outcome;
pub(crate) mod peer;
pub(crate) mod store;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub(crate) use call::{CallStream, Outgoing};
pub use checks::ServerError;
pub(crate) use config::Config;
pub(crate) use engine::{Engine, Inbound, Link, Resolved};
pub(crate) use envelope::MirroredHeaders;
#[cfg(feature = "fuzzing")]
pub(crate) use envelope::validate as validate_envelope;
pub(crate) use outcome::{Outcome, Reason, Refusal};
pub(crate) use store::{EventId, Session, SessionRef, Unresumable};

use crate::auth::Auth;
use crate::prompt::PromptDef;
use crate::protocol::types::Implementation;
use crate::resource::{ResourceDef, ResourceTemplateDef};
use crate::settings::Settings;
use crate::tool::{StateMap, ToolDef};
use crate::transport::http::{HostPolicy, Surface as HttpSurface};
use features::surface::Surface;

/// The address [`serve`] binds when `MCP_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// The HTTP path of the MCP endpoint unless [`Server::path`] says otherwise.
pub const DEFAULT_PATH: &str = "/mcp";

/// Serves every `#[tool]` in this binary on `http://127.0.0.1:8000/mcp` (or `MCP_ADDR`)
/// until SIGINT (Ctrl-C) or SIGTERM, then drains calls in flight.
///
/// Run the binary with `--list-tools` to print the `tools/list` result instead, with
/// `--list` to print every tool, resource, resource template and prompt, or with `--stdio`
/// to serve one client on stdin and stdout (see [`serve_stdio`]).
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     mcp_runtime::serve().await
/// }
/// ```
pub async fn serve() -> io::Result<()> {
    Server::from_env(binary_name())
        .registered_tools()
        .registered_resources()
        .registered_prompts()
        .serve()
        .await
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
    Server::from_env(binary_name())
        .registered_tools()
        .registered_resources()
        .registered_prompts()
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
    config: Config,
    /// The operator's knobs (path, hosts, origins, limits, …).
    pub(crate) settings: Settings,
    /// Why the environment's settings could not be read: reported when serving.
    settings_error: Option<String>,
    /// Whether `MCP_*` and `--config` were read already (by `from_env`).
    env_loaded: bool,
    auth: Option<Auth>,
    states: StateMap,
    /// Resources, templates and prompts.
    surface: Surface,
    /// The first mistake in the description, returned when it is served (see `checks`).
    startup_error: Option<ServerError>,
    /// Connection and body limits (see `transport/http/config.rs`).
    pub(crate) http: crate::transport::http::HttpOptions,
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
            config: Config::default(),
            settings: Settings::default(),
            settings_error: None,
            env_loaded: false,
            auth: None,
            states: StateMap::default(),
            surface: Surface::default(),
            startup_error: None,
            http: Default::default(),
            #[cfg(feature = "redis")]
            redis: None,
        }
    }

    /// A server with this name and the operator's [`Settings`]: the TOML file of
    /// `--config FILE` on the command line, then the `MCP_*` environment variables, over
    /// the defaults. Builder calls after this override them. A bad value makes
    /// [`serve`](Self::serve) fail with a message naming the variable.
    ///
    /// ```no_run
    /// use mcp_runtime::{Auth, Server};
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// Server::from_env("notes")               // MCP_ADDR, MCP_ALLOWED_ORIGINS, …
    ///     .auth(Auth::bearer_tokens(["s3cret"]))
    ///     .metrics("/metrics")
    ///     .serve()
    ///     .await
    /// # }
    /// ```
    pub fn from_env(name: impl Into<String>) -> Self {
        let mut server = Self::new(name);
        server.load_env();
        server
    }

    fn load_env(&mut self) {
        if std::mem::replace(&mut self.env_loaded, true) {
            return;
        }
        if let Err(e) = self.settings.load_env() {
            self.settings_error = Some(e.to_string());
        }
    }

    /// Replaces every setting with `settings` (see [`Settings`] for each one's default).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The settings as they stand (builder calls and, after [`from_env`](Self::from_env),
    /// the environment).
    pub fn current_settings(&self) -> &Settings {
        &self.settings
    }

    /// Requires a valid access token on every request to the endpoint (`POST`, `GET`,
    /// `DELETE`; stdio is exempt), and publishes the RFC 9728 metadata; see [`Auth`].
    /// Without it, `MCP_AUTH_TOKENS` or `MCP_AUTH_ISSUER` turn auth on.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Serves Prometheus metrics at `path` (e.g. `/metrics`; `MCP_METRICS_PATH`); the
    /// metrics are listed in the crate's README. Needs the `metrics` feature (default).
    pub fn metrics(mut self, path: impl Into<String>) -> Self {
        self.settings.metrics_path = Some(path.into());
        self
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
        self.settings.path = path.into();
        self
    }

    /// Ends sessions unused for this long (default 30 minutes), freeing what they hold;
    /// a session with a call running or a `GET` stream open is in use.
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.settings.session_idle_timeout = timeout;
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
        self.settings.keep_alive = interval;
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
        self.settings.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Accepts requests from these browser origins (`https://app.example.com`; `*` for any)
    /// besides pages on an allowed host: the same list answers CORS preflights and lets
    /// their pages read `Mcp-Session-Id` and the other MCP response headers. Requests with
    /// another `Origin` header are refused with 403. Leaves the allowed hosts as they were.
    pub fn allowed_origins<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        origins: I,
    ) -> Self {
        self.settings.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Turns DNS rebinding protection off: any `Host`, any `Origin`. Only for servers behind
    /// a proxy that checks these itself.
    pub fn disable_dns_rebinding_protection(mut self) -> Self {
        self.settings.allowed_hosts = Some(vec!["*".to_owned()]);
        self.settings.allowed_origins = vec!["*".to_owned()];
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
        let Some(url) = self
            .settings
            .redis_url
            .clone()
            .or_else(|| std::env::var("MCP_REDIS_URL").ok())
        else {
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

    /// Whether the description can be served: the first mistake [`tool`](Self::tool)
    /// recorded, or a `State<T>` a tool takes that the server was not given.
    fn check(&self) -> Result<(), ServerError> {
        if let Some(error) = &self.startup_error {
            return Err(error.clone());
        }
        let surface = &self.surface;
        let needs = (self.tools.iter())
            .map(|t| (format!("tool `{}`", t.name), &t.required_states[..]))
            .chain(
                surface
                    .resources
                    .iter()
                    .map(|r| (format!("resource `{}`", r.uri), &r.info.required_states[..])),
            )
            .chain(surface.templates.iter().map(|t| {
                (
                    format!("resource template `{}`", t.uri_template),
                    &t.info.required_states[..],
                )
            }))
            .chain(
                surface
                    .prompts
                    .iter()
                    .map(|p| (format!("prompt `{}`", p.name), &p.required_states[..])),
            );
        checks::check_states(needs, &self.states)
    }

    /// Keeps `error` (the first one) for when the description is served.
    fn record(&mut self, result: Result<(), ServerError>) -> bool {
        match result {
            Ok(()) => true,
            Err(error) => {
                self.startup_error.get_or_insert(error);
                false
            }
        }
    }

    /// Adds a resource with a fixed URI (`resources/list`, `resources/read`). A second
    /// resource with the same URI is a start-up error, like a duplicate tool.
    pub fn resource(mut self, resource: ResourceDef) -> Self {
        let existing = self
            .surface
            .resources
            .iter()
            .map(|r| (r.uri.as_str(), r.info.defined_at));
        let check = checks::check_unique(
            "resource",
            existing,
            &resource.uri,
            resource.info.defined_at,
        );
        if self.record(check) {
            self.surface.resources.push(resource);
        }
        self
    }

    /// Adds a resource template (`resources/templates/list`; `resources/read` of a URI it
    /// matches). Templates are tried in the order they were added, after the fixed URIs.
    pub fn resource_template(mut self, template: ResourceTemplateDef) -> Self {
        let existing =
            (self.surface.templates.iter()).map(|t| (t.uri_template.as_str(), t.info.defined_at));
        let key = template.uri_template.as_str().to_owned();
        let check = checks::check_unique(
            "resource template",
            existing,
            &key,
            template.info.defined_at,
        );
        if self.record(check) {
            self.surface.templates.push(template);
        }
        self
    }

    /// Adds a prompt (`prompts/list`, `prompts/get`).
    pub fn prompt(mut self, prompt: PromptDef) -> Self {
        let existing = self
            .surface
            .prompts
            .iter()
            .map(|p| (p.name.as_str(), p.defined_at));
        let check = checks::check_unique("prompt", existing, &prompt.name, prompt.defined_at);
        if self.record(check) {
            self.surface.prompts.push(prompt);
        }
        self
    }

    /// Adds every `#[resource]` linked into this binary.
    pub fn registered_resources(self) -> Self {
        let with_resources = crate::resource::resources()
            .into_iter()
            .fold(self, Server::resource);
        crate::resource::resource_templates()
            .into_iter()
            .fold(with_resources, Server::resource_template)
    }

    /// Adds every `#[prompt]` linked into this binary.
    pub fn registered_prompts(self) -> Self {
        crate::prompt::prompts()
            .into_iter()
            .fold(self, Server::prompt)
    }

    /// Adds a tool.
    ///
    /// A tool whose name is taken, breaks the spec's rule (1–128 characters of
    /// `A-Za-z0-9_.-`), or has an invalid `x-mcp-header` annotation is not added: the mistake
    /// is kept and returned by [`serve`](Self::serve), [`serve_on`](Self::serve_on),
    /// [`serve_stdio`](Self::serve_stdio) and [`try_router`](Self::try_router) as a
    /// [`ServerError`] naming the definitions involved.
    pub fn tool(mut self, tool: ToolDef) -> Self {
        let check = checks::check_tool(&self.tools, &tool);
        if self.record(check) {
            self.tools.push(tool);
        }
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

    /// Everything this server serves, pretty-printed as the list methods show it:
    /// `{"tools": [...], "resources": [...], "resourceTemplates": [...], "prompts": [...]}`
    /// (empty lists other than `tools` left out).
    pub fn listing_json(&self) -> String {
        let listing = self.surface.listing(&self.tools);
        serde_json::to_string_pretty(&listing).unwrap_or_else(|_| listing.to_string())
    }

    /// The MCP endpoint as an [`axum::Router`], to serve or to merge with your own routes.
    ///
    /// # Panics
    /// With the [`ServerError`]'s message if the description has a mistake: two tools with
    /// one name, an invalid tool name or header annotation, a `State<T>` a tool takes that
    /// the server was not given (see [`state`](Self::state)). Caught when the router is
    /// built, never at call time; [`try_router`](Self::try_router) returns it instead.
    pub fn router(self) -> axum::Router {
        self.router_with_handle().0
    }

    /// The MCP endpoint as an [`axum::Router`], or the mistake that keeps the description
    /// from being served.
    ///
    /// ```
    /// use mcp_runtime::{CallToolResult, Server, ServerError, ToolDef};
    ///
    /// let echo = || ToolDef::new("echo", serde_json::json!({"type": "object"}), |_| async {
    ///     CallToolResult::text("hi")
    /// });
    /// let error = Server::new("twice").tool(echo()).tool(echo()).try_router().unwrap_err();
    /// assert!(matches!(error, ServerError::DuplicateTool { .. }));
    /// ```
    pub fn try_router(self) -> Result<axum::Router, ServerError> {
        self.check()?;
        Ok(self.router())
    }

    /// The router, and a handle to change the running server (add or remove tools).
    ///
    /// # Panics
    /// Like [`router`](Self::router).
    pub fn router_with_handle(self) -> (axum::Router, ServerHandle) {
        self.build(None).unwrap_or_else(|why| panic!("{why}"))
    }

    /// The router for a server bound to `bound` (`None`: not bound by us).
    fn build(mut self, bound: Option<SocketAddr>) -> Result<(axum::Router, ServerHandle), String> {
        if let Some(why) = self.settings_error.take() {
            return Err(why);
        }
        self.settings.validate().map_err(|e| e.to_string())?;
        self.check().map_err(|e| e.to_string())?;
        let auth = match self.auth.take() {
            Some(auth) => Some(auth),
            None => Auth::from_settings(&self.settings).map_err(|e| e.to_string())?,
        };
        if let Some(auth) = &auth {
            auth.check()?;
        }
        let settings = &self.settings;
        let surface_scopes = (self
            .surface
            .resources
            .iter()
            .map(|r| &r.info.required_scopes))
        .chain(
            self.surface
                .templates
                .iter()
                .map(|t| &t.info.required_scopes),
        )
        .chain(self.surface.prompts.iter().map(|p| &p.required_scopes));
        let mut scopes: Vec<String> = (self.tools.iter().map(|t| &t.required_scopes))
            .chain(surface_scopes)
            .flatten()
            .cloned()
            .collect();
        scopes.sort();
        scopes.dedup();
        let surface = HttpSurface {
            path: settings.path.clone(),
            hosts: HostPolicy::new(
                settings.allowed_hosts.as_deref(),
                &settings.allowed_origins,
                bound,
            ),
            auth: auth.map(|a| a.shared()),
            scopes,
            http: self.http_options(),
            #[cfg(feature = "metrics")]
            metrics: match &settings.metrics_path {
                Some(path) => Some((path.clone(), crate::observe::install_prometheus()?)),
                None => None,
            },
        };
        #[cfg(not(feature = "metrics"))]
        if settings.metrics_path.is_some() {
            return Err("a metrics path is set (MCP_METRICS_PATH or Server::metrics), but mcp-runtime was built without its `metrics` feature".to_owned());
        }
        let engine = self.engine();
        let handle = ServerHandle {
            engine: engine.clone(),
        };
        Ok((crate::transport::http::router(engine, surface), handle))
    }

    /// The HTTP limits: the settings' (builder, file, environment) where they name one,
    /// the transport's own for the rest.
    fn http_options(&self) -> crate::transport::http::HttpOptions {
        let mut http = self.http.clone();
        let settings = &self.settings;
        http.limits.header_timeout = settings.header_timeout;
        http.limits.max_connections = settings.max_connections;
        http.limits.body_limit = settings.body_limit;
        http.limits.drain_timeout = settings.drain_timeout;
        http
    }

    /// The engine, once the start-up checks pass.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn try_engine(self) -> Result<Arc<Engine>, ServerError> {
        self.check()?;
        Ok(self.engine())
    }

    /// The transport-free engine serving this description.
    pub(crate) fn engine(mut self) -> Arc<Engine> {
        // The settings the engine enforces (the HTTP surface reads the rest).
        let settings = &self.settings;
        self.config.keep_alive = settings.keep_alive;
        self.config.session_idle_timeout = settings.session_idle_timeout;
        self.config.max_sessions = settings.max_sessions;
        self.config.max_concurrent_calls = settings.max_concurrent_calls;
        self.config.max_sessions_per_client = settings.max_sessions_per_client;
        self.config.trusted_proxies = settings.trusted_proxies.clone();
        self.config.max_calls_per_session = settings.max_calls_per_session;
        self.config.call_queue = settings.call_queue;
        self.config.call_queue_timeout = settings.call_queue_timeout;
        self.config.call_timeout = settings.call_timeout;
        if !settings.mrtr_keys.is_empty() {
            // Checked by `Settings::validate`: at least one, each 16 bytes or more.
            self.config.peer.sealing.keys =
                peer::seal::KeyRing::from_secrets(settings.mrtr_keys.iter().map(String::as_bytes));
        }
        self.config.body_limit = settings.body_limit;
        #[cfg(feature = "redis")]
        let store = self.redis.as_ref().map(|redis| redis.open(&self.config));
        #[cfg(not(feature = "redis"))]
        let store = None;
        let engine = Arc::new_cyclic(|me| {
            Engine::new(
                self.info,
                self.instructions,
                self.tools,
                self.surface,
                self.states,
                self.config,
                me.clone(),
            )
            .with_store(store)
        });
        engine.start_session_sweeper();
        engine
    }

    /// Serves on `MCP_ADDR` (default `127.0.0.1:8000`) until SIGINT or SIGTERM. On the command line,
    /// `--list-tools` prints the `tools/list` result and returns instead, `--list` prints
    /// everything served ([`listing_json`](Self::listing_json)), and `--stdio` serves on
    /// stdin and stdout ([`serve_stdio`](Self::serve_stdio)).
    ///
    /// Unless [`from_env`](Self::from_env) did, it reads the `MCP_*` variables and
    /// `--config FILE` first: what they set overrides the builder. `MCP_LOG` sets up logging
    /// to stderr unless the program installed a `tracing` subscriber.
    pub async fn serve(mut self) -> io::Result<()> {
        let flag = |name: &str| std::env::args().skip(1).any(|a| a == name);
        if flag("--list-tools") {
            println!("{}", self.tools_list_json());
            return Ok(());
        }
        if flag("--list") {
            println!("{}", self.listing_json());
            return Ok(());
        }
        self.load_env();
        if let Some(why) = &self.settings_error {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why.clone()));
        }
        crate::observe::init_logging(&self.settings.log)
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        if flag("--stdio") {
            return self.serve_stdio().await;
        }
        let this = self.store_from_env();
        let addr = this.settings.addr.clone();
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
        self.check()?;
        let engine = self.engine();
        crate::transport::stdio::serve(engine, tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves on an already bound listener (tests bind `127.0.0.1:0`) until SIGINT or
    /// SIGTERM: then it stops accepting, ends `GET` streams, and lets calls in flight finish
    /// for up to the drain timeout ([`HttpLimits`](crate::HttpLimits)); a second signal
    /// stops it at once.
    ///
    /// Bound to a public address with no [`allowed_hosts`](Self::allowed_hosts) set, any
    /// `Host` is accepted (the server cannot know its public names) but browser origins
    /// still need [`allowed_origins`](Self::allowed_origins).
    pub async fn serve_on(self, listener: tokio::net::TcpListener) -> io::Result<()> {
        let signals = crate::transport::http::Shutdown::signals();
        self.serve_listener(listener, signals).await
    }

    /// [`serve_on`](Self::serve_on), stopping when `shutdown` says so.
    pub(crate) async fn serve_listener(
        self,
        listener: tokio::net::TcpListener,
        shutdown: crate::transport::http::Shutdown,
    ) -> io::Result<()> {
        let local: SocketAddr = listener.local_addr()?;
        let path = self.settings.path.clone();
        let limits = self.http_options().limits;
        let tools = self.tools.len();
        let (router, handle) = self
            .build(Some(local))
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let plural = if tools == 1 { "" } else { "s" };
        println!("MCP server listening on http://{local}{path} ({tools} tool{plural})");
        crate::transport::http::serve(listener, router, handle, limits, shutdown).await
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

    /// Tells the clients subscribed to the resource `uri` that it changed
    /// (`notifications/resources/updated`: on their `GET` stream in the handshake era, on
    /// `subscriptions/listen` streams that name it in 2026-07-28).
    ///
    /// ```
    /// use mcp_runtime::{Context, tool};
    ///
    /// /// Save the note and tell whoever watches it.
    /// #[tool]
    /// async fn save_note(ctx: Context, id: String, text: String) -> String {
    ///     let _ = text; // … store it …
    ///     if let Some(server) = ctx.server() {
    ///         server.resource_updated(format!("notes://{id}"));
    ///     }
    ///     "saved".into()
    /// }
    /// ```
    pub fn resource_updated(&self, uri: impl Into<String>) {
        self.engine
            .announce(bus::Change::ResourceUpdated(uri.into()));
    }

    /// Adds a resource (replacing one with the same URI) and tells clients the list
    /// changed; `false` (nothing done) on a server built without resources or templates,
    /// whose capabilities did not offer them.
    pub fn add_resource(&self, resource: ResourceDef) -> bool {
        self.change::<features::resources::Resources>(|resources| {
            resources.update(|all| {
                all.retain(|r| r.uri != resource.uri);
                all.push(resource);
            })
        })
    }

    /// Removes the resource with this URI; `false` if there was none.
    pub fn remove_resource(&self, uri: &str) -> bool {
        let mut removed = false;
        self.change::<features::resources::Resources>(|resources| {
            resources.update(|all| {
                let before = all.len();
                all.retain(|r| r.uri != uri);
                removed = all.len() != before;
            })
        }) && removed
    }

    /// Adds a resource template (replacing one with the same name); `false` on a server
    /// built without resources or templates.
    pub fn add_resource_template(&self, template: ResourceTemplateDef) -> bool {
        self.change::<features::resources::Resources>(|resources| {
            resources.update_templates(|all| {
                all.retain(|t| t.info.name != template.info.name);
                all.push(template);
            })
        })
    }

    /// Adds a prompt (replacing one with the same name) and tells clients the list
    /// changed; `false` on a server built without prompts.
    pub fn add_prompt(&self, prompt: PromptDef) -> bool {
        self.change::<features::prompts::Prompts>(|prompts| {
            prompts.update(|all| {
                all.retain(|p| p.name != prompt.name);
                all.push(prompt);
            })
        })
    }

    /// Removes the prompt with this name; `false` if there was none.
    pub fn remove_prompt(&self, name: &str) -> bool {
        let mut removed = false;
        self.change::<features::prompts::Prompts>(|prompts| {
            prompts.update(|all| {
                let before = all.len();
                all.retain(|p| p.name != name);
                removed = all.len() != before;
            })
        }) && removed
    }

    /// Applies a change to feature `F` and announces it; `false` if the server lacks `F`.
    fn change<F: features::Feature>(&self, apply: impl FnOnce(&F) -> bus::Change) -> bool {
        match self.engine.feature::<F>() {
            Some(feature) => {
                let change = apply(feature);
                self.engine.announce(change);
                true
            }
            None => false,
        }
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
