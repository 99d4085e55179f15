//! The definition of one tool: what `tools/list` shows and the function `tools/call` runs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::descriptor::descriptor_builders;
use super::{Arguments, CallToolResult, Descriptor};

/// The future a tool call runs: it always ends in a [`CallToolResult`] (errors included).
pub type ToolFuture = Pin<Box<dyn Future<Output = CallToolResult> + Send + 'static>>;

type Handler = Arc<dyn Fn(Arguments) -> ToolFuture + Send + Sync>;

/// One tool: its `tools/list` entry and the function that runs it.
///
/// `#[tool]` builds these for you (`my_tool_tool()` returns the definition of `my_tool`).
/// Build one by hand when a schema must be served exactly as written:
///
/// ```
/// use mcp_runtime::{CallToolResult, ToolDef};
/// use serde_json::json;
///
/// let echo = ToolDef::new(
///     "echo",
///     json!({"type": "object", "properties": {"text": {"type": "string"}}}),
///     |args| async move {
///         let text = args.get("text").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
///         CallToolResult::text(text)
///     },
/// )
/// .description("Echo the text back.");
/// assert_eq!(echo.name, "echo");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ToolDef {
    /// Name (1–128 characters of `A-Za-z0-9_.-`), title, description, icons, `_meta`,
    /// required scopes: what every definition has (also reachable as `def.name`, …).
    pub descriptor: Descriptor,
    /// JSON Schema of the arguments object.
    pub input_schema: Map<String, Value>,
    /// JSON Schema of `structuredContent`, for tools that return structured output.
    pub output_schema: Option<Map<String, Value>>,
    /// Behaviour hints for clients.
    pub annotations: Option<ToolAnnotations>,
    /// Client capabilities a call needs (e.g. `sampling`), checked before the tool runs.
    pub(crate) required_client_capabilities: Vec<String>,
    /// How long a call may run before it is stopped (`None`: the server's call timeout).
    pub(crate) timeout: Option<std::time::Duration>,
    /// Whether a call may run as a task (tasks extension); see `ToolDef::task_support`.
    pub(crate) task_support: super::TaskSupport,
    handler: Handler,
}

descriptor_builders!(ToolDef, descriptor);

/// The `tools/list` entry, in the spec's field order.
impl Serialize for ToolDef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            title: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<&'a str>,
            input_schema: &'a Map<String, Value>,
            #[serde(skip_serializing_if = "Option::is_none")]
            output_schema: Option<&'a Map<String, Value>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            annotations: Option<&'a ToolAnnotations>,
            #[serde(skip_serializing_if = "<[Icon]>::is_empty")]
            icons: &'a [Icon],
            #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
            meta: Option<&'a Map<String, Value>>,
        }
        let d = &self.descriptor;
        Wire {
            name: &d.name,
            title: d.title.as_deref(),
            description: d.description.as_deref(),
            input_schema: &self.input_schema,
            output_schema: self.output_schema.as_ref(),
            annotations: self.annotations.as_ref(),
            icons: &d.icons,
            meta: d.meta.as_ref(),
        }
        .serialize(serializer)
    }
}

/// Where a definition lives in the source: `module_path!()` and the function's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DefinedAt {
    /// The module, e.g. `my_server::notes`.
    pub module_path: &'static str,
    /// The function, e.g. `add_note`.
    pub function: &'static str,
}

impl fmt::Display for DefinedAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.module_path, self.function)
    }
}

/// An icon for a tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Icon {
    /// The image's URL (`https:` or a `data:` URI).
    pub src: String,
    /// Its MIME type, e.g. `image/png`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Sizes it is good for, e.g. `["48x48"]` or `["any"]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<String>,
}

impl Icon {
    /// An icon from a URL.
    pub fn new(src: impl Into<String>) -> Self {
        Self {
            src: src.into(),
            mime_type: None,
            sizes: Vec::new(),
        }
    }
}

/// Hints about a tool's behaviour (all optional; clients must not rely on them for safety).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolAnnotations {
    /// The tool does not change its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may destroy or overwrite data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it again with the same arguments has no further effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool talks to the outside world (the web, other systems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

