//! The set of tools a server offers, with its `tools/list` pages serialized once per change.

use std::collections::HashMap;

use serde_json::value::RawValue;

use crate::tool::ToolDef;

/// An immutable snapshot of the tools; a change builds a new one.
pub(crate) struct ToolSet {
    by_name: HashMap<String, usize>,
    tools: Vec<ToolDef>,
    /// `tools/list` results, one per page, ready to send.
    pages: Vec<Box<RawValue>>,
}

impl ToolSet {
    pub(crate) fn new(tools: Vec<ToolDef>, page_size: usize) -> Self {
        let page_size = page_size.max(1);
        let chunks: Vec<&[ToolDef]> = if tools.is_empty() {
            vec![&[]]
        } else {
            tools.chunks(page_size).collect()
        };
        let last = chunks.len() - 1;
        let pages = chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| list_result(chunk, (i < last).then(|| (i + 1).to_string())))
            .collect();
        let by_name = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        Self {
            by_name,
            tools,
            pages,
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&ToolDef> {
        self.by_name.get(name).map(|&i| &self.tools[i])
    }

    pub(crate) fn len(&self) -> usize {
        self.tools.len()
    }

    pub(crate) fn tools(&self) -> &[ToolDef] {
        &self.tools
    }

    /// The page a cursor names (`None`: the first page); `None` for a cursor we never gave.
    pub(crate) fn page(&self, cursor: Option<&str>) -> Option<&RawValue> {
        let index = match cursor {
            None => 0,
            Some(cursor) => cursor.parse::<usize>().ok().filter(|&i| i > 0)?,
        };
        self.pages.get(index).map(|page| &**page)
    }
}

/// One `tools/list` result.
pub(crate) fn list_result(tools: &[ToolDef], next_cursor: Option<String>) -> Box<RawValue> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ListToolsResult<'a> {
        tools: &'a [ToolDef],
        #[serde(skip_serializing_if = "Option::is_none")]
        next_cursor: Option<String>,
    }
    // Definitions are strings, booleans and `serde_json` maps: serialization cannot fail.
    serde_json::value::to_raw_value(&ListToolsResult { tools, next_cursor })
        .unwrap_or_else(|e| unreachable!("tool definitions always serialize: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CallToolResult;

    fn tool(name: &str) -> ToolDef {
        ToolDef::new(name, serde_json::json!({"type": "object"}), |_| async {
            CallToolResult::default()
        })
    }

    #[test]
    fn pages_link_with_cursors() {
        let set = ToolSet::new(vec![tool("a"), tool("b"), tool("c")], 2);
        let first: serde_json::Value =
            serde_json::from_str(set.page(None).expect("page").get()).expect("json");
        assert_eq!(first["tools"].as_array().map(Vec::len), Some(2));
        assert_eq!(first["nextCursor"], "1");
        let second: serde_json::Value =
            serde_json::from_str(set.page(Some("1")).expect("page").get()).expect("json");
        assert_eq!(second["tools"][0]["name"], "c");
        assert!(second.get("nextCursor").is_none());
        assert!(set.page(Some("2")).is_none());
        assert!(set.page(Some("0")).is_none());
        assert!(set.page(Some("junk")).is_none());
    }

    #[test]
    fn an_empty_set_has_one_empty_page() {
        let set = ToolSet::new(vec![], 10);
        assert_eq!(set.page(None).map(RawValue::get), Some(r#"{"tools":[]}"#));
    }
}
