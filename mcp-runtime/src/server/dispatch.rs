//! The transport-free core: one JSON-RPC message in, a reply (or a call stream) out.
//!
//! Every protocol rule about *methods* lives here; the transports only move bytes.

use std::sync::Arc;

use arc_swap::ArcSwap;
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::call::CallStream;
use super::config::Config;
use super::session::{Session, Sessions};
use super::tools::ToolSet;
use crate::context::CallSetup;
use crate::protocol::jsonrpc::{
    IncomingRequest, error_message, notification_message, result_message,
};
use crate::protocol::logging::SetLevelParams;
use crate::protocol::types::{
    CallToolParams, Implementation, InitializeParams, InitializeResult, ServerCapabilities,
    ToolsCapability,
};
use crate::protocol::{ErrorCode, ProtocolVersion, RequestId, RpcError};
use crate::tool::{Arguments, ToolDef};

/// What handling a request produced.
pub(crate) enum Dispatched {
    /// A complete JSON-RPC response (result or error).
    Reply(Bytes),
    /// `initialize` succeeded: the response, and the session it opened.
    Initialized(Bytes, Arc<Session>),
    /// A tool call: its frames and, last, its response.
    Call(CallStream),
}

/// The server's state shared by every connection: identity, tools, sessions.
pub(crate) struct Dispatcher {
    info: Implementation,
    instructions: Option<String>,
    capabilities: ServerCapabilities,
    tools: ArcSwap<ToolSet>,
    pub(crate) config: Config,
    pub(crate) sessions: Sessions,
}

impl Dispatcher {
    pub(crate) fn new(
        info: Implementation,
        instructions: Option<String>,
        tools: Vec<ToolDef>,
        config: Config,
    ) -> Self {
        Self {
            info,
            instructions,
            capabilities: ServerCapabilities {
                tools: Some(ToolsCapability { list_changed: true }),
                logging: Some(serde_json::Map::new()),
            },
            tools: ArcSwap::from_pointee(ToolSet::new(tools, config.page_size)),
            sessions: Sessions::new(config.clone()),
            config,
        }
    }

    /// Handles one request from `session` (`None` for `initialize`).
    pub(crate) fn handle_request(
        &self,
        session: Option<Arc<Session>>,
        request: IncomingRequest<'_>,
    ) -> Dispatched {
        let id = request.id;
        let params = request.params;
        let outcome = match &*request.method {
            "initialize" => return self.initialize(&id, params),
            "ping" => Ok(result_message(&id, &serde_json::json!({}))),
            "tools/list" => self.list_tools(&id, params),
            "tools/call" => match self.call_tool(session, id.clone(), params) {
                Ok(call) => return Dispatched::Call(call),
                Err(e) => Err(e),
            },
            "logging/setLevel" => parse_params::<SetLevelParams>(params).map(|p| {
                if let Some(session) = &session {
                    session.set_log_level(p.level);
                }
                result_message(&id, &serde_json::json!({}))
            }),
            other => Err(RpcError::method_not_found(other)),
        };
        Dispatched::Reply(outcome.unwrap_or_else(|e| error_message(Some(&id), &e)))
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
                #[derive(Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct Cancelled {
                    request_id: RequestId,
                }
                match parse_params::<Cancelled>(params) {
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
            Err(e) => return Dispatched::Reply(error_message(Some(id), &e)),
        };
        let version = ProtocolVersion::negotiate(&params.protocol_version);
        let session = match self.sessions.create(version, params.client_info) {
            Ok(s) => s,
            Err(e) => {
                let err = RpcError::new(
                    ErrorCode::INTERNAL_ERROR,
                    format!("could not create a session: {e}"),
                );
                return Dispatched::Reply(error_message(Some(id), &err));
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

    fn list_tools(&self, id: &RequestId, params: Option<&RawValue>) -> Result<Bytes, RpcError> {
        #[derive(Deserialize)]
        struct ListParams {
            #[serde(default)]
            cursor: Option<String>,
        }
        let cursor = parse_params::<ListParams>(params)?.cursor;
        let tools = self.tools.load();
        match tools.page(cursor.as_deref()) {
            Some(page) => Ok(result_message(id, page)),
            None => Err(RpcError::invalid_params(format!(
                "invalid cursor {:?}: pass a nextCursor from an earlier tools/list",
                cursor.unwrap_or_default()
            ))),
        }
    }

    fn call_tool(
        &self,
        session: Option<Arc<Session>>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Result<CallStream, RpcError> {
        let params: CallToolParams = parse_params(params)?;
        let tools = self.tools.load();
        let tool = tools
            .get(&params.name)
            .ok_or_else(|| RpcError::invalid_params(format!("unknown tool `{}`", params.name)))?;
        let arguments = Arguments::new(params.arguments.unwrap_or_default());
        let cancel = match &session {
            Some(session) => session.start_call(&id),
            None => CancellationToken::new(),
        };
        let setup = CallSetup {
            request_id: id,
            tool: params.name,
            progress_token: params.meta.and_then(|m| m.progress_token),
            log_level: session.as_ref().map(|s| s.log_level()),
            session,
            cancel,
        };
        Ok(CallStream::start(tool, arguments, setup))
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
        self.tools
            .store(Arc::new(ToolSet::new(tools, self.config.page_size)));
        let changed =
            notification_message("notifications/tools/list_changed", &serde_json::json!({}));
        for session in self.sessions.all() {
            session.standalone_log().push(changed.clone());
        }
    }
}

fn parse_params<T: DeserializeOwned>(params: Option<&RawValue>) -> Result<T, RpcError> {
    let raw = params.map_or("{}", RawValue::get);
    serde_json::from_str(raw).map_err(RpcError::invalid_params)
}
