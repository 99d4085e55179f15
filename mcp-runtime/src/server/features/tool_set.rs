//! The set of tools a server offers, with its `tools/list` pages serialized once per change.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::server::envelope::{HeaderParam, header_params};
use crate::tool::ToolDef;

/// An immutable snapshot of the tools; a change builds a new one.
pub(crate) struct ToolSet {
    /// Looked up on every call; the server's own names, so foldhash rather than SipHash.
    by_name: HashMap<String, usize, foldhash::fast::RandomState>,
    tools: Vec<ToolDef>,
    /// Each tool's `x-mcp-header` parameters (stateless era).
    header_params: Vec<Vec<HeaderParam>>,
    /// `tools/list` results, one per page, ready to send.
    pages: Vec<Box<RawValue>>,
    /// The same pages in the 2026-07-28 shape (`resultType`, cache hints).
    stateless_pages: Vec<Box<RawValue>>,
}

/// Cache hints of 2026-07-28 results.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CacheHints {
    pub(crate) ttl_ms: u64,
    pub(crate) cache_scope: &'static str,
}

impl CacheHints {
    pub(crate) fn public(ttl: Duration) -> Self {
        Self {
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            cache_scope: "public",
        }
    }
}

impl ToolSet {
    pub(crate) fn new(tools: Vec<ToolDef>, page_size: usize, hints: CacheHints) -> Self {
        let page_size = page_size.max(1);
        let chunks: Vec<&[ToolDef]> = if tools.is_empty() {
            vec![&[]]
        } else {
            tools.chunks(page_size).collect()
        };
        let last = chunks.len() - 1;
        let cursor = |i: usize| (i < last).then(|| (i + 1).to_string());
        let pages = chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| list_result(chunk, cursor(i)))
            .collect();
        let stateless_pages = chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| stateless_list_result(chunk, cursor(i), hints))
            .collect();
        let by_name = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        let header_params = tools
            .iter()
            .map(|t| header_params(&t.input_schema))
            .collect();
        Self {
            by_name,
            tools,
            header_params,
            pages,
            stateless_pages,
        }
    }

    /// A tool and its `x-mcp-header` parameters.
    pub(crate) fn get(&self, name: &str) -> Option<(&ToolDef, &[HeaderParam])> {
        self.by_name
            .get(name)
            .map(|&i| (&self.tools[i], &self.header_params[i][..]))
    }

    pub(crate) fn len(&self) -> usize {
        self.tools.len()
    }

    pub(crate) fn tools(&self) -> &[ToolDef] {
        &self.tools
    }

    /// The page a cursor names (`None`: the first page), in the handshake-era or the
    /// stateless shape; `None` for a cursor we never gave.
    pub(crate) fn page(&self, cursor: Option<&str>, stateless: bool) -> Option<&RawValue> {
        let index = match cursor {
            None => 0,
            Some(cursor) => cursor.parse::<usize>().ok().filter(|&i| i > 0)?,
        };
        let pages = if stateless {
            &self.stateless_pages
        } else {
            &self.pages
        };
        pages.get(index).map(|page| &**page)
    }
}

/// One `tools/list` result.
pub(crate) fn list_result(tools: &[ToolDef], next_cursor: Option<String>) -> Box<RawValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ListToolsResult<'a> {
        tools: &'a [ToolDef],
        #[serde(skip_serializing_if = "Option::is_none")]
        next_cursor: Option<String>,
    }
    to_raw(&ListToolsResult { tools, next_cursor })
}

fn stateless_list_result(
    tools: &[ToolDef],
    next_cursor: Option<String>,
    hints: CacheHints,
) -> Box<RawValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ListToolsResult<'a> {
        result_type: &'static str,
        tools: &'a [ToolDef],
        #[serde(skip_serializing_if = "Option::is_none")]
        next_cursor: Option<String>,
        #[serde(flatten)]
        hints: CacheHints,
    }
    to_raw(&ListToolsResult {
        result_type: "complete",
        tools,
        next_cursor,
        hints,
    })
}

fn to_raw(value: &impl Serialize) -> Box<RawValue> {
    // Definitions are strings, booleans and `serde_json` maps: serialization cannot fail.
    serde_json::value::to_raw_value(value)
        .unwrap_or_else(|e| unreachable!("tool definitions always serialize: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::CallToolResult;
    use serde_json::Value;

    fn tool(name: &str) -> ToolDef {
        ToolDef::new(name, serde_json::json!({"type": "object"}), |_| async {
            CallToolResult::default()
        })
    }

    fn page(set: &ToolSet, cursor: Option<&str>, stateless: bool) -> Value {
        serde_json::from_str(set.page(cursor, stateless).expect("page").get()).expect("json")
    }

    #[test]
    fn pages_link_with_cursors() {
        let set = ToolSet::new(
            vec![tool("a"), tool("b"), tool("c")],
            2,
            CacheHints::public(Duration::from_secs(1)),
        );
        let first = page(&set, None, false);
        assert_eq!(first["tools"].as_array().map(Vec::len), Some(2));
        assert_eq!(first["nextCursor"], "1");
        let second = page(&set, Some("1"), false);
        assert_eq!(second["tools"][0]["name"], "c");
        assert!(second.get("nextCursor").is_none());
        assert!(set.page(Some("2"), false).is_none());
        assert!(set.page(Some("0"), false).is_none());
        assert!(set.page(Some("junk"), false).is_none());
        let stateless = page(&set, Some("1"), true);
        assert_eq!(stateless["resultType"], "complete");
        assert_eq!(stateless["ttlMs"], 1000);
        assert_eq!(stateless["cacheScope"], "public");
    }

    #[test]
    fn an_empty_set_has_one_empty_page() {
        let set = ToolSet::new(vec![], 10, CacheHints::public(Duration::ZERO));
        assert_eq!(
            set.page(None, false).map(RawValue::get),
            Some(r#"{"tools":[]}"#)
        );
    }
}
