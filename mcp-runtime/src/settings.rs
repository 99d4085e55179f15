//! The operator's knobs: one [`Settings`] value, from the builder, `MCP_*` environment
//! variables and an optional TOML file (`--config file.toml`), with the same names in all
//! three: the TOML key `keep_alive` is the variable `MCP_KEEP_ALIVE`.
//!
//! Later sources win: defaults, then the builder, then the file, then the environment
//! (the operator has the last word over what the program chose). A bad value fails
//! start-up with a message naming the variable (or the file and key).
//!
//! | variable / key | default | meaning |
//! |---|---|---|
//! | `MCP_ADDR` / `addr` | `127.0.0.1:8000` | address to listen on |
//! | `MCP_PATH` / `path` | `/mcp` | HTTP path of the MCP endpoint |
//! | `MCP_ALLOWED_HOSTS` / `allowed_hosts` | loopback names on a loopback address, any host otherwise | `Host` values accepted (DNS rebinding protection); `*`: any |
//! | `MCP_ALLOWED_ORIGINS` / `allowed_origins` | none (pages on an allowed host only) | browser origins accepted, for CORS and the Origin check alike; `*`: any |
//! | `MCP_AUTH_TOKENS` / `auth_tokens` | none | static bearer tokens (API keys) accepted |
//! | `MCP_MRTR_KEYS` / `mrtr_keys` | a random key per process | secrets (newest first, 16+ bytes each) that seal 2026-07-28 `requestState`; replicas share them, older ones let keys rotate |
//! | `MCP_AUTH_ISSUER` / `auth_issuer` | none | OAuth issuer whose JWT access tokens are accepted (feature `jwt`) |
//! | `MCP_AUTH_AUDIENCE` / `auth_audience` | none | this server's resource URL: the audience tokens must name |
//! | `MCP_AUTH_SCOPES` / `auth_scopes` | none | scopes announced in the metadata besides the tools' own |
//! | `MCP_METRICS_PATH` / `metrics_path` | off | path of the Prometheus endpoint (feature `metrics`) |
//! | `MCP_REDIS_URL` / `redis_url` | none (in memory) | Redis store for sessions and streams; several nodes, comma-separated, mean a Redis Cluster |
//! | `MCP_LOG` / `log` | `info` | log filter (`tracing-subscriber` `EnvFilter` syntax) |
//! | `MCP_WORKERS` / `workers` | one per core | Tokio worker threads |
//! | `MCP_MAX_CONNECTIONS` / `max_connections` | `4096` | open connections at once (at it: the longest-idle one is closed; all busy: 503) |
//! | `MCP_MAX_SESSIONS` / `max_sessions` | `10000` | open sessions at once (at it: the least recently used idle one is evicted) |
//! | `MCP_MAX_SESSIONS_PER_CLIENT` / `max_sessions_per_client` | `1000` | sessions one client (verified identity, else address) holds (at it: its own least recently used idle one is evicted) |
//! | `MCP_TRUSTED_PROXIES` / `trusted_proxies` | none | proxy IP addresses whose `X-Forwarded-For` (left-most hop) names the client |
//! | `MCP_MAX_CONCURRENT_CALLS` / `max_concurrent_calls` | `1000` | tool calls running at once, server-wide |
//! | `MCP_MAX_CALLS_PER_SESSION` / `max_calls_per_session` | `64` | tool calls running at once in one session |
//! | `MCP_CALL_QUEUE` / `call_queue` | `4096` | calls waiting for a slot past those caps (past it: 503 + `Retry-After`) |
//! | `MCP_CALL_QUEUE_TIMEOUT` / `call_queue_timeout` | `30s` | longest a call waits for a slot (then 503 + `Retry-After`) |
//! | `MCP_CALL_TIMEOUT` / `call_timeout` | `10m` | longest a tool call may run |
//! | `MCP_HEADER_TIMEOUT` / `header_timeout` | `10s` | time a client has to send its request headers |
//! | `MCP_BODY_LIMIT` / `body_limit` | `4MiB` | largest request body |
//! | `MCP_SESSION_IDLE_TIMEOUT` / `session_idle_timeout` | `30m` | an unused session ends after this |
//! | `MCP_KEEP_ALIVE` / `keep_alive` | `15s` | keep-alive comment interval on idle SSE streams |
//! | `MCP_DRAIN_TIMEOUT` / `drain_timeout` | `10s` | how long calls in flight may finish on shutdown |
//! | `MCP_LEGACY_SSE` / `legacy_sse` | `true` | also serve the 2024-11-05 HTTP+SSE transport at `{path}/sse` and `{path}/messages` |
//! | `MCP_SKILLS_DIR` / `skills_dir` | none | a directory of skills (`<name>/SKILL.md` and files) to serve |
//!
//! Lists are comma-separated in variables and arrays in TOML; durations are written as
//! `30s`, `5m`, `1h 30m` ([`humantime`]); sizes as `4MiB`, `512kB` or bytes ([`bytesize`]).
//!
//! `workers` is read and checked but not acted on: `serve()` runs inside the program's own
//! Tokio runtime (`#[tokio::main]`), whose worker count is set there.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

