//! The peer: `rmcp`, the official Rust SDK, behind its Streamable HTTP service.
//!
//! Configured as its documentation suggests for a server that speaks both eras: sessions for
//! handshake-era clients (`legacy_session_mode`, the default) and plain JSON replies when a
//! call emits nothing before its result (`json_response`). Requests of 2026-07-28 are served
//! statelessly whatever the session setting (rmcp does this by itself, per SEP-2567).
//!
//! The handler implements `ServerHandler` by hand, as the `#[tool_router]` macros would
//! expand to, so the crate builds without rmcp's macro feature (a lighter cold build).

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::CallToolResponse;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ContentBlock, Implementation, InitializeResult,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use crate::spec;

/// The tools of [`spec::tools`] as rmcp models them.
#[derive(Clone)]
struct Bench {
    tools: Arc<Vec<Tool>>,
}

impl ServerHandler for Bench {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("bench", "0.1.0"))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        // What rmcp's `ToolRouter::list_all` does too: a fresh `Vec<Tool>` per request.
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        let result = match &*request.name {
            spec::ECHO => {
                let text = arguments.get("text").and_then(Value::as_str).unwrap_or("");
                CallToolResult::success(vec![ContentBlock::text(text)])
            }
            spec::PROGRESS => {
                let number = |key: &str, default: u64| {
                    arguments
                        .get(key)
                        .and_then(Value::as_u64)
                        .unwrap_or(default)
                };
                let frames = u32::try_from(number("frames", u64::from(spec::FRAMES)))
                    .unwrap_or(spec::FRAMES);
                let delay = Duration::from_millis(number("delay_ms", 0));
                let token = context.meta.get_progress_token();
                for i in 1..=frames {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    if let Some(token) = &token {
                        let param = ProgressNotificationParam::new(token.clone(), f64::from(i))
                            .with_total(f64::from(frames))
                            .with_message(spec::progress_message(i, frames));
                        let _ = context.peer.notify_progress(param).await;
                    }
                }
                CallToolResult::success(vec![ContentBlock::text("done")])
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool `{other}`"),
                    None,
                ));
            }
        };
        Ok(result.into())
    }
}

/// The rmcp service mounted at [`spec::PATH`].
pub fn router() -> axum::Router {
    let tools: Vec<Tool> = spec::tools()
        .into_iter()
        .map(|t| Tool::new(t.name, t.description, t.input_schema))
        .collect();
    let handler = Bench {
        tools: Arc::new(tools),
    };
    let config = StreamableHttpServerConfig::default().with_json_response(true);
    let service = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    axum::Router::new().route_service(spec::PATH, service)
}
