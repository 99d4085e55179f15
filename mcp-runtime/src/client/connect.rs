//! Finding a revision both sides speak: `server/discover` (2026-07-28) first, then the
//! `initialize` handshake with the newest handshake revision the server accepts.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::ClientError;
use super::exchange;
use super::shared::Shared;
use super::types::ServerInfo;
use crate::protocol::ProtocolVersion;
use crate::protocol::types::Implementation;

/// How long a `server/discover` probe may take before the server counts as a legacy one
/// that ignores unknown requests (stdio servers may say nothing at all).
const DISCOVER_PATIENCE: Duration = Duration::from_secs(10);

/// Negotiates the revision; `wanted` forces one (no fallback).
pub(crate) async fn negotiate(
    shared: &Arc<Shared>,
    wanted: Option<ProtocolVersion>,
) -> Result<ServerInfo, ClientError> {
    match wanted {
        Some(version) if version.is_stateless() => discover(shared).await,
        Some(version) => initialize(shared, version).await,
        None => match discover(shared).await {
            Ok(info) => Ok(info),
            // A modern server that does not speak our revision: `initialize` would not help.
            Err(e) if e.rpc_code() == Some(-32022) => Err(e),
            Err(e) => {
                tracing::debug!("server/discover failed ({e}); falling back to initialize");
                initialize(shared, ProtocolVersion::LATEST).await
            }
        },
    }
}

async fn call(shared: &Arc<Shared>, method: &str, params: Value) -> Result<Value, ClientError> {
    let params = match params {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    exchange::result(shared, method, params, None).await
}

async fn discover(shared: &Arc<Shared>) -> Result<ServerInfo, ClientError> {
    shared.set_version(Some(ProtocolVersion::V2026_07_28));
    let patience = shared
        .timeout
        .map_or(DISCOVER_PATIENCE, |t| t.min(DISCOVER_PATIENCE));
    let answer = tokio::time::timeout(patience, call(shared, "server/discover", json!({})))
        .await
        .unwrap_or(Err(ClientError::Timeout(patience)));
    let result = match answer {
        Ok(result) => result,
        Err(e) => {
            shared.set_version(None);
            return Err(e);
        }
    };
    let speaks_ours = result
        .get("supportedVersions")
        .and_then(Value::as_array)
        .is_some_and(|versions| {
            versions
                .iter()
                .any(|v| v.as_str() == Some(ProtocolVersion::V2026_07_28.as_str()))
        });
    if !speaks_ours {
        shared.set_version(None);
        return Err(ClientError::Protocol(format!(
            "server/discover lists no revision this client speaks statelessly: {}",
            result.get("supportedVersions").unwrap_or(&Value::Null)
        )));
    }
    Ok(ServerInfo {
        protocol_version: ProtocolVersion::V2026_07_28,
        implementation: result
            .pointer("/_meta/io.modelcontextprotocol~1serverInfo")
            .and_then(|info| serde_json::from_value::<Implementation>(info.clone()).ok()),
        capabilities: object(result.get("capabilities")),
        instructions: instructions(&result),
    })
}

pub(crate) async fn initialize(
    shared: &Arc<Shared>,
    wanted: ProtocolVersion,
) -> Result<ServerInfo, ClientError> {
    shared.set_version(None);
    let result = call(
        shared,
        "initialize",
        json!({
            "protocolVersion": wanted.as_str(),
            "capabilities": shared.handlers.capabilities(),
            "clientInfo": shared.client_info,
        }),
    )
    .await?;
    let offered = result
        .get("protocolVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    // The server answers with the revision it will speak: ours, or one it prefers.
    let version = ProtocolVersion::parse(offered)
        .filter(|v| !v.is_stateless())
        .ok_or_else(|| {
            ClientError::Protocol(format!(
                "the server wants protocol revision `{offered}`; this client speaks {}",
                ProtocolVersion::supported_list()
            ))
        })?;
    shared.set_version(Some(version));
    shared
        .transport
        .send(shared.notification("notifications/initialized", None))
        .await?;
    Ok(ServerInfo {
        protocol_version: version,
        implementation: result
            .get("serverInfo")
            .and_then(|info| serde_json::from_value::<Implementation>(info.clone()).ok()),
        capabilities: object(result.get("capabilities")),
        instructions: instructions(&result),
    })
}

fn object(value: Option<&Value>) -> Map<String, Value> {
    value
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn instructions(result: &Value) -> Option<String> {
    result
        .get("instructions")
        .and_then(Value::as_str)
        .map(str::to_owned)
}