/// The address [`serve`](crate::serve) binds when `MCP_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// The HTTP path of the MCP endpoint unless [`Server::path`](crate::Server::path) says
/// otherwise.
pub const DEFAULT_PATH: &str = "/mcp";

/// Everything an operator tunes. Build one with [`Settings::default`] and its fields, or
/// load it with [`Settings::from_env`]; hand it to [`Server::settings`](crate::Server::settings).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// Address to listen on (`MCP_ADDR`, default `127.0.0.1:8000`).
    pub addr: String,
    /// Path of the MCP endpoint (`MCP_PATH`, default `/mcp`).
    pub path: String,
    /// Accepted `Host` values (`MCP_ALLOWED_HOSTS`); `None`: loopback names when bound to a
    /// loopback address, any host otherwise; `["*"]`: any host.
    pub allowed_hosts: Option<Vec<String>>,
    /// Accepted browser origins (`MCP_ALLOWED_ORIGINS`), for CORS and the `Origin` check;
    /// empty: only pages served from an allowed host; `["*"]`: any origin.
    pub allowed_origins: Vec<String>,
    /// Static bearer tokens (`MCP_AUTH_TOKENS`).
    pub auth_tokens: Vec<String>,
    /// Secrets that seal 2026-07-28 `requestState`, newest first (`MCP_MRTR_KEYS`; default:
    /// one random key per process, so a retry must reach the same process).
    pub mrtr_keys: Vec<String>,
    /// OAuth issuer of accepted JWT access tokens (`MCP_AUTH_ISSUER`).
    pub auth_issuer: Option<String>,
    /// This server's resource URL, the audience tokens must carry (`MCP_AUTH_AUDIENCE`).
    pub auth_audience: Option<String>,
    /// Scopes announced in the protected-resource metadata (`MCP_AUTH_SCOPES`).
    pub auth_scopes: Vec<String>,
    /// Path of the Prometheus endpoint (`MCP_METRICS_PATH`); `None`: no endpoint.
    pub metrics_path: Option<String>,
    /// Redis URL of the shared store (`MCP_REDIS_URL`); `None`: in memory.
    pub redis_url: Option<String>,
    /// Log filter (`MCP_LOG`, default `info`), used when no `tracing` subscriber is set.
    pub log: String,
    /// Tokio worker threads (`MCP_WORKERS`); `None`: one per core.
    pub workers: Option<usize>,
    /// Open connections at once (`MCP_MAX_CONNECTIONS`, default 4096); at it the
    /// longest-idle connection is closed to admit a new one.
    pub max_connections: usize,
    /// Open sessions at once (`MCP_MAX_SESSIONS`, default 10000); at it the least recently
    /// used idle session is evicted.
    pub max_sessions: usize,
    /// Sessions one client holds (`MCP_MAX_SESSIONS_PER_CLIENT`, default 1000): the client is
    /// its verified identity, else its address; at it, its own least recently used idle
    /// session is evicted.
    pub max_sessions_per_client: usize,
    /// Proxies whose `X-Forwarded-For` names the client (`MCP_TRUSTED_PROXIES`, IP
    /// addresses; default none: the peer address is the client).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Tool calls running at once (`MCP_MAX_CONCURRENT_CALLS`, default 1000).
    pub max_concurrent_calls: usize,
    /// Tool calls running at once in one session (`MCP_MAX_CALLS_PER_SESSION`, default 64).
    pub max_calls_per_session: usize,
    /// Calls waiting for a slot past those caps (`MCP_CALL_QUEUE`, default 4096); past it a
    /// call is refused at once with 503 and `Retry-After`.
    pub call_queue: usize,
    /// Longest a call waits for a slot (`MCP_CALL_QUEUE_TIMEOUT`, default 30 s).
    pub call_queue_timeout: Duration,
    /// Longest a tool call may run (`MCP_CALL_TIMEOUT`, default 10 minutes).
    pub call_timeout: Duration,
    /// Time a client has to send its request headers (`MCP_HEADER_TIMEOUT`, default 10 s).
    pub header_timeout: Duration,
    /// Largest request body in bytes (`MCP_BODY_LIMIT`, default 4 MiB).
    pub body_limit: usize,
    /// A session unused this long ends (`MCP_SESSION_IDLE_TIMEOUT`, default 30 minutes).
    pub session_idle_timeout: Duration,
    /// Keep-alive interval of idle SSE streams (`MCP_KEEP_ALIVE`, default 15 s).
    pub keep_alive: Duration,
    /// How long calls in flight may finish on shutdown (`MCP_DRAIN_TIMEOUT`, default 10 s).
    pub drain_timeout: Duration,
    /// Also serve the 2024-11-05 HTTP+SSE transport at `{path}/sse` and `{path}/messages`
    /// (`MCP_LEGACY_SSE`, default `true`).
    pub legacy_sse: bool,
    /// A directory of skills to serve (`MCP_SKILLS_DIR`); see [`Server::skills_dir`](crate::Server::skills_dir).
    pub skills_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: DEFAULT_ADDR.to_owned(),
            path: DEFAULT_PATH.to_owned(),
            allowed_hosts: None,
            allowed_origins: Vec::new(),
            auth_tokens: Vec::new(),
            mrtr_keys: Vec::new(),
            auth_issuer: None,
            auth_audience: None,
            auth_scopes: Vec::new(),
            metrics_path: None,
            redis_url: None,
            log: "info".to_owned(),
            workers: None,
            max_connections: 4096,
            max_sessions: 10_000,
            max_sessions_per_client: 1000,
            trusted_proxies: Vec::new(),
            max_concurrent_calls: 1000,
            max_calls_per_session: 64,
            call_queue: 4096,
            call_queue_timeout: Duration::from_secs(30),
            call_timeout: Duration::from_secs(600),
            header_timeout: Duration::from_secs(10),
            body_limit: 4 * 1024 * 1024,
            session_idle_timeout: Duration::from_secs(30 * 60),
            keep_alive: Duration::from_secs(15),
            drain_timeout: Duration::from_secs(10),
            legacy_sse: true,
            skills_dir: None,
        }
    }
}

