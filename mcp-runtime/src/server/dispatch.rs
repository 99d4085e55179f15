//! The transport-free core: one JSON-RPC message in, a reply (or a call stream) out.
//!
//! Every protocol rule about *methods* lives here, for both eras; the transports only move
//! bytes. Handshake-era requests arrive with their session; stateless-era (2026-07-28)
//! requests arrive with the headers that mirror their body, and are validated first.

use std::sync::{Arc, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::call::CallStream;
use super::config::Config;
use super::envelope::{self, MirroredHeaders};
use super::session::{Session, Sessions};
use super::subscriptions::{self, ListenParams};
use super::tools::{CacheHints, ToolSet};
use crate::context::HttpParts;
use crate::context::{CallOrigin, CallSetup};
use crate::observe;
use crate::protocol::jsonrpc::{
    IncomingRequest, error_message, notification_message, result_message,
};
use crate::protocol::logging::SetLevelParams;
use crate::protocol::types::{
    CallToolParams, CancelledParams, Implementation, InitializeParams, InitializeResult,
    ServerCapabilities, ToolsCapability,
};
use crate::protocol::{ErrorCode, ProtocolVersion, RequestId, RpcError};
use crate::tool::{Arguments, StateMap, ToolDef};

/// What handling a request produced.
pub(crate) enum Dispatched {
    /// A complete JSON-RPC response: a result, or an error with its code.
    Reply(Bytes, Option<ErrorCode>),
    /// `initialize` succeeded: the response, and the session it opened.
    Initialized(Bytes, Arc<Session>),
    /// A tool call: its frames and, last, its response.
    Call(CallStream),
}

impl Dispatched {
    fn from_outcome(id: &RequestId, outcome: Result<Bytes, RpcError>) -> Self {
        match outcome {
            Ok(body) => Self::Reply(body, None),
            Err(error) => Self::error(id, &error),
        }
    }

    fn error(id: &RequestId, error: &RpcError) -> Self {
        Self::Reply(error_message(Some(id), error), Some(error.code))
    }
}

/// Which era a request belongs to, and what that era carries with it.
pub(crate) enum Era<'a> {
    /// Handshake era: the caller's session (`None` only for `initialize`).
    Handshake(Option<Arc<Session>>),
    /// Stateless era: the mirrored headers, when the transport has headers.
    Stateless(Option<&'a MirroredHeaders<'a>>),
}

/// The server's state shared by every connection: identity, tools, sessions.
pub(crate) struct Dispatcher {
    info: Implementation,
    instructions: Option<String>,
    capabilities: ServerCapabilities,
    /// `server/discover` result, serialized once.
    discover: Box<RawValue>,
    tools: ArcSwap<ToolSet>,
    /// Bumped on every change of the tool list, for `subscriptions/listen`.
    tool_changes: watch::Sender<()>,
    states: Arc<StateMap>,
    pub(crate) config: Config,
    pub(crate) sessions: Sessions,
    /// Cancelled when the server begins to shut down.
    shutdown: CancellationToken,
    /// This dispatcher, for the calls it runs (`Context::server`).
    me: Weak<Dispatcher>,
}

impl Dispatcher {
    /// A dispatcher; `me` is the `Weak` of the `Arc` it goes into (`Arc::new_cyclic`).
    pub(crate) fn new(
        info: Implementation,
        instructions: Option<String>,
        tools: Vec<ToolDef>,
        states: StateMap,
        config: Config,
        me: Weak<Dispatcher>,
    ) -> Self {
        let capabilities = ServerCapabilities {
            tools: Some(ToolsCapability { list_changed: true }),
            logging: Some(Map::new()),
        };
        let discover = discover_result(&info, instructions.as_deref(), &config);
        Self {
            tools: ArcSwap::from_pointee(ToolSet::new(tools, config.page_size, hints(&config))),
            tool_changes: watch::Sender::new(()),
            sessions: Sessions::new(config.clone()),
            shutdown: CancellationToken::new(),
            me,
            states: Arc::new(states),
            info,
            instructions,
            capabilities,
            discover,
            config,
        }
    }