impl ToolAnnotations {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl ToolDef {
    /// A tool from a name, an input schema (served verbatim) and an async handler that
    /// receives the raw arguments.
    ///
    /// # Panics
    /// If `input_schema` is not a JSON object: that is a programming error, caught at start-up.
    pub fn new<F, Fut>(name: impl Into<String>, input_schema: Value, handler: F) -> Self
    where
        F: Fn(Arguments) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CallToolResult> + Send + 'static,
    {
        let name = name.into();
        let Value::Object(input_schema) = input_schema else {
            panic!("the input schema of tool `{name}` must be a JSON object");
        };
        Self {
            descriptor: Descriptor::new(name),
            input_schema,
            output_schema: None,
            annotations: None,
            required_client_capabilities: Vec::new(),
            timeout: None,
            task_support: super::TaskSupport::default(),
            handler: Arc::new(move |args| Box::pin(handler(args))),
        }
    }

    /// Stops a call of this tool after `timeout` (instead of the server's call timeout):
    /// the client gets an `isError` result that says the tool timed out.
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Replaces the input schema with `schema`, served verbatim in `tools/list`: for a
    /// `#[tool]` whose schema must say more than its parameters (a `$schema` dialect,
    /// `$defs` with anchors, `allOf`/`if`/`then` rules). The parameters still decode the
    /// arguments, so name each property of the schema as a parameter.
    ///
    /// ```
    /// use mcp_runtime::tool;
    /// use serde_json::json;
    ///
    /// /// Reach someone by phone or email.
    /// #[tool]
    /// async fn contact(phone: Option<String>, email: Option<String>) -> String {
    ///     phone.or(email).unwrap_or_default()
    /// }
    ///
    /// let def = contact_tool().input_schema(json!({
    ///     "$schema": "https://json-schema.org/draft/2020-12/schema",
    ///     "type": "object",
    ///     "properties": {"phone": {"type": "string"}, "email": {"type": "string"}},
    ///     "anyOf": [{"required": ["phone"]}, {"required": ["email"]}],
    ///     "additionalProperties": false
    /// }));
    /// assert_eq!(def.input_schema["anyOf"][0]["required"], json!(["phone"]));
    /// ```
    ///
    /// # Panics
    /// If `schema` is not a JSON object: a programming error, caught at start-up.
    pub fn input_schema(mut self, schema: Value) -> Self {
        let Value::Object(schema) = schema else {
            panic!(
                "the input schema of tool `{}` must be a JSON object",
                self.name
            );
        };
        self.input_schema = schema;
        self
    }

    /// Declares that calls need a capability the client announces (`"sampling"`,
    /// `"elicitation"`, `"roots"`). A client that did not declare it (in `initialize`, or in
    /// a 2026-07-28 request's `io.modelcontextprotocol/clientCapabilities`) gets error
    /// -32021 (missing required client capability) naming it, and the tool does not run.
    pub fn requires_client_capability(mut self, capability: impl Into<String>) -> Self {
        self.required_client_capabilities.push(capability.into());
        self
    }

    /// Sets the output schema (the schema of `structuredContent`).
    pub fn output_schema(mut self, schema: Map<String, Value>) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// Sets the behaviour hints; empty hints are left out of the definition.
    pub fn annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = (!annotations.is_empty()).then_some(annotations);
        self
    }

    /// Starts a call with the given arguments.
    pub fn call(&self, arguments: Arguments) -> ToolFuture {
        (self.handler)(arguments)
    }
}

impl fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolDef")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("description", &self.description)
            .field("input_schema", &self.input_schema)
            .field("output_schema", &self.output_schema)
            .field("annotations", &self.annotations)
            .field("icons", &self.icons)
            .field("meta", &self.meta)
            .field("required_scopes", &self.required_scopes)
            .field("defined_at", &self.defined_at)
            .finish_non_exhaustive()
    }
}

/// Whether `name` follows the spec's rule for tool names: 1–128 characters of
/// `A-Z a-z 0-9 _ - .`.
pub fn is_valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}
