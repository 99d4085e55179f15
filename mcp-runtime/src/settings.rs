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
//! | `MCP_REDIS_URL` / `redis_url` | none (in memory) | Redis store for sessions and streams; several nodes, comma-separated, mean a Redis Cluster; `redis+sentinel://…/<master>`, the master Redis Sentinel names |
//! | `MCP_REDIS_PREFIX` / `redis_prefix` | none (the store's: `mcp`) | prefix of the Redis store's keys |
//! | `MCP_REDIS_LEASE_MS` / `redis_lease_ms` | none (the store's: 10000) | milliseconds a replica's claim on a running call lasts unrenewed |
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
//! | `MCP_IDLE_TIMEOUT` / `idle_timeout` | `60s` | an idle keep-alive connection is closed after this |
//! | `MCP_WRITE_TIMEOUT` / `write_timeout` | `30s` | a connection whose client reads nothing this long is closed, its call cancelled |
//! | `MCP_BODY_LIMIT` / `body_limit` | `4MiB` | largest request body |
//! | `MCP_BODY_TIMEOUT` / `body_timeout` | `30s` | time a body has to arrive, else 408 |
//! | `MCP_BODY_BUDGET` / `body_budget` | `64MiB` | request bodies buffered server-wide |
//! | `MCP_BODY_BUDGET_WAIT` / `body_budget_wait` | `1s` | how long a body waits for room in the budget, then 503 |
//! | `MCP_SESSION_IDLE_TIMEOUT` / `session_idle_timeout` | `30m` | an unused session ends after this |
//! | `MCP_HANDSHAKE_TIMEOUT` / `handshake_timeout` | `60s` | a session whose handshake is unfinished ends after this |
//! | `MCP_KEEP_ALIVE` / `keep_alive` | `15s` | keep-alive comment interval on idle SSE streams |
//! | `MCP_REPLAY_EVENTS` / `replay_events` | `256` | events of each SSE stream kept for `Last-Event-ID` resumption |
//! | `MCP_REPLAY_STREAMS` / `replay_streams` | `16` | finished streams kept per session for resumption |
//! | `MCP_SSE_RETRY` / `sse_retry` | `1s` | `retry` announced on SSE streams (2025-11-25 clients) |
//! | `MCP_STANDALONE_STREAM` / `standalone_stream` | `true` | whether `GET` opens a stream for server messages (else 405) |
//! | `MCP_STALL_TIMEOUT` / `stall_timeout` | `30s` | a call whose stream stays full this long is cancelled |
//! | `MCP_PAGE_SIZE` / `page_size` | `100` | tools per `tools/list` page |
//! | `MCP_MAX_BATCH` / `max_batch` | `64` | messages in one JSON-RPC batch (2025-03-26) |
//! | `MCP_CLIENT_ANSWER_TIMEOUT` / `client_answer_timeout` | `5m` | how long a request to the client waits for its answer |
//! | `MCP_MRTR_STATE_TTL` / `mrtr_state_ttl` | `10m` | how long a sealed `requestState` stays valid |
//! | `MCP_DRAIN_TIMEOUT` / `drain_timeout` | `10s` | how long calls in flight may finish on shutdown |
//! | `MCP_LEGACY_SSE` / `legacy_sse` | `true` | also serve the 2024-11-05 HTTP+SSE transport at `{path}/sse` and `{path}/messages` |
//! | `MCP_SKILLS_DIR` / `skills_dir` | none | a directory of skills (`<name>/SKILL.md` and files) to serve |
//!
//! Each is a field of [`Settings`], and each builder method of [`Server`](crate::Server) that
//! tunes the server sets one. The table of knobs in this file makes the struct, the defaults
//! and the parser; a test holds this table and the README's against it.
//!
//! Lists are comma-separated in variables and arrays in TOML; durations are written as
//! `30s`, `5m`, `1h 30m` ([`humantime`]); sizes as `4MiB`, `512kB` or bytes ([`bytesize`]).
//!
//! `workers` is read and checked but not acted on: `serve()` runs inside the program's own
//! Tokio runtime (`#[tokio::main]`), whose worker count is set there.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The address [`serve`](crate::serve) binds when `MCP_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// The HTTP path of the MCP endpoint unless [`Server::path`](crate::Server::path) says
/// otherwise.
pub const DEFAULT_PATH: &str = "/mcp";