    /// Sweeps expired sessions in the background, so an idle server frees them too (not
    /// only at the next `initialize`). Without a Tokio runtime here it does nothing; the
    /// task ends with the dispatcher.
    pub(crate) fn start_session_sweeper(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let shortest = self
            .config
            .session_idle_timeout
            .min(self.config.handshake_timeout);
        let every = (shortest / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
        let dispatcher = Arc::downgrade(self);
        runtime.spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match dispatcher.upgrade() {
                    Some(dispatcher) => dispatcher.sessions.sweep(),
                    None => break,
                }
            }
        });
    }

    /// Begins a graceful shutdown: streams that would never end by themselves (`GET`
    /// streams, subscriptions) end now; calls in flight run on.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.cancel();
        for session in self.sessions.all() {
            session.close_standalone();
        }
    }

    /// Handles one request; `http_headers` (when the transport has them) are handed to the
    /// tool a `tools/call` runs.
    pub(crate) fn handle_request(
        &self,
        era: Era<'_>,
        request: IncomingRequest<'_>,
        http: Option<HttpParts>,
    ) -> Dispatched {
        // One span per request (observability: method, id, session; `tool` on calls).
        let session_id = match &era {
            Era::Handshake(Some(session)) => Some(session.id()),
            _ => None,
        };
        let span = observe::request_span(&request.method, &request.id, session_id);
        let _entered = span.enter();
        let method = observe::method_label(&request.method);
        let dispatched = match era {
            Era::Handshake(session) => self.handshake_request(session, request, http),
            Era::Stateless(headers) => self.stateless_request(headers, request, http),
        };
        observe::request(method, matches!(dispatched, Dispatched::Reply(_, Some(_))));
        dispatched
    }

    /// Runs `f` on the tool named `name`, if there is one (the auth scope check).
    pub(crate) fn with_tool<R>(&self, name: &str, f: impl FnOnce(&ToolDef) -> R) -> Option<R> {
        self.tools.load().get(name).map(|(tool, _)| f(tool))
    }

    fn handshake_request(
        &self,
        session: Option<Arc<Session>>,
        request: IncomingRequest<'_>,
        http_headers: Option<HttpParts>,
    ) -> Dispatched {
        let id = request.id;
        let params = request.params;
        let outcome = match &*request.method {
            "initialize" => return self.initialize(&id, params),
            "ping" => Ok(result_message(&id, &json!({}))),
            "tools/list" => self.list_tools(&id, params, false),
            "tools/call" => {
                // The session moves into the call; this handle lends its capabilities.
                let caller = session.clone();
                let no_capabilities = Map::new();
                let capabilities = caller
                    .as_deref()
                    .map_or(&no_capabilities, Session::client_capabilities);
                let origin = CallOrigin {
                    log_level: session.as_ref().map(|s| s.log_level()),
                    cancel: match &session {
                        Some(session) => session.start_call(&id),
                        None => CancellationToken::new(),
                    },
                    session,
                    stateless: false,
                    client_info: None,
                };
                let declared = Declared {
                    capabilities: Capabilities::Parsed(capabilities),
                    where_: "the `capabilities` of `initialize`",
                };
                let params = parse_params(params);
                return self.call_tool(&id, params, None, declared, origin, http_headers);
            }
            "logging/setLevel" => parse_params::<SetLevelParams>(params).map(|p| {
                if let Some(session) = &session {
                    session.set_log_level(p.level);
                }
                result_message(&id, &json!({}))
            }),
            other => Err(RpcError::method_not_found(other)),
        };
        Dispatched::from_outcome(&id, outcome)
    }

    fn stateless_request(
        &self,
        headers: Option<&MirroredHeaders<'_>>,
        request: IncomingRequest<'_>,
        http_headers: Option<HttpParts>,
    ) -> Dispatched {
        let id = request.id;
        let params = request.params;
        let envelope = match envelope::validate(&request.method, params, headers) {
            Ok(envelope) => envelope,
            Err(e) => return Dispatched::error(&id, &e),
        };
        let outcome = match &*request.method {
            // 2026-07-28 removed `ping` and `logging/setLevel` (and has no `initialize`):
            // like any method it does not define, they get -32601 below.
            "server/discover" => Ok(result_message(&id, &*self.discover)),
            "tools/list" => self.list_tools(&id, params, true),
            "subscriptions/listen" => {
                return match parse_params::<ListenParams>(params) {
                    Ok(listen) => Dispatched::Call(subscriptions::listen(
                        id,
                        listen,
                        self.tool_changes.subscribe(),
                        self.shutdown.clone(),
                    )),
                    Err(e) => Dispatched::error(&id, &e),
                };
            }
            "tools/call" => {
                let origin = CallOrigin {
                    session: None,
                    log_level: envelope.log_level,
                    cancel: CancellationToken::new(),
                    stateless: true,
                    client_info: envelope.client_info,
                };
                let declared = Declared {
                    capabilities: Capabilities::Raw(&envelope.client_capabilities),
                    where_: "`io.modelcontextprotocol/clientCapabilities` in `params._meta`",
                };
                let params = envelope.call.map_or_else(|| parse_params(params), Ok);
                return self.call_tool(&id, params, headers, declared, origin, http_headers);
            }
            other => Err(RpcError::method_not_found(other)),
        };
        Dispatched::from_outcome(&id, outcome)
    }

    /// Handles a notification; nothing is ever sent back.
    pub(crate) fn handle_notification(
        &self,
        session: Option<&Session>,
        method: &str,
        params: Option<&RawValue>,
    ) {
        match (method, session) {
            ("notifications/initialized", Some(session)) => session.mark_initialized(),
            ("notifications/cancelled", Some(session)) => {
                match parse_params::<CancelledParams>(params) {
                    Ok(c) => {
                        session.cancel_call(&c.request_id);
                    }
                    Err(e) => tracing::debug!("ignoring malformed notifications/cancelled: {e}"),
                }
            }
            // Unknown notifications are ignored, as JSON-RPC asks.
            (other, _) => tracing::debug!("ignoring notification {other}"),
        }
    }

    fn initialize(&self, id: &RequestId, params: Option<&RawValue>) -> Dispatched {
        let params: InitializeParams = match parse_params(params) {
            Ok(p) => p,
            Err(e) => return Dispatched::error(id, &e),
        };
        let version = ProtocolVersion::negotiate(&params.protocol_version);
        let session = match self
            .sessions
            .create(version, params.client_info, params.capabilities)
        {
            Ok(s) => s,
            Err(e) => {
                let err = RpcError::new(
                    ErrorCode::INTERNAL_ERROR,
                    format!("could not create a session: {e}"),
                );
                return Dispatched::error(id, &err);
            }
        };
        let result = InitializeResult {
            protocol_version: version.as_str(),
            capabilities: &self.capabilities,
            server_info: &self.info,
            instructions: self.instructions.as_deref(),
        };
        Dispatched::Initialized(result_message(id, &result), session)
    }

    fn list_tools(
        &self,
        id: &RequestId,
        params: Option<&RawValue>,
        stateless: bool,
    ) -> Result<Bytes, RpcError> {
        #[derive(Deserialize)]
        struct ListParams {
            #[serde(default)]
            cursor: Option<String>,
        }
        let cursor = parse_params::<ListParams>(params)?.cursor;
        let tools = self.tools.load();
        match tools.page(cursor.as_deref(), stateless) {
            Some(page) => Ok(result_message(id, page)),
            None => Err(RpcError::invalid_params(format!(
                "invalid cursor {:?}: pass a nextCursor from an earlier tools/list",
                cursor.unwrap_or_default()
            ))),
        }
    }

    /// Starts a `tools/call` with its parameters as read (with a stateless envelope they
    /// were read in the same pass).
    fn call_tool(
        &self,
        id: &RequestId,
        params: Result<CallToolParams, RpcError>,
        headers: Option<&MirroredHeaders<'_>>,
        declared: Declared<'_>,
        origin: CallOrigin,
        http_headers: Option<HttpParts>,
    ) -> Dispatched {
        let started = (|| {
            let params = params?;
            let tools = self.tools.load();
            let (tool, header_params) = tools.get(&params.name).ok_or_else(|| {
                RpcError::invalid_params(format!("unknown tool `{}`", params.name))
            })?;
            if let Some(headers) = headers {
                envelope::check_param_headers(header_params, params.arguments.as_ref(), headers)?;
            }
            declared.check(tool)?;
            let traceparent = params.meta.as_ref().and_then(|m| m.traceparent.as_deref());
            observe::record_call(&params.name, traceparent);
            let arguments = Arguments::new(params.arguments.unwrap_or_default());
            let setup = CallSetup {
                request_id: id.clone(),
                progress_token: params.meta.and_then(|m| m.progress_token),
                tool: params.name,
                origin,
                states: self.states.clone(),
                http_headers,
                server: self.me.clone(),
            };
            Ok(CallStream::start(tool, arguments, setup))
        })();
        match started {
            Ok(call) => Dispatched::Call(call),
            Err(e) => Dispatched::error(id, &e),
        }
    }

    /// Number of tools served.
    pub(crate) fn tool_count(&self) -> usize {
        self.tools.load().len()
    }

    /// Adds or replaces a tool and tells every session the list changed.
    pub(crate) fn add_tool(&self, tool: ToolDef) {
        self.update_tools(|tools| {
            tools.retain(|t| t.name != tool.name);
            tools.push(tool);
        });
    }

    /// Removes a tool; `false` if there was none by that name.
    pub(crate) fn remove_tool(&self, name: &str) -> bool {
        let mut removed = false;
        self.update_tools(|tools| {
            let before = tools.len();
            tools.retain(|t| t.name != name);
            removed = tools.len() != before;
        });
        removed
    }

    fn update_tools(&self, change: impl FnOnce(&mut Vec<ToolDef>)) {
        let mut tools = self.tools.load().tools().to_vec();
        change(&mut tools);
        self.tools.store(Arc::new(ToolSet::new(
            tools,
            self.config.page_size,
            hints(&self.config),
        )));
        let changed = notification_message("notifications/tools/list_changed", &json!({}));
        for session in self.sessions.all() {
            session.standalone_log().push(changed.clone());
        }
        self.tool_changes.send_replace(());
    }
}

