//! The server: the description a user builds ([`Server`]), and the transport-free core that
//! answers each message (dispatch, sessions, tool calls). Serving it (listeners, the HTTP
//! surface, stdio, signals, the environment) is the launcher's business, one layer up; what
//! that layer and auth add to a description (its auth, the user's own routes, the body
//! budget) the description carries in a typed bag without naming their types
//! (`attachments`), and their builder calls live beside those types.

pub(crate) mod admission;
mod attachments;
mod bus;
mod call;
mod checks;
mod config;
mod engine;
mod envelope;
mod extensions;
mod features;
mod handle;
mod inflight;
mod limits;
mod lists;
mod outcome;
pub(crate) mod peer;
pub(crate) mod store;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub(crate) use attachments::Attachments;
pub(crate) use call::{CallStream, Outgoing};
pub use checks::ServerError;
pub(crate) use config::Config;
pub(crate) use engine::{Engine, Inbound, Link};
#[cfg(feature = "fuzzing")]
pub(crate) use envelope::validate as validate_envelope;
pub(crate) use envelope::{META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION, MirroredHeaders};
pub use handle::ServerHandle;
pub(crate) use outcome::{Outcome, Reason, Refusal};
pub(crate) use store::{EventId, Session, SessionRef, Unresumable};

use crate::prompt::PromptDef;
use crate::protocol::types::Implementation;
use crate::resource::{ResourceDef, ResourceTemplateDef};
use crate::settings::Settings;
use crate::tool::{StateMap, ToolDef};
use features::surface::Surface;

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
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    pub(crate) tools: Vec<ToolDef>,
    /// The operator's knobs (path, hosts, origins, limits, …).
    pub(crate) settings: Settings,
    /// Why the environment's settings could not be read: reported when serving.
    pub(crate) settings_error: Option<String>,
    /// Whether `MCP_*` and `--config` were read already (by `from_env`).
    pub(crate) env_loaded: bool,
    pub(crate) states: StateMap,
    /// Resources, templates and prompts.
    pub(crate) surface: Surface,
    /// The first mistake in the description, returned when it is served (see `checks`).
    pub(crate) startup_error: Option<ServerError>,
    /// A store shared by replicas; `None`: in this process.
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<store::redis::RedisStore>,
    /// What the layers above keep in the description, in types the core does not name:
    /// the auth, the user's own routes, the body budget its routers share.
    pub(crate) attachments: Attachments,
    /// Where the plain-HTTP tool interface is mounted (see [`rest`](Self::rest)).
    pub(crate) rest: Option<String>,
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
            settings: Settings::default(),
            settings_error: None,
            env_loaded: false,
            states: StateMap::default(),
            surface: Surface::default(),
            startup_error: None,
            #[cfg(feature = "redis")]
            redis: None,
            attachments: Attachments::default(),
            rest: None,
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
        self.settings.handshake_timeout = timeout;
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
        self.settings.replay_events = events_per_stream.max(1);
        self.settings.replay_streams = streams_per_session.max(1);
        self
    }

    /// The `retry` delay announced to 2025-11-25 clients on each SSE stream: how long they
    /// wait before reconnecting to a closed stream (default 1 second).
    pub fn sse_retry(mut self, delay: Duration) -> Self {
        self.settings.sse_retry = delay;
        self
    }

    /// Whether `GET` opens a stream for server-initiated messages (default `true`; with
    /// `false`, `GET` is answered 405).
    pub fn standalone_stream(mut self, enabled: bool) -> Self {
        self.settings.standalone_stream = enabled;
        self
    }

    /// Tools per `tools/list` page (default 100).
    pub fn page_size(mut self, tools_per_page: usize) -> Self {
        self.settings.page_size = tools_per_page.max(1);
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
    /// use mcp_runtime::Server;
    /// use mcp_runtime::store::RedisStore;
    /// Server::new("notes")
    ///     .store(RedisStore::new("redis://127.0.0.1:6379"))
    ///     .serve()
    ///     .await
    /// # }
    /// ```
    #[cfg(feature = "redis")]
    pub fn store(mut self, store: store::redis::RedisStore) -> Self {
        self.redis = Some(store);
        self
    }

    /// Makes `value` available to every tool that takes a `State<T>` parameter (one value
    /// per type; a second call for the same type replaces the first).
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.insert(value);
        self
    }

    /// Whether the description can be served: the first mistake [`tool`](Self::tool)
    /// recorded, or a `State<T>` a tool takes that the server was not given.
    pub(crate) fn check(&mut self) -> Result<(), ServerError> {
        if let Some(error) = &self.startup_error {
            return Err(error.clone());
        }
        self.load_skills_dir()?;
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
        crate::tool::tools().into_iter().fold(self, Server::tool)
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

    /// The engine, once the start-up checks pass.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn try_engine(mut self) -> Result<Arc<Engine>, ServerError> {
        self.check()?;
        Ok(self.engine())
    }

    /// The transport-free engine serving this description.
    pub(crate) fn engine(self) -> Arc<Engine> {
        let config = Config::from_settings(&self.settings);
        #[cfg(feature = "redis")]
        let store = self.redis.as_ref().map(|redis| redis.open(&config));
        #[cfg(not(feature = "redis"))]
        let store = None;
        let engine = Arc::new_cyclic(|me| {
            Engine::new(
                self.info,
                self.instructions,
                self.tools,
                self.surface,
                self.states,
                config,
                me.clone(),
            )
            .with_store(store)
        });
        engine.start_session_sweeper();
        lists::follow(&engine);
        engine
    }
}