impl std::fmt::Debug for Settings {
    /// Every field but the tokens, which are secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("path", &self.path)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("allowed_origins", &self.allowed_origins)
            .field(
                "auth_tokens",
                &format_args!("[{} redacted]", self.auth_tokens.len()),
            )
            .field(
                "mrtr_keys",
                &format_args!("[{} redacted]", self.mrtr_keys.len()),
            )
            .field("auth_issuer", &self.auth_issuer)
            .field("auth_audience", &self.auth_audience)
            .field("auth_scopes", &self.auth_scopes)
            .field("metrics_path", &self.metrics_path)
            .field("redis_url", &self.redis_url)
            .field("log", &self.log)
            .field("workers", &self.workers)
            .field("max_connections", &self.max_connections)
            .field("max_sessions", &self.max_sessions)
            .field("max_sessions_per_client", &self.max_sessions_per_client)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_concurrent_calls", &self.max_concurrent_calls)
            .field("max_calls_per_session", &self.max_calls_per_session)
            .field("call_queue", &self.call_queue)
            .field("call_queue_timeout", &self.call_queue_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("header_timeout", &self.header_timeout)
            .field("body_limit", &self.body_limit)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .field("keep_alive", &self.keep_alive)
            .field("drain_timeout", &self.drain_timeout)
            .field("legacy_sse", &self.legacy_sse)
            .field("skills_dir", &self.skills_dir)
            .finish()
    }
}

/// A setting that could not be read: names the variable (or file and key) and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(String);

impl SettingsError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl From<SettingsError> for std::io::Error {
    fn from(e: SettingsError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e.0)
    }
}

