//! The lifecycle: `initialize` and `notifications/initialized` (handshake era),
//! `server/discover` (2026-07-28), `ping`, and the client's `notifications/cancelled`.

use std::any::Any;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use futures_util::future::{BoxFuture, FutureExt as _};

use super::{Eras, Feature, Handled, Method, Request, now, parse_params};
use crate::protocol::methods::{CANCELLED, DISCOVER, INITIALIZE, INITIALIZED, PING};
use crate::protocol::types::{CancelledParams, Implementation, InitializeParams};
use crate::protocol::{ErrorCode, ProtocolVersion, RpcError};
use crate::request::RequestMeta;
use crate::server::features::tools::CacheHints;
use crate::server::store::{NewSession, SessionRef, StoreError};
use crate::server::{Reason, Refusal};

/// The lifecycle feature.
pub(crate) struct Lifecycle;

impl Feature for Lifecycle {
    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[
            Method::new(INITIALIZE, Eras::Handshake),
            // 2026-07-28 removed `ping`: -32601 there, like any method it does not define.
            Method::new(PING, Eras::Handshake),
            Method::new(DISCOVER, Eras::Stateless),
        ];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        match request.method {
            INITIALIZE => async move { initialize(&request).await }.boxed(),
            DISCOVER => now(request.reply_raw(request.engine.discover())),
            _ => now(request.reply(&json!({}))),
        }
    }

    fn notifications(&self) -> &'static [&'static str] {
        &[INITIALIZED, CANCELLED]
    }

    fn notify<'a>(
        &'a self,
        session: Option<&'a SessionRef>,
        method: &'a str,
        params: Option<&'a RawValue>,
    ) -> BoxFuture<'a, ()> {
        async move {
            let Some(session) = session else { return };
            match method {
                INITIALIZED => {
                    if let Err(e) = session.mark_initialized().await {
                        tracing::warn!("could not record notifications/initialized: {e}");
                    }
                }
                _ => match parse_params::<CancelledParams>(params) {
                    Ok(cancelled) => session.cancel_call(&cancelled.request_id),
                    Err(e) => tracing::debug!("ignoring malformed notifications/cancelled: {e}"),
                },
            }
        }
        .boxed()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InitializeResult<'a> {
    protocol_version: &'static str,
    capabilities: &'a Map<String, Value>,
    server_info: &'a Implementation,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<&'a str>,
}

async fn initialize(request: &Request<'_>) -> Handled {
    let params: InitializeParams = match request.params() {
        Ok(params) => params,
        Err(e) => return Handled::error(e),
    };
    let engine = request.engine;
    let version = ProtocolVersion::negotiate(&params.protocol_version);
    let new = NewSession {
        protocol_version: version,
        client_info: params.client_info,
        client_capabilities: params.capabilities,
        id: (request.meta.as_deref())
            .and_then(RequestMeta::preset_session_id)
            .cloned(),
        client: (request.meta.as_deref())
            .and_then(|meta| {
                meta.extensions()
                    .get::<crate::server::admission::ClientKey>()
            })
            .cloned(),
    };
    let session = match engine.store.create(new).await {
        Ok(session) => session,
        Err(e @ (StoreError::Full(_) | StoreError::ClientFull(_))) => {
            let error = RpcError::new(ErrorCode::INTERNAL_ERROR, e.to_string());
            return Handled::Refused(Refusal::new(Reason::Overloaded, error));
        }
        Err(e) => {
            let error = RpcError::new(
                ErrorCode::INTERNAL_ERROR,
                format!("could not create a session: {e}"),
            );
            return Handled::Refused(Refusal::new(Reason::Unavailable, error));
        }
    };
    let result = InitializeResult {
        protocol_version: version.as_str(),
        capabilities: engine.capabilities(),
        server_info: engine.info(),
        instructions: engine.instructions(),
    };
    match request.reply(&result) {
        Handled::Reply(Ok(body)) => Handled::Opened(body, session),
        other => other,
    }
}

/// The `server/discover` result (2026-07-28), serialized once.
pub(crate) fn discover_result(
    info: &Implementation,
    instructions: Option<&str>,
    capabilities: &Map<String, Value>,
    hints: CacheHints,
) -> Box<RawValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct DiscoverResult<'a> {
        result_type: &'static str,
        supported_versions: Vec<&'static str>,
        capabilities: &'a Map<String, Value>,
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
        capabilities,
        meta: json!({"io.modelcontextprotocol/serverInfo": info}),
        instructions,
        hints,
    };
    serde_json::value::to_raw_value(&result)
        .unwrap_or_else(|e| unreachable!("the discover result always serializes: {e}"))
}