/// The capabilities a client declared, and where it declares them (for messages).
struct Declared<'a> {
    capabilities: Capabilities<'a>,
    where_: &'static str,
}

/// A session's capabilities (read at `initialize`), or a stateless request's, still raw:
/// most tools require none, so most calls never read them.
enum Capabilities<'a> {
    Parsed(&'a Map<String, Value>),
    Raw(&'a RawValue),
}

impl Declared<'_> {
    /// Every capability the tool requires must be declared → else -32021 naming them.
    fn check(&self, tool: &ToolDef) -> Result<(), RpcError> {
        if tool.required_client_capabilities.is_empty() {
            return Ok(());
        }
        let raw_read;
        let capabilities = match self.capabilities {
            Capabilities::Parsed(map) => map,
            Capabilities::Raw(raw) => {
                // The ladder checked it is an object.
                raw_read = serde_json::from_str::<Map<String, Value>>(raw.get())
                    .map_err(RpcError::invalid_params)?;
                &raw_read
            }
        };
        let missing: Vec<&str> = tool
            .required_client_capabilities
            .iter()
            .map(String::as_str)
            .filter(|name| !capabilities.contains_key(*name))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let names = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Err(RpcError::missing_client_capabilities(
            format!(
                "tool `{}` needs the client capabilit{} {names}; declare {} in {}",
                tool.name,
                if missing.len() == 1 { "y" } else { "ies" },
                if missing.len() == 1 { "it" } else { "them" },
                self.where_
            ),
            &missing,
        ))
    }
}