/// Settings as a source gives them: only what it sets.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    addr: Option<String>,
    path: Option<String>,
    allowed_hosts: Option<Vec<String>>,
    allowed_origins: Option<Vec<String>>,
    auth_tokens: Option<Vec<String>>,
    mrtr_keys: Option<Vec<String>>,
    auth_issuer: Option<String>,
    auth_audience: Option<String>,
    auth_scopes: Option<Vec<String>>,
    metrics_path: Option<String>,
    redis_url: Option<String>,
    log: Option<String>,
    workers: Option<usize>,
    max_connections: Option<usize>,
    max_sessions: Option<usize>,
    max_sessions_per_client: Option<usize>,
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
    max_concurrent_calls: Option<usize>,
    max_calls_per_session: Option<usize>,
    call_queue: Option<usize>,
    #[serde(default, with = "humantime_serde")]
    call_queue_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    call_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    header_timeout: Option<Duration>,
    body_limit: Option<bytesize::ByteSize>,
    #[serde(default, with = "humantime_serde")]
    session_idle_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    keep_alive: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    drain_timeout: Option<Duration>,
    legacy_sse: Option<bool>,
    skills_dir: Option<PathBuf>,
}

/// The environment variable of each key, in table order.
const KEYS: [&str; 29] = [
    "addr",
    "path",
    "allowed_hosts",
    "allowed_origins",
    "auth_tokens",
    "mrtr_keys",
    "auth_issuer",
    "auth_audience",
    "auth_scopes",
    "metrics_path",
    "redis_url",
    "log",
    "workers",
    "max_connections",
    "max_sessions",
    "max_sessions_per_client",
    "trusted_proxies",
    "max_concurrent_calls",
    "max_calls_per_session",
    "call_queue",
    "call_queue_timeout",
    "call_timeout",
    "header_timeout",
    "body_limit",
    "session_idle_timeout",
    "keep_alive",
    "drain_timeout",
    "legacy_sse",
    "skills_dir",
];

/// The variable that sets `key`: `MCP_` and the key in capitals.
fn variable(key: &str) -> String {
    format!("MCP_{}", key.to_ascii_uppercase())
}

impl Settings {
    /// Defaults, then the TOML file named by `--config FILE` (or `--config=FILE`) on the
    /// command line, then the `MCP_*` environment variables.
    pub fn from_env() -> Result<Self, SettingsError> {
        let mut settings = Self::default();
        settings.load_env()?;
        Ok(settings)
    }

