//! Paginated list results (`resources/list`, `prompts/list`, …): pages of a fixed size,
//! linked by cursors, with the 2026-07-28 cache hints on that revision's results.

use serde::{Deserialize, Serialize};

use super::tools::CacheHints;
use super::{Handled, Request};
use crate::protocol::RpcError;

/// The `cursor` of a list request's params (none: the first page).
pub(crate) fn cursor(request: &Request<'_>) -> Result<Option<String>, Handled> {
    #[derive(Deserialize)]
    struct ListParams {
        #[serde(default)]
        cursor: Option<String>,
    }
    request
        .params::<ListParams>()
        .map(|params| params.cursor)
        .map_err(Handled::error)
}

/// Answers a list request with the page its cursor names; `key` names the list in the
/// result (`"resources"`, `"prompts"`, …).
pub(crate) fn list<T: Serialize>(
    request: &Request<'_>,
    key: &'static str,
    items: &[T],
    page_size: usize,
    hints: CacheHints,
) -> Handled {
    let cursor = match cursor(request) {
        Ok(cursor) => cursor,
        Err(invalid) => return invalid,
    };
    let page_size = page_size.max(1);
    let start = match cursor.as_deref() {
        None => 0,
        Some(c) => match c
            .parse::<usize>()
            .ok()
            .filter(|&i| i > 0 && i < items.len())
        {
            Some(start) => start,
            None => {
                return Handled::error(RpcError::invalid_params(format!(
                    "invalid cursor {c:?}: pass a nextCursor from an earlier {}",
                    request.method
                )));
            }
        },
    };
    let end = (start + page_size).min(items.len());
    let next_cursor = (end < items.len()).then(|| end.to_string());
    let page = Page {
        key,
        items: &items[start..end],
        next_cursor,
        hints: request.is_stateless().then_some(hints),
    };
    match serde_json::value::to_raw_value(&page) {
        Ok(raw) => request.reply_raw(&raw),
        Err(e) => Handled::error(super::scoped::internal(format!(
            "cannot serialize the {key} list: {e}"
        ))),
    }
}

struct Page<'a, T> {
    key: &'static str,
    items: &'a [T],
    next_cursor: Option<String>,
    hints: Option<CacheHints>,
}

impl<T: Serialize> Serialize for Page<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        if self.hints.is_some() {
            map.serialize_entry("resultType", "complete")?;
        }
        map.serialize_entry(self.key, self.items)?;
        if let Some(cursor) = &self.next_cursor {
            map.serialize_entry("nextCursor", cursor)?;
        }
        if let Some(hints) = &self.hints {
            map.serialize_entry("ttlMs", &hints.ttl_ms)?;
            map.serialize_entry("cacheScope", hints.cache_scope)?;
        }
        map.end()
    }
}
