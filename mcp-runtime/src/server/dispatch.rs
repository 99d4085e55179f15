//! The transport-free core: one JSON-RPC message in, a reply (or a call stream) out.
//!
//! Every protocol rule about *methods* lives here; the transports only move bytes.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::call::CallStream;
use super::session::{Session, Sessions};
use crate::protocol::jsonrpc::{IncomingRequest, error_message, result_message};
use crate::protocol::types::{
    CallToolParams, Implementation, InitializeParams, InitializeResult, ServerCapabilities,
    ToolsCapability,
};
use crate::protocol::{ProtocolVersion, RequestId, RpcError};
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
    tools: HashMap<String, ToolDef>,
    /// `tools/list` result, serialized once: the tool set is fixed while serving.
    tools_list: Box<RawValue>,
    pub(crate) sessions: Sessions,
}

impl Dispatcher {
    pub(crate) fn new(
        info: Implementation,
        instructions: Option<String>,
        tools: Vec<ToolDef>,
    ) -> Self {
        let tools_list = tools_list_result(&tools);
        Self {
            info,
            instructions,
            capabilities: ServerCapabilities {
                tools: Some(ToolsCapability {
                    list_changed: false,
                }),
            },
            tools: tools.into_iter().map(|t| (t.name.clone(), t)).collect(),
            tools_list,
            sessions: Sessions::default(),
        }
    }

    /// Handles one request from `session` (`None` for `initialize`).
    pub(crate) fn handle_request(
        &self,
        session: Option<Arc<Session>>,
        request: IncomingRequest<'_>,
    ) -> Dispatched {
        let id = request.id;
        let outcome = match &*request.method {
            "initialize" => return self.initialize(&id, request.params),
            "ping" => Ok(result_message(&id, &serde_json::json!({}))),
            "tools/list" => Ok(result_message(&id, &*self.tools_list)),
            "tools/call" => return self.call_tool(session, id, request.params),
            other => Err(RpcError::method_not_found(other)),
        };
        Dispatched::Reply(outcome.unwrap_or_else(|e| error_message(Some(&id), &e)))
    }

    /// Handles a notification; nothing is ever sent back.
    pub(crate) fn handle_notification(&self, session: Option<&Session>, method: &str) {
        match method {
            "notifications/initialized" => {
                if let Some(session) = session {
                    session.mark_initialized();
                }
            }
            // Unknown notifications are ignored, as JSON-RPC asks.
            other => tracing::debug!("ignoring notification {other}"),
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
                    crate::protocol::ErrorCode::INTERNAL_ERROR,
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

    fn call_tool(
        &self,
        session: Option<Arc<Session>>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Dispatched {
        let params: CallToolParams = match parse_params(params) {
            Ok(p) => p,
            Err(e) => return Dispatched::Reply(error_message(Some(&id), &e)),
        };
        let Some(tool) = self.tools.get(&params.name) else {
            let err = RpcError::invalid_params(format!("unknown tool `{}`", params.name));
            return Dispatched::Reply(error_message(Some(&id), &err));
        };
        let arguments = Arguments::new(params.arguments.unwrap_or_default());
        let token = params.meta.and_then(|m| m.progress_token);
        Dispatched::Call(CallStream::start(tool, id, arguments, token, session))
    }

    /// Number of tools served.
    pub(crate) fn tool_count(&self) -> usize {
        self.tools.len()
    }
}

/// The `tools/list` result as JSON.
pub(crate) fn tools_list_result(tools: &[ToolDef]) -> Box<RawValue> {
    #[derive(serde::Serialize)]
    struct ListToolsResult<'a> {
        tools: &'a [ToolDef],
    }
    // Definitions are strings, booleans and `serde_json` maps: serialization cannot fail.
    serde_json::value::to_raw_value(&ListToolsResult { tools })
        .unwrap_or_else(|e| unreachable!("tool definitions always serialize: {e}"))
}

fn parse_params<T: DeserializeOwned>(params: Option<&RawValue>) -> Result<T, RpcError> {
    let raw = params.map_or("{}", RawValue::get);
    serde_json::from_str(raw).map_err(RpcError::invalid_params)
}