    /// Applies the `--config` file and the `MCP_*` variables over these settings.
    pub(crate) fn load_env(&mut self) -> Result<(), SettingsError> {
        if let Some(file) = config_argument(std::env::args().skip(1))? {
            self.apply_file(&file)?;
        }
        let vars: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("MCP_"))
            .collect();
        self.apply_vars(&vars)
    }

    /// Applies a TOML file over these settings.
    pub fn apply_file(&mut self, file: &Path) -> Result<(), SettingsError> {
        let text = std::fs::read_to_string(file).map_err(|e| {
            SettingsError(format!(
                "cannot read the config file {}: {e}",
                file.display()
            ))
        })?;
        self.apply_toml(&text)
            .map_err(|e| SettingsError(format!("config file {}: {e}", file.display())))
    }

    /// Applies TOML text (the keys of the table above) over these settings.
    pub fn apply_toml(&mut self, text: &str) -> Result<(), SettingsError> {
        let layer: Layer = toml::from_str(text).map_err(|e| SettingsError(e.to_string()))?;
        self.apply(layer)
    }

    /// Applies `MCP_*` variables (name → value) over these settings; an unknown `MCP_`
    /// name is logged as a warning, so a typo does not go unnoticed.
    pub fn apply_vars(&mut self, vars: &HashMap<String, String>) -> Result<(), SettingsError> {
        let mut layer = Layer::default();
        for (name, value) in vars {
            let Some(key) = KEYS.iter().find(|k| variable(k) == *name) else {
                if name.starts_with("MCP_") {
                    tracing::warn!(
                        "ignoring {name}: not a setting; the MCP_ variables are {}",
                        KEYS.map(variable).join(", ")
                    );
                }
                continue;
            };
            set_from_text(&mut layer, key, value)
                .map_err(|why| SettingsError(format!("{name}={value:?}: {why}")))?;
        }
        self.apply(layer)
    }

    fn apply(&mut self, layer: Layer) -> Result<(), SettingsError> {
        macro_rules! take {
            ($($field:ident),*) => {$(
                if let Some(value) = layer.$field { self.$field = value; }
            )*};
        }
        take!(
            addr,
            path,
            allowed_origins,
            auth_tokens,
            mrtr_keys,
            auth_scopes,
            log,
            max_connections,
            max_sessions,
            max_sessions_per_client,
            trusted_proxies,
            max_concurrent_calls,
            max_calls_per_session,
            call_queue,
            call_queue_timeout,
            call_timeout,
            header_timeout,
            session_idle_timeout,
            keep_alive,
            drain_timeout,
            legacy_sse
        );
        if let Some(hosts) = layer.allowed_hosts {
            self.allowed_hosts = Some(hosts);
        }
        for (value, field) in [
            (layer.auth_issuer, &mut self.auth_issuer),
            (layer.auth_audience, &mut self.auth_audience),
            (layer.metrics_path, &mut self.metrics_path),
            (layer.redis_url, &mut self.redis_url),
        ] {
            if let Some(value) = value {
                *field = Some(value);
            }
        }
        if let Some(dir) = layer.skills_dir {
            self.skills_dir = Some(dir);
        }
        if let Some(workers) = layer.workers {
            self.workers = Some(workers);
        }
        if let Some(limit) = layer.body_limit {
            self.body_limit = usize::try_from(limit.as_u64()).unwrap_or(usize::MAX);
        }
        self.validate()
    }

    /// Checks values no parser can: paths start with `/`, counts are not zero, the address
    /// is `host:port`.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bad = |key: &str, why: String| {
            Err(SettingsError(format!("{} (`{key}`): {why}", variable(key))))
        };
        if !self.path.starts_with('/') {
            return bad("path", format!("{:?} must start with `/`", self.path));
        }
        if let Some(metrics) = &self.metrics_path {
            if !metrics.starts_with('/') || *metrics == self.path {
                return bad(
                    "metrics_path",
                    format!("{metrics:?} must start with `/` and differ from the MCP path"),
                );
            }
        }
        if self
            .addr
            .rsplit_once(':')
            .is_none_or(|(_, port)| port.parse::<u16>().is_err())
        {
            return bad(
                "addr",
                format!("{:?} is not `host:port` (e.g. 0.0.0.0:8000)", self.addr),
            );
        }
        for (key, value) in [
            ("max_connections", self.max_connections),
            ("max_sessions", self.max_sessions),
            ("max_sessions_per_client", self.max_sessions_per_client),
            ("max_concurrent_calls", self.max_concurrent_calls),
            ("max_calls_per_session", self.max_calls_per_session),
            ("body_limit", self.body_limit),
            ("workers", self.workers.unwrap_or(1)),
        ] {
            if value == 0 {
                return bad(key, "must be at least 1".to_owned());
            }
        }
        for (key, value) in [
            ("keep_alive", self.keep_alive),
            ("call_timeout", self.call_timeout),
            ("header_timeout", self.header_timeout),
            ("session_idle_timeout", self.session_idle_timeout),
        ] {
            if value.is_zero() {
                return bad(key, "must be longer than zero".to_owned());
            }
        }
        if let Some(short) = self.mrtr_keys.iter().find(|k| k.len() < 16) {
            return bad(
                "mrtr_keys",
                format!(
                    "a key of {} bytes: each must be at least 16 (use 32 random bytes)",
                    short.len()
                ),
            );
        }
        for origin in &self.allowed_origins {
            if origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return bad(
                    "allowed_origins",
                    format!("{origin:?} is not an origin like https://app.example.com (or `*`)"),
                );
            }
        }
        if self.auth_issuer.is_some() && self.auth_audience.is_none() {
            return bad(
                "auth_audience",
                "must be set with MCP_AUTH_ISSUER: tokens must be meant for this server (its resource URL, e.g. https://mcp.example.com/mcp)".to_owned(),
            );
        }
        Ok(())
    }
}

