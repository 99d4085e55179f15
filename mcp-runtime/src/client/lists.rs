//! Paginated lists: every page of `tools/list`, `resources/list`, … followed by cursor.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::ClientError;
use super::exchange;
use super::param_headers::HeaderParams;
use super::shared::Shared;
use super::types::Tool;

/// The most pages a list follows, so a server that always answers with a cursor cannot
/// keep the client looping.
pub(crate) const MAX_PAGES: usize = 1000;

/// Every item of `method`'s `field`, following `nextCursor`.
pub(crate) async fn all<T: DeserializeOwned>(
    shared: &Arc<Shared>,
    method: &str,
    field: &str,
) -> Result<Vec<T>, ClientError> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut params = Map::new();
        if let Some(cursor) = &cursor {
            params.insert("cursor".into(), json!(cursor));
        }
        let mut page = exchange::result(shared, method, params, None).await?;
        let list = page.get_mut(field).map(Value::take).unwrap_or(json!([]));
        let list: Vec<T> = serde_json::from_value(list).map_err(|e| {
            ClientError::Protocol(format!("{method} returned an unexpected `{field}`: {e}"))
        })?;
        items.extend(list);
        let next = page
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if next.is_none() || next == cursor {
            return Ok(items);
        }
        cursor = next;
    }
    Err(ClientError::Protocol(format!(
        "{method}: still more pages after {MAX_PAGES}"
    )))
}

/// Every tool, without those whose `x-mcp-header` annotations are invalid (the transport
/// rules say a client must not offer them); remembers each tool's header parameters.
pub(crate) async fn tools(shared: &Arc<Shared>) -> Result<Vec<Tool>, ClientError> {
    let listed: Vec<Tool> = all(shared, "tools/list", "tools").await?;
    let mut headers = HashMap::new();
    let mut tools = Vec::with_capacity(listed.len());
    for tool in listed {
        match HeaderParams::parse(&tool.input_schema) {
            Ok(params) => {
                headers.insert(tool.name.clone(), params);
                tools.push(tool);
            }
            Err(why) => tracing::warn!("ignoring tool `{}`: {why}", tool.name),
        }
    }
    shared.remember_tools(headers);
    Ok(tools)
}