/// The one table of knobs: each line gives a field of [`Settings`] (also its TOML key, and
/// `MCP_` + its name in capitals is its variable), its type, its default and how its text is
/// read. The struct, its defaults, the list of keys and the parser all come from here, so a
/// knob is added in one place.
macro_rules! knobs {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident: $ty:ty = $default:expr, $read:ident;
    )*) => {
        /// Everything an operator tunes. Build one with [`Settings::default`] and its fields,
        /// or load it with [`Settings::from_env`]; hand it to
        /// [`Server::settings`](crate::Server::settings). Every builder method of
        /// [`Server`](crate::Server) that tunes the server sets one of these fields.
        #[derive(Clone, PartialEq)]
        #[non_exhaustive]
        pub struct Settings {
            $($(#[doc = $doc])* pub $field: $ty,)*
        }

        impl Default for Settings {
            fn default() -> Self {
                Self { $($field: $default,)* }
            }
        }

        /// Every key, in table order.
        const KEYS: &[&str] = &[$(stringify!($field),)*];

        impl Settings {
            /// Sets `key` from its text (a variable's value, or a TOML value as text).
            fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
                match key {
                    $(stringify!($field) => self.$field = read::$read(text)?,)*
                    _ => return Err(format!("`{key}` is not a setting")),
                }
                Ok(())
            }
        }

        impl std::fmt::Debug for Settings {
            /// Every field but the secrets (tokens, keys), which are redacted.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut debug = f.debug_struct("Settings");
                $(
                    if SECRETS.contains(&stringify!($field)) {
                        debug.field(stringify!($field), &"[redacted]");
                    } else {
                        debug.field(stringify!($field), &self.$field);
                    }
                )*
                debug.finish()
            }
        }
    };
}

/// Settings whose values are secrets: never in `Debug` output or logs.
const SECRETS: [&str; 2] = ["auth_tokens", "mrtr_keys"];

