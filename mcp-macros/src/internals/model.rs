//! What a tool, resource or prompt is made of, checked (built by [`check`](super::check)):
//! what the expansions read.
//!
//! Whether a parameter is an argument or injected by the server (`State<T>`, `Context`) is
//! not decided here: the expansion leaves it to the type system (see
//! `mcp_runtime::FromCallContext`), so every parameter is described as a possible argument.

use syn::{Expr, Ident, ItemFn, LitStr, Type};

/// A checked definition: what the three kinds share, and `kind`, what is particular to one.
pub struct Item<K> {
    /// The function as the user wrote it, minus our helper attributes.
    pub function: ItemFn,
    /// The function's name without `r#`.
    pub ident_text: String,
    /// The name clients see (`name = "…"`, else the function's).
    pub name: String,
    pub title: Option<String>,
    /// `description = "…"`, else the doc comment.
    pub description: Option<String>,
    pub icons: Vec<String>,
    pub scopes: Vec<String>,
    pub params: Vec<Param>,
    pub kind: K,
}

/// What only a tool has.
pub struct Tool {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    /// `timeout = "…"`, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The `TaskSupport` variant, when `task = …` was given.
    pub task: Option<Ident>,
    /// `ui = …`: the tool's MCP Apps view.
    pub ui: Option<ToolUi>,
}

/// A tool's view: its `ui://` URI and who may call the tool.
pub struct ToolUi {
    pub uri: String,
    /// The `Visibility` variants; `None`: not restricted.
    pub visibility: Option<Vec<Ident>>,
}

/// What only a resource has.
pub struct Resource {
    pub uri: LitStr,
    pub mime: Option<String>,
    /// The URI template's variables; none for a fixed resource.
    pub variables: Vec<String>,
    /// `app`: served as an MCP Apps view.
    pub app: Option<AppView>,
}

/// An app view's sandbox settings.
pub struct AppView {
    pub prefers_border: Option<bool>,
    /// `csp(...)`: `AppCsp` method and origins, for each list written.
    pub csp: Option<Vec<(Ident, Vec<String>)>>,
}

/// A prompt has nothing of its own.
pub struct Prompt;

/// A parameter: an argument the client sends, unless its type is injected by the server.
pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    /// The argument's name on the wire (after `rename`).
    pub name: String,
    pub description: Option<String>,
    /// `#[arg(header = "...")]`: mirrored into `Mcp-Param-{header}` (2026-07-28).
    pub header: Option<String>,
    pub examples: Vec<Expr>,
    pub min: Option<Expr>,
    pub max: Option<Expr>,
    pub min_length: Option<Expr>,
    pub max_length: Option<Expr>,
    pub pattern: Option<String>,
    /// `#[arg(complete = f)]`: its completion function (resources and prompts).
    pub complete: Option<syn::Path>,
    pub kind: ArgumentKind,
    /// The `#[arg]` attribute, if any: an injected type rejects it at compile time.
    pub arg_span: Option<proc_macro2::Span>,
}

impl Param {
    pub fn has_constraints(&self) -> bool {
        self.min.is_some()
            || self.max.is_some()
            || self.min_length.is_some()
            || self.max_length.is_some()
            || self.pattern.is_some()
    }

    /// The type the schema describes: `T` for `Option<T>`, else the parameter's type.
    pub fn schema_ty(&self) -> &Type {
        match &self.kind {
            ArgumentKind::Optional { inner } => inner,
            _ => &self.ty,
        }
    }
}

pub enum ArgumentKind {
    /// Must be present.
    Required,
    /// `Option<T>`: may be absent; `inner` is `T`, whose schema describes the argument.
    Optional { inner: Type },
    /// `#[arg(default)]` (`None`: `Default::default()`) or `#[arg(default = EXPR)]`.
    Defaulted(Option<Expr>),
}

/// The identifier as the user means it: without the `r#` of a raw identifier.
pub fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map(str::to_owned).unwrap_or(text)
}
