//! A tool's link to its view: `_meta.ui` of the tool definition.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::tool::ToolDef;

/// Who may call a tool that has a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Visibility {
    /// The model: the host lists the tool to the agent.
    Model,
    /// The view: it may call the tool through the host (same server only).
    App,
}

/// `_meta.ui` of a tool: the `ui://` resource that renders its results, and who may call
/// it (default, when unset: both the model and the app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolUi {
    /// The view's resource URI (`ui://…`).
    pub resource_uri: String,
    /// Who may call the tool; `None`: the spec's default, `["model", "app"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Vec<Visibility>>,
}

impl ToolUi {
    /// A view at `resource_uri`, callable by the model and the app.
    pub fn new(resource_uri: impl Into<String>) -> Self {
        Self {
            resource_uri: resource_uri.into(),
            visibility: None,
        }
    }

    /// Restricts who may call the tool: `[Visibility::App]` hides it from the model (a
    /// refresh button's tool, say).
    pub fn visibility(mut self, visibility: impl IntoIterator<Item = Visibility>) -> Self {
        self.visibility = Some(visibility.into_iter().collect());
        self
    }
}

impl From<&str> for ToolUi {
    fn from(uri: &str) -> Self {
        Self::new(uri)
    }
}

impl From<String> for ToolUi {
    fn from(uri: String) -> Self {
        Self::new(uri)
    }
}

impl ToolDef {
    /// Links the tool to its MCP Apps view (`_meta.ui`), keeping any other `_meta` keys:
    /// `.ui("ui://analysis/dashboard")`, or a [`ToolUi`] with a visibility. Serve the view
    /// with [`Server::app`](crate::Server::app); the server then declares the
    /// `io.modelcontextprotocol/ui` extension.
    pub fn ui(mut self, ui: impl Into<ToolUi>) -> Self {
        let ui = ui.into();
        let value = serde_json::to_value(&ui).unwrap_or(Value::Null);
        self.meta
            .get_or_insert_with(Map::new)
            .insert("ui".to_owned(), value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ui_goes_under_meta_and_keeps_other_keys() {
        let mut meta = Map::new();
        meta.insert("vendor/x".into(), json!(1));
        let tool = ToolDef::new("t", json!({"type": "object"}), |_| async {
            crate::tool::CallToolResult::text("")
        })
        .meta(meta)
        .ui(ToolUi::new("ui://a/b").visibility([Visibility::App]));
        assert_eq!(
            Value::Object(tool.descriptor.meta.expect("meta")),
            json!({"vendor/x": 1, "ui": {"resourceUri": "ui://a/b", "visibility": ["app"]}})
        );
    }
}