/// Parses one variable's text into its place in `layer`.
fn set_from_text(layer: &mut Layer, key: &str, value: &str) -> Result<(), String> {
    fn list(value: &str) -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
    fn number(value: &str) -> Result<usize, String> {
        value
            .trim()
            .parse()
            .map_err(|_| "not a whole number".to_owned())
    }
    fn duration(value: &str) -> Result<Duration, String> {
        humantime::parse_duration(value.trim())
            .map_err(|e| format!("not a duration like 30s or 5m ({e})"))
    }
    let text = || Some(value.trim().to_owned());
    match key {
        "addr" => layer.addr = text(),
        "path" => layer.path = text(),
        "allowed_hosts" => layer.allowed_hosts = Some(list(value)),
        "allowed_origins" => layer.allowed_origins = Some(list(value)),
        "auth_tokens" => layer.auth_tokens = Some(list(value)),
        "mrtr_keys" => layer.mrtr_keys = Some(list(value)),
        "auth_issuer" => layer.auth_issuer = text(),
        "auth_audience" => layer.auth_audience = text(),
        "auth_scopes" => layer.auth_scopes = Some(list(value)),
        "metrics_path" => layer.metrics_path = text(),
        "redis_url" => layer.redis_url = text(),
        "log" => layer.log = text(),
        "workers" => layer.workers = Some(number(value)?),
        "max_connections" => layer.max_connections = Some(number(value)?),
        "max_sessions" => layer.max_sessions = Some(number(value)?),
        "max_concurrent_calls" => layer.max_concurrent_calls = Some(number(value)?),
        "max_sessions_per_client" => layer.max_sessions_per_client = Some(number(value)?),
        "max_calls_per_session" => layer.max_calls_per_session = Some(number(value)?),
        "call_queue" => layer.call_queue = Some(number(value)?),
        "call_queue_timeout" => layer.call_queue_timeout = Some(duration(value)?),
        "trusted_proxies" => {
            layer.trusted_proxies = Some(
                list(value)
                    .iter()
                    .map(|ip| {
                        ip.parse()
                            .map_err(|_| format!("{ip:?} is not an IP address"))
                    })
                    .collect::<Result<_, _>>()?,
            );
        }
        "call_timeout" => layer.call_timeout = Some(duration(value)?),
        "header_timeout" => layer.header_timeout = Some(duration(value)?),
        "session_idle_timeout" => layer.session_idle_timeout = Some(duration(value)?),
        "keep_alive" => layer.keep_alive = Some(duration(value)?),
        "drain_timeout" => layer.drain_timeout = Some(duration(value)?),
        "legacy_sse" => {
            layer.legacy_sse = Some(match value.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => return Err("not a boolean (true or false)".to_owned()),
            });
        }
        "skills_dir" => layer.skills_dir = Some(PathBuf::from(value.trim())),
        "body_limit" => {
            layer.body_limit = Some(
                bytesize::ByteSize::from_str(value.trim())
                    .map_err(|e| format!("not a size like 4MiB or 65536 ({e})"))?,
            );
        }
        _ => unreachable!("every key of KEYS is handled"),
    }
    Ok(())
}