fn hints(config: &Config) -> CacheHints {
    CacheHints::public(config.cache_ttl)
}

/// The `server/discover` result (2026-07-28).
fn discover_result(
    info: &Implementation,
    instructions: Option<&str>,
    config: &Config,
) -> Box<RawValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct DiscoverResult<'a> {
        result_type: &'static str,
        supported_versions: Vec<&'static str>,
        capabilities: Value,
        #[serde(rename = "_meta")]
        meta: Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        instructions: Option<&'a str>,
        #[serde(flatten)]
        hints: CacheHints,
    }
    let result = DiscoverResult {
        result_type: "complete",
        supported_versions: ProtocolVersion::supported(),
        // `listChanged`: `subscriptions/listen` delivers `notifications/tools/list_changed`.
        capabilities: json!({"tools": {"listChanged": true}, "logging": {}}),
        meta: json!({"io.modelcontextprotocol/serverInfo": info}),
        instructions,
        hints: hints(config),
    };
    serde_json::value::to_raw_value(&result)
        .unwrap_or_else(|e| unreachable!("the discover result always serializes: {e}"))
}

fn parse_params<T: DeserializeOwned>(params: Option<&RawValue>) -> Result<T, RpcError> {
    let raw = params.map_or("{}", RawValue::get);
    serde_json::from_str(raw).map_err(RpcError::invalid_params)
}