knobs! {
    /// Address to listen on (`MCP_ADDR`, default `127.0.0.1:8000`).
    addr: String = DEFAULT_ADDR.to_owned(), text;
    /// Path of the MCP endpoint (`MCP_PATH`, default `/mcp`).
    path: String = DEFAULT_PATH.to_owned(), text;
    /// Accepted `Host` values (`MCP_ALLOWED_HOSTS`); `None`: loopback names when bound to a
    /// loopback address, any host otherwise; `["*"]`: any host.
    allowed_hosts: Option<Vec<String>> = None, some_list;
    /// Accepted browser origins (`MCP_ALLOWED_ORIGINS`), for CORS and the `Origin` check;
    /// empty: only pages served from an allowed host; `["*"]`: any origin.
    allowed_origins: Vec<String> = Vec::new(), list;
    /// Static bearer tokens (`MCP_AUTH_TOKENS`).
    auth_tokens: Vec<String> = Vec::new(), list;
    /// Secrets that seal 2026-07-28 `requestState`, newest first (`MCP_MRTR_KEYS`; default:
    /// one random key per process, so a retry must reach the same process).
    mrtr_keys: Vec<String> = Vec::new(), list;
    /// OAuth issuer of accepted JWT access tokens (`MCP_AUTH_ISSUER`).
    auth_issuer: Option<String> = None, some_text;
    /// This server's resource URL, the audience tokens must carry (`MCP_AUTH_AUDIENCE`).
    auth_audience: Option<String> = None, some_text;
    /// Scopes announced in the protected-resource metadata (`MCP_AUTH_SCOPES`).
    auth_scopes: Vec<String> = Vec::new(), list;
    /// Path of the Prometheus endpoint (`MCP_METRICS_PATH`); `None`: no endpoint.
    metrics_path: Option<String> = None, some_text;
    /// Redis URL of the shared store (`MCP_REDIS_URL`); `None`: in memory.
    redis_url: Option<String> = None, some_text;
    /// Prefix of the Redis store's keys (`MCP_REDIS_PREFIX`, default `mcp`).
    redis_prefix: Option<String> = None, some_text;
    /// How long a replica's claim on a running call lasts without renewal, in milliseconds
    /// (`MCP_REDIS_LEASE_MS`, default 10000): how soon another replica reports a call whose
    /// replica died.
    redis_lease_ms: Option<usize> = None, some_number;
    /// Log filter (`MCP_LOG`, default `info`), used when no `tracing` subscriber is set.
    log: String = "info".to_owned(), text;
    /// Tokio worker threads (`MCP_WORKERS`); `None`: one per core.
    workers: Option<usize> = None, some_number;
    /// Open connections at once (`MCP_MAX_CONNECTIONS`, default 4096); at it the
    /// longest-idle connection is closed to admit a new one.
    max_connections: usize = 4096, number;
    /// Open sessions at once (`MCP_MAX_SESSIONS`, default 10000); at it the least recently
    /// used idle session is evicted.
    max_sessions: usize = 10_000, number;
    /// Sessions one client holds (`MCP_MAX_SESSIONS_PER_CLIENT`, default 1000): the client is
    /// its verified identity, else its address; at it, its own least recently used idle
    /// session is evicted.
    max_sessions_per_client: usize = 1000, number;
    /// Proxies whose `X-Forwarded-For` names the client (`MCP_TRUSTED_PROXIES`, IP
    /// addresses; default none: the peer address is the client).
    trusted_proxies: Vec<IpAddr> = Vec::new(), ips;
    /// Tool calls running at once (`MCP_MAX_CONCURRENT_CALLS`, default 1000).
    max_concurrent_calls: usize = 1000, number;
    /// Tool calls running at once in one session (`MCP_MAX_CALLS_PER_SESSION`, default 64).
    max_calls_per_session: usize = 64, number;
    /// Calls waiting for a slot past those caps (`MCP_CALL_QUEUE`, default 4096); past it a
    /// call is refused at once with 503 and `Retry-After`.
    call_queue: usize = 4096, number;
    /// Longest a call waits for a slot (`MCP_CALL_QUEUE_TIMEOUT`, default 30 s).
    call_queue_timeout: Duration = Duration::from_secs(30), duration;
    /// Longest a tool call may run (`MCP_CALL_TIMEOUT`, default 10 minutes).
    call_timeout: Duration = Duration::from_secs(600), duration;
    /// Time a client has to send its request headers (`MCP_HEADER_TIMEOUT`, default 10 s).
    header_timeout: Duration = Duration::from_secs(10), duration;
    /// A keep-alive connection idle this long between requests is closed
    /// (`MCP_IDLE_TIMEOUT`, default 60 s).
    idle_timeout: Duration = Duration::from_secs(60), duration;
    /// A connection whose client reads nothing of its response for this long is closed and
    /// its call cancelled (`MCP_WRITE_TIMEOUT`, default 30 s).
    write_timeout: Duration = Duration::from_secs(30), duration;
    /// Largest request body in bytes (`MCP_BODY_LIMIT`, default 4 MiB).
    body_limit: usize = 4 * 1024 * 1024, size;
    /// Time a body has to arrive once its headers are in, else 408 (`MCP_BODY_TIMEOUT`,
    /// default 30 s).
    body_timeout: Duration = Duration::from_secs(30), duration;
    /// Bytes of request bodies buffered server-wide (`MCP_BODY_BUDGET`, default 64 MiB).
    body_budget: usize = 64 * 1024 * 1024, size;
    /// How long a body waits for room in the budget before 503 (`MCP_BODY_BUDGET_WAIT`,
    /// default 1 s).
    body_budget_wait: Duration = Duration::from_secs(1), duration;
    /// A session unused this long ends (`MCP_SESSION_IDLE_TIMEOUT`, default 30 minutes).
    session_idle_timeout: Duration = Duration::from_secs(30 * 60), duration;
    /// A session whose client has not finished the handshake (`notifications/initialized`)
    /// this soon ends (`MCP_HANDSHAKE_TIMEOUT`, default 60 s).
    handshake_timeout: Duration = Duration::from_secs(60), duration;
    /// Keep-alive interval of idle SSE streams, and how long a silent call runs before its
    /// reply switches to SSE (`MCP_KEEP_ALIVE`, default 15 s).
    keep_alive: Duration = Duration::from_secs(15), duration;
    /// Events of each SSE stream kept for `Last-Event-ID` resumption (`MCP_REPLAY_EVENTS`,
    /// default 256).
    replay_events: usize = 256, number;
    /// Finished streams kept per session for resumption (`MCP_REPLAY_STREAMS`, default 16).
    replay_streams: usize = 16, number;
    /// The `retry` delay announced to 2025-11-25 clients on SSE streams (`MCP_SSE_RETRY`,
    /// default 1 s).
    sse_retry: Duration = Duration::from_secs(1), duration;
    /// Whether `GET` opens a stream for server-initiated messages (`MCP_STANDALONE_STREAM`,
    /// default `true`; `false`: `GET` is answered 405).
    standalone_stream: bool = true, flag;
    /// How long a call's SSE stream may stay full while its client reads nothing before the
    /// call is cancelled (`MCP_STALL_TIMEOUT`, default 30 s).
    stall_timeout: Duration = Duration::from_secs(30), duration;
    /// Tools per `tools/list` page (`MCP_PAGE_SIZE`, default 100).
    page_size: usize = 100, number;
    /// Most messages in one JSON-RPC batch, protocol 2025-03-26 (`MCP_MAX_BATCH`, default 64).
    max_batch: usize = 64, number;
    /// How long a handshake-era request to the client (elicitation, sampling, roots) waits
    /// for its answer (`MCP_CLIENT_ANSWER_TIMEOUT`, default 5 minutes).
    client_answer_timeout: Duration = Duration::from_secs(5 * 60), duration;
    /// How long a sealed 2026-07-28 `requestState` stays valid (`MCP_MRTR_STATE_TTL`,
    /// default 10 minutes).
    mrtr_state_ttl: Duration = Duration::from_secs(10 * 60), duration;
    /// How long calls in flight may finish on shutdown (`MCP_DRAIN_TIMEOUT`, default 10 s).
    drain_timeout: Duration = Duration::from_secs(10), duration;
    /// Also serve the 2024-11-05 HTTP+SSE transport at `{path}/sse` and `{path}/messages`
    /// (`MCP_LEGACY_SSE`, default `true`).
    legacy_sse: bool = true, flag;
    /// A directory of skills to serve (`MCP_SKILLS_DIR`); see
    /// [`Server::skills_dir`](crate::Server::skills_dir).
    skills_dir: Option<PathBuf> = None, some_path;
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

    /// Applies TOML text (the keys of the table above) over these settings. Values are
    /// read as the variables' text is: strings, numbers and booleans as written, arrays as
    /// their items.
    pub fn apply_toml(&mut self, text: &str) -> Result<(), SettingsError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| SettingsError(e.to_string()))?;
        for (key, value) in &table {
            if !KEYS.contains(&key.as_str()) {
                return Err(SettingsError(format!(
                    "unknown setting `{key}`; the settings are {}",
                    KEYS.join(", ")
                )));
            }
            let text = toml_text(value).map_err(|why| SettingsError(format!("`{key}`: {why}")))?;
            self.set(key, &text)
                .map_err(|why| SettingsError(format!("`{key}` = {value}: {why}")))?;
        }
        self.validate()
    }

    /// Applies `MCP_*` variables (name → value) over these settings; an unknown `MCP_`
    /// name is logged as a warning, so a typo does not go unnoticed.
    pub fn apply_vars(&mut self, vars: &HashMap<String, String>) -> Result<(), SettingsError> {
        // In table order, so the first bad one reported is the same every time.
        for key in KEYS {
            if let Some(value) = vars.get(&variable(key)) {
                self.set(key, value)
                    .map_err(|why| SettingsError(format!("{}={value:?}: {why}", variable(key))))?;
            }
        }
        for name in vars.keys() {
            if name.starts_with("MCP_") && !KEYS.iter().any(|k| variable(k) == *name) {
                tracing::warn!(
                    "ignoring {name}: not a setting; the MCP_ variables are {}",
                    KEYS.iter()
                        .map(|k| variable(k))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
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
            ("redis_lease_ms", self.redis_lease_ms.unwrap_or(1)),
            ("replay_events", self.replay_events),
            ("replay_streams", self.replay_streams),
            ("page_size", self.page_size),
            ("max_batch", self.max_batch),
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
            ("handshake_timeout", self.handshake_timeout),
            ("idle_timeout", self.idle_timeout),
            ("write_timeout", self.write_timeout),
            ("body_timeout", self.body_timeout),
            ("stall_timeout", self.stall_timeout),
            ("client_answer_timeout", self.client_answer_timeout),
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

/// A TOML value as the text its variable would hold: arrays joined with commas.
fn toml_text(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(n) => Ok(n.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) if !s.contains(',') => Ok(s.clone()),
                toml::Value::String(s) => Err(format!("{s:?}: an item may not contain a comma")),
                toml::Value::Integer(n) => Ok(n.to_string()),
                other => Err(format!("{other} is not a string")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|items| items.join(",")),
        other => Err(format!(
            "{other} is a {}; write a string, a number, a boolean or an array",
            other.type_str()
        )),
    }
}

/// How each kind of setting is read from text.
mod read {
    use std::net::IpAddr;
    use std::path::PathBuf;
    use std::str::FromStr as _;
    use std::time::Duration;

    pub(super) fn text(value: &str) -> Result<String, String> {
        Ok(value.trim().to_owned())
    }

    pub(super) fn some_text(value: &str) -> Result<Option<String>, String> {
        text(value).map(Some)
    }

    pub(super) fn some_path(value: &str) -> Result<Option<PathBuf>, String> {
        Ok(Some(PathBuf::from(value.trim())))
    }

    /// Comma-separated, blanks dropped.
    pub(super) fn list(value: &str) -> Result<Vec<String>, String> {
        Ok(value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    }

    pub(super) fn some_list(value: &str) -> Result<Option<Vec<String>>, String> {
        list(value).map(Some)
    }

    pub(super) fn ips(value: &str) -> Result<Vec<IpAddr>, String> {
        list(value)?
            .iter()
            .map(|ip| {
                ip.parse()
                    .map_err(|_| format!("{ip:?} is not an IP address"))
            })
            .collect()
    }

    pub(super) fn number(value: &str) -> Result<usize, String> {
        value
            .trim()
            .parse()
            .map_err(|_| "not a whole number".to_owned())
    }

    pub(super) fn some_number(value: &str) -> Result<Option<usize>, String> {
        number(value).map(Some)
    }

    /// `30s`, `5m`, `1h 30m`.
    pub(super) fn duration(value: &str) -> Result<Duration, String> {
        humantime::parse_duration(value.trim())
            .map_err(|e| format!("not a duration like 30s or 5m ({e})"))
    }

    /// `4MiB`, `512kB` or bytes.
    pub(super) fn size(value: &str) -> Result<usize, String> {
        let size = bytesize::ByteSize::from_str(value.trim())
            .map_err(|e| format!("not a size like 4MiB or 65536 ({e})"))?;
        Ok(usize::try_from(size.as_u64()).unwrap_or(usize::MAX))
    }

    pub(super) fn flag(value: &str) -> Result<bool, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err("not a boolean (true or false)".to_owned()),
        }
    }
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

    /// The rows of a settings table (`| \`MCP_X\` / \`x\` | default | meaning |`), by key.
    fn table_rows(text: &str) -> HashMap<String, String> {
        text.lines()
            .map(|line| line.trim_start_matches("//!").trim())
            .filter(|line| line.starts_with("| `MCP_"))
            .filter_map(|line| {
                let mut cells = line.trim_matches('|').split(" | ").map(str::trim);
                let names = cells.next()?;
                let key = names.split(" / ").nth(1)?.trim_matches('`').to_owned();
                Some((key, cells.next()?.to_owned()))
            })
            .collect()
    }

    /// The table in this file's docs and the README's list every knob, with the same
    /// default, and a default written as one value parses to the code's default.
    #[test]
    fn the_documented_tables_match_the_knobs() {
        let here = table_rows(include_str!("settings.rs"));
        let readme = table_rows(include_str!("../../README.md"));
        for (name, rows) in [("settings.rs", &here), ("README.md", &readme)] {
            for key in KEYS {
                assert!(rows.contains_key(*key), "{name} has no row for `{key}`");
            }
            for key in rows.keys() {
                assert!(
                    KEYS.contains(&key.as_str()),
                    "{name} documents `{key}`, which is not a setting"
                );
            }
        }
        for key in KEYS {
            let default = &here[*key];
            assert_eq!(
                default, &readme[*key],
                "the README and settings.rs disagree on `{key}`'s default"
            );
            let Some(value) = default.strip_prefix('`').and_then(|d| d.strip_suffix('`')) else {
                continue;
            };
            let mut parsed = Settings::default();
            parsed.set(key, value).expect("a documented default parses");
            assert!(
                parsed == Settings::default(),
                "`{key}`: the documented default {default} is not the code's"
            );
        }
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