/// The file of `--config FILE` or `--config=FILE`, if given.
fn config_argument(
    mut args: impl Iterator<Item = String>,
) -> Result<Option<PathBuf>, SettingsError> {
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return match args.next() {
                Some(file) => Ok(Some(PathBuf::from(file))),
                None => Err(SettingsError(
                    "--config needs a file name: --config settings.toml".to_owned(),
                )),
            };
        }
        if let Some(file) = arg.strip_prefix("--config=") {
            return Ok(Some(PathBuf::from(file)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_variable_is_read() {
        let mut s = Settings::default();
        s.apply_vars(&vars(&[
            ("MCP_ADDR", "0.0.0.0:9000"),
            ("MCP_PATH", "/api/mcp"),
            ("MCP_ALLOWED_HOSTS", "mcp.example.com, api.example.com:8443"),
            ("MCP_ALLOWED_ORIGINS", "https://app.example.com"),
            ("MCP_AUTH_TOKENS", "a,b"),
            ("MCP_MRTR_KEYS", "0123456789abcdef0123,fedcba9876543210fedc"),
            ("MCP_AUTH_ISSUER", "https://auth.example.com"),
            ("MCP_AUTH_AUDIENCE", "https://mcp.example.com/api/mcp"),
            ("MCP_METRICS_PATH", "/metrics"),
            ("MCP_REDIS_URL", "redis://127.0.0.1:6379"),
            ("MCP_LOG", "debug"),
            ("MCP_WORKERS", "4"),
            ("MCP_MAX_CONNECTIONS", "100"),
            ("MCP_MAX_SESSIONS", "50"),
            ("MCP_MAX_CONCURRENT_CALLS", "8"),
            ("MCP_MAX_SESSIONS_PER_CLIENT", "7"),
            ("MCP_TRUSTED_PROXIES", "10.0.0.1, ::1"),
            ("MCP_MAX_CALLS_PER_SESSION", "3"),
            ("MCP_CALL_QUEUE", "0"),
            ("MCP_CALL_QUEUE_TIMEOUT", "2s"),
            ("MCP_CALL_TIMEOUT", "5m"),
            ("MCP_HEADER_TIMEOUT", "3s"),
            ("MCP_BODY_LIMIT", "1MiB"),
            ("MCP_SESSION_IDLE_TIMEOUT", "1h 30m"),
            ("MCP_KEEP_ALIVE", "20s"),
            ("MCP_DRAIN_TIMEOUT", "30s"),
        ]))
        .expect("valid settings");
        assert_eq!(s.addr, "0.0.0.0:9000");
        assert_eq!(s.path, "/api/mcp");
        assert_eq!(
            s.allowed_hosts.as_deref(),
            Some(
                &[
                    "mcp.example.com".to_owned(),
                    "api.example.com:8443".to_owned()
                ][..]
            )
        );
        assert_eq!(s.auth_tokens, ["a", "b"]);
        assert_eq!(
            s.mrtr_keys,
            ["0123456789abcdef0123", "fedcba9876543210fedc"]
        );
        assert!(
            !format!("{s:?}").contains("0123456789"),
            "keys are redacted"
        );
        assert_eq!(s.workers, Some(4));
        assert_eq!(s.call_timeout, Duration::from_secs(300));
        assert_eq!(s.body_limit, 1024 * 1024);
        assert_eq!(s.session_idle_timeout, Duration::from_secs(5400));
        assert_eq!(s.drain_timeout, Duration::from_secs(30));
        assert_eq!(s.metrics_path.as_deref(), Some("/metrics"));
        assert_eq!(s.max_sessions_per_client, 7);
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!((s.max_calls_per_session, s.call_queue), (3, 0));
        assert_eq!(s.call_queue_timeout, Duration::from_secs(2));
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value, says) in [
            ("MCP_KEEP_ALIVE", "soon", "not a duration"),
            ("MCP_WORKERS", "many", "not a whole number"),
            ("MCP_BODY_LIMIT", "huge", "not a size"),
            ("MCP_PATH", "mcp", "must start with `/`"),
            ("MCP_ADDR", "localhost", "host:port"),
            ("MCP_MAX_SESSIONS", "0", "at least 1"),
            ("MCP_ALLOWED_ORIGINS", "app.example.com", "not an origin"),
            ("MCP_AUTH_ISSUER", "https://a.example", "MCP_AUTH_AUDIENCE"),
            ("MCP_MRTR_KEYS", "short", "at least 16"),
        ] {
            let err = Settings::default()
                .apply_vars(&vars(&[(name, value)]))
                .expect_err(name)
                .to_string();
            assert!(err.contains(says), "{name}: {err}");
            assert!(
                err.contains(name) || err.contains("MCP_AUTH_AUDIENCE"),
                "{err}"
            );
        }
    }

    #[test]
    fn toml_uses_the_same_names_and_env_wins() {
        let mut s = Settings::default();
        s.apply_toml(
            r#"
            addr = "0.0.0.0:8080"
            allowed_origins = ["https://app.example.com"]
            keep_alive = "30s"
            body_limit = "64 KiB"
            "#,
        )
        .expect("valid file");
        assert_eq!(s.addr, "0.0.0.0:8080");
        assert_eq!(s.keep_alive, Duration::from_secs(30));
        assert_eq!(s.body_limit, 64 * 1024);
        s.apply_vars(&vars(&[("MCP_ADDR", "127.0.0.1:1")]))
            .expect("valid");
        assert_eq!(s.addr, "127.0.0.1:1");
        assert_eq!(s.allowed_origins, ["https://app.example.com"]);
        let err = Settings::default()
            .apply_toml("keepalive = \"1s\"")
            .expect_err("unknown key");
        assert!(err.to_string().contains("keepalive"), "{err}");
    }

    #[test]
    fn config_flag() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            config_argument(args(&["--config", "a.toml"]).into_iter()),
            Ok(Some(PathBuf::from("a.toml")))
        );
        assert_eq!(
            config_argument(args(&["--stdio", "--config=b.toml"]).into_iter()),
            Ok(Some(PathBuf::from("b.toml")))
        );
        assert!(config_argument(args(&["--config"]).into_iter()).is_err());
        assert_eq!(config_argument(args(&["--stdio"]).into_iter()), Ok(None));
    }
}
