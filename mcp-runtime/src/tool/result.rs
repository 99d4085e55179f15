//! Tool results: [`CallToolResult`] and the [`IntoToolResult`] conversions that let a
//! `#[tool]` function return plain Rust values.

use std::fmt::Display;

use schemars::{JsonSchema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Content;

/// The result of `tools/call`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallToolResult {
    /// What the model reads.
    pub content: Vec<Content>,
    /// Machine-readable output matching the tool's `outputSchema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// `true` when the tool failed; `content` then says why.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
}

impl CallToolResult {
    /// A successful result with these content blocks.
    pub fn new(content: impl IntoIterator<Item = Content>) -> Self {
        Self {
            content: content.into_iter().collect(),
            ..Self::default()
        }
    }

    /// The same result with `structuredContent` (matching the tool's `outputSchema`).
    pub fn structured(mut self, value: Value) -> Self {
        self.structured_content = Some(value);
        self
    }

    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![Content::text(text)],
            ..Self::default()
        }
    }

    /// A failed result (`isError: true`) whose text says what went wrong.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            content: vec![Content::text(message)],
            is_error: true,
            ..Self::default()
        }
    }

    /// The text of its text blocks, one per line: what a test of a tool usually checks.
    ///
    /// ```
    /// use mcp_runtime::CallToolResult;
    /// assert_eq!(CallToolResult::text("hi").text_content(), "hi");
    /// ```
    pub fn text_content(&self) -> String {
        let texts: Vec<&str> = self
            .content
            .iter()
            .filter_map(|block| match block {
                Content::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        texts.join("\n")
    }
}

/// Turns what a tool function returns into a [`CallToolResult`].
///
/// Implemented for `String`, `&'static str`, `()`, [`Content`], `Vec<Content>`,
/// [`Json<T>`], [`CallToolResult`] and `Result<T, E>` where `E: Display` (an `Err`
/// becomes a result with `isError: true`, which the model reads, not a protocol error).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    label = "not a tool result",
    note = "return `String`, `&'static str`, `()`, `Json<T>` (structured output), `Content`, `Vec<Content>`, `CallToolResult`, or a `Result<T, E: Display>` of one of these"
)]
pub trait IntoToolResult {
    /// Converts the value.
    fn into_tool_result(self) -> CallToolResult;

    /// The schema of `structuredContent` this type produces, if it produces any.
    fn output_schema(generator: &mut SchemaGenerator) -> Option<Map<String, Value>> {
        let _ = generator;
        None
    }
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> CallToolResult {
        self
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::text(self)
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::text(self)
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::default()
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult {
            content: vec![self],
            ..CallToolResult::default()
        }
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult {
            content: self,
            ..CallToolResult::default()
        }
    }
}

impl<T: IntoToolResult, E: Display> IntoToolResult for Result<T, E> {
    fn into_tool_result(self) -> CallToolResult {
        match self {
            Ok(value) => value.into_tool_result(),
            Err(error) => CallToolResult::error(error.to_string()),
        }
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Map<String, Value>> {
        T::output_schema(generator)
    }
}

/// Structured output: the value goes into `structuredContent` (and, as JSON text, into
/// `content` for clients that predate structured output), and the tool's `outputSchema` is
/// derived from `T`.
///
/// ```
/// use mcp_runtime::{Json, tool};
///
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Weather { celsius: f64 }
///
/// /// Current temperature.
/// #[tool]
/// async fn weather(city: String) -> Json<Weather> {
///     let _ = city;
///     Json(Weather { celsius: 21.5 })
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> CallToolResult {
        match serde_json::to_value(&self.0) {
            Ok(value) => {
                // MCP wants an object; a list or a number travels as `{"result": …}`, as its
                // output schema says.
                let structured = if value.is_object() {
                    value
                } else {
                    serde_json::json!({ "result": value })
                };
                CallToolResult {
                    content: vec![Content::text(structured.to_string())],
                    structured_content: Some(structured),
                    is_error: false,
                }
            }
            Err(e) => {
                CallToolResult::error(format!("the tool's output could not be serialized: {e}"))
            }
        }
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Map<String, Value>> {
        Some(super::schema::output_schema::<T>(generator))
    }
}
