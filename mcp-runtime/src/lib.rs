//! Write [Model Context Protocol](https://modelcontextprotocol.io) servers as plain async
//! functions.
//!
//! ```no_run
//! use std::time::Duration;
//! use mcp_runtime::{progress, serve, tool};
//!
//! /// Analyze a dataset in chunks, reporting progress as it goes.
//! #[tool]
//! async fn stream_data_analysis(
//!     /// Name of the dataset to analyze.
//!     dataset: String,
//!     /// Items per chunk.
//!     #[arg(default = 100)]
//!     chunk_size: usize,
//! ) -> String {
//!     let total = 1000;
//!     for done in (chunk_size..=total).step_by(chunk_size) {
//!         tokio::time::sleep(Duration::from_millis(100)).await;
//!         progress!(done, total, "Processed {done}/{total} items");
//!     }
//!     format!("Analysis of {dataset} complete")
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     serve().await // every #[tool] in the binary, on http://127.0.0.1:8000/mcp
//! }
//! ```
//!
//! - [`#[tool]`](macro@tool) turns an `async fn` into a tool: parameters → input schema,
//!   doc comment → description, return value → result ([`IntoToolResult`]).
//! - [`#[resource]`](macro@resource) and [`#[prompt]`](macro@prompt) do the same for
//!   resources (fixed URIs and URI templates) and prompts; `#[arg(complete = f)]` adds
//!   argument completion ([`completion`]).
//! - [`progress!`] reports progress from anywhere in a tool's call tree ([`context`]).
//! - [`serve`] serves every `#[tool]` in the binary over Streamable HTTP; [`Server`] is the
//!   builder for explicit tool sets and for mounting the endpoint in your own
//!   [`axum::Router`].
//! - `mcp_runtime::client` (cargo feature `client`) is a client for any MCP server, over
//!   Streamable HTTP or stdio, in both protocol eras.
//!
//! The crate root holds what an author of tools, resources and prompts writes; the rest is
//! in named modules: [`tool`](mod@tool), [`resource`](mod@resource) and
//! [`prompt`](mod@prompt) (each kind's types, beside the attribute of the same name),
//! [`context`] and [`peer`] (a call's context, and requests to the client), [`completion`],
//! [`app`] and [`skill`] (extensions), [`server`], [`settings`] and [`auth`] (running it),
//! [`limits`] (the HTTP surface's limits), `store` (feature `redis`: sessions shared by
//! replicas) and [`protocol`] (wire types such as
//! [`ProtocolVersion`](protocol::ProtocolVersion) and [`RequestId`](protocol::RequestId)).

// On docs.rs (`--cfg docsrs`, see Cargo.toml): each item gated on a cargo feature gets a
// badge naming it (nightly's `doc_cfg`, which now includes what was `doc_auto_cfg`).
#![cfg_attr(docsrs, feature(doc_cfg))]
// Published: every public item is documented (the workspace only warns, for the
// unpublished crates).
#![deny(missing_docs)]

// Lets `#[tool]` (which names `::mcp_runtime`) be used in this crate's own tests.
#[cfg(test)]
extern crate self as mcp_runtime;

/// Entry points for `fuzz/` (feature `fuzzing`). Not public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;
pub mod app;
pub mod auth;
#[cfg(feature = "client")]
pub mod client;
pub mod completion;
pub mod context;
mod identity;
mod launch;
mod macro_support;
mod macros;
mod observe;
pub mod peer;
pub mod prompt;
pub mod protocol;
mod request;
pub mod resource;
pub mod server;
pub mod settings;
pub mod skill;
mod state;
pub mod tool;
mod transport;

/// Limits of the HTTP surface: timeouts, connection caps and the request-body budget
/// ([`Server::http_limits`], [`Server::body_meter`]).
pub mod limits {
    pub use crate::transport::http::{BodyMeter, HttpLimits};
}

/// Where sessions live when several replicas serve one endpoint ([`Server::store`]).
#[cfg(feature = "redis")]
pub mod store {
    pub use crate::server::store::redis::RedisStore;
}

/// Re-exported so a project needs no direct dependency to mount [`Server::router`] next to
/// its own routes (`mcp_runtime::axum::Router`).
pub use axum;
/// Re-exported: the runtime the server runs on (`#[mcp_runtime::tokio::main(crate =
/// "mcp_runtime::tokio")]` works without a direct dependency).
pub use tokio;

// The authoring set: what a tool, resource or prompt author writes. Everything else is in
// the named modules.
pub use auth::{Auth, Identity};
pub use context::{CallContext, Context, cancelled, is_cancelled, report_progress};
pub use launch::{serve, serve_stdio};
pub use prompt::{IntoPromptResult, PromptDef, PromptError, PromptMessage};
pub use resource::{IntoResourceResult, ResourceDef, ResourceError, ResourceTemplateDef};
pub use server::{Server, ServerError, ServerHandle};
pub use settings::Settings;
pub use tool::{
    CallToolResult, Content, FromCallContext, Icon, IntoToolResult, Json, State, ToolDef, ToolError,
};

/// Turns an `async fn` into an MCP tool, registered for [`serve`] at link time.
///
/// The function stays callable as written; the macro adds `<name>_tool()`, which returns
/// its [`ToolDef`] (for [`Server::tool`]), and registers it for [`serve`] and [`tools`](tool::tools).
///
/// ```
/// use mcp_runtime::{Context, Json, State, ToolError, tool};
///
/// struct Catalog { items: Vec<String> }
///
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Page { items: Vec<String>, total: usize }
///
/// /// Search the catalog.
/// ///
/// /// The doc comment is the tool's description.
/// #[tool(name = "catalog.search", title = "Catalog search", read_only, idempotent,
///        icon = "https://example.com/search.png")]
/// async fn search(
///     catalog: State<Catalog>,   // server state: not an argument
///     ctx: Context,              // the call's context: not an argument
///     /// Words to look for.
///     #[arg(min_length = 2, max_length = 80, example = "red shoes")]
///     query: String,
///     /// Results per page.
///     #[arg(default = 10, min = 1, max = 50)]
///     limit: usize,
///     /// Only items in this category (not required: it is an `Option`).
///     category: Option<String>,
///     #[arg(rename = "sortBy", description = "Field to sort by.", pattern = "^(name|price)$")]
///     sort_by: Option<String>,
/// ) -> Result<Json<Page>, ToolError> {
///     let _ = (ctx.request_id(), category, sort_by);
///     let items: Vec<String> = catalog.items.iter().filter(|i| i.contains(&query)).cloned().collect();
///     let total = items.len();
///     Ok(Json(Page { items: items.into_iter().take(limit).collect(), total }))
/// }
///
/// let def = search_tool();
/// assert_eq!(def.name, "catalog.search");
/// assert_eq!(def.input_schema["required"], serde_json::json!(["query"]));
/// assert_eq!(def.input_schema["properties"]["limit"]["maximum"], 50);
/// assert!(def.output_schema.is_some());
/// ```
///
/// # `#[tool(...)]` options
///
/// | option | effect |
/// |---|---|
/// | `name = "…"` | the tool's name (default: the function's); checked at compile time: 1–128 characters of `A-Za-z0-9_.-` |
/// | `title = "…"` | display title |
/// | `description = "…"` | description (default: the doc comment) |
/// | `read_only`, `destructive`, `idempotent`, `open_world` | behaviour hints (`annotations`); each also takes `= true` or `= false` (the spec assumes `destructiveHint` and `openWorldHint` are `true` when absent, so write `destructive = false` to say otherwise); a hint not written is left out |
/// | `icon = "url"` | an icon (repeatable) |
/// | `scopes = ["a", "b"]` | OAuth scopes a caller's token must carry ([`required_scopes`](tool::Descriptor::required_scopes); enforced by the server's authorization) |
/// | `timeout = "30s"` | stops a call after this long (instead of the server's call timeout) with an `isError` result; a duration such as `"30s"`, `"5m"` or `"1h 30m"`, checked at compile time |
/// | `ui = "ui://…"` | the tool's MCP Apps view (`_meta.ui.resourceUri`, [`ToolDef::ui`]); serve it with `#[resource(uri = "ui://…", app)]` |
/// | `ui(uri = "ui://…", visibility = ["app"])` | the same, restricting who may call the tool: `"model"`, `"app"` or both ([`app::Visibility`]) |
///
/// # Parameters
///
/// Each parameter is `name: Type` with `Type: Deserialize + JsonSchema`, and becomes a
/// property of the input schema. `///` on a parameter is its description. `Option<T>` is
/// not required. Parameters must own their values (`String`, `Vec<T>`, not `&str` or
/// `&[T]`): they are decoded from the request before the call.
///
/// Types that implement [`FromCallContext`], such as `State<T>` (see [`Server::state`]) and
/// [`Context`], are filled in by the server and are not arguments. The choice is made by
/// that trait, not by the type's name: a type of yours named `Context` is an argument.
///
/// # `#[arg(...)]` options
///
/// | option | effect |
/// |---|---|
/// | `default = EXPR` / `default` | not required; `EXPR` (or `Default::default()`) when absent; the schema's `default` |
/// | `rename = "…"` | the argument's name on the wire |
/// | `description = "…"` | description (instead of the doc comment) |
/// | `example = EXPR` | an entry of the schema's `examples` (repeatable) |
/// | `min = N`, `max = N` | numeric bounds (`minimum`/`maximum`), enforced |
/// | `min_length = N`, `max_length = N` | length of a string (`minLength`/`maxLength`) or of an array (`minItems`/`maxItems`), enforced |
/// | `pattern = "regex"` | a string must match (`pattern`), enforced; checked at start-up |
/// | `header = "Name"` | mirrored into the `Mcp-Param-Name` header by 2026-07-28 clients (`x-mcp-header`), checked against the body |
/// | `complete = f` | only on `#[resource]` template variables and `#[prompt]` arguments: `f` completes the value ([`completion`]); a compile error on a tool argument |
///
/// A call whose arguments are missing, of the wrong type, unknown, or break a constraint
/// never reaches the function: the client gets a result with `isError: true` that names
/// the argument and the rule, so the model can correct its call.
///
/// # Return type
///
/// Anything [`IntoToolResult`]: `String`, `&'static str`, `()`, [`Json<T>`], [`Content`],
/// `Vec<Content>`, [`CallToolResult`], or `Result<T, E: Display>` of these (an `Err` is a
/// result with `isError: true`; see [`ToolError`]). A panic becomes an error result too.
///
/// # Compile-time checks
///
/// A plain `fn` (it would block the runtime's thread), methods (`self`), generic functions,
/// borrowed or `impl Trait` parameters, patterns instead of names, invalid tool or header
/// names, duplicate argument names, unknown options, option values of the wrong kind and
/// `#[arg]` on an injected parameter are compile errors at the offending span; every one in
/// the function is reported, not just the first.
pub use mcp_runtime_macros::tool;

/// Turns an `async fn` into an MCP resource (a fixed URI, listed by `resources/list`) or a
/// resource template (a URI with `{variables}`, listed by `resources/templates/list`),
/// registered at link time ([`resource::resources`], [`resource::resource_templates`]).
///
/// ```
/// use mcp_runtime::resource::{ResourceError, ResourceContents};
/// use mcp_runtime::{State, resource};
///
/// struct Notes(Vec<String>);
///
/// /// The server's read-me.
/// #[resource(uri = "notes://readme", mime = "text/markdown")]
/// async fn readme() -> &'static str {
///     "# Notes"
/// }
///
/// /// A note, by its number.
/// #[resource(uri = "notes://{id}", name = "note", mime = "text/plain")]
/// async fn note(
///     /// The note's number.
///     #[arg(complete = note_ids)]
///     id: usize,
///     notes: State<Notes>,
/// ) -> Result<String, ResourceError> {
///     notes.0.get(id).cloned().ok_or_else(|| ResourceError::not_found(format!("notes://{id}")))
/// }
///
/// async fn note_ids(prefix: String, notes: State<Notes>) -> Vec<String> {
///     (0..notes.0.len()).map(|i| i.to_string()).filter(|i| i.starts_with(&prefix)).collect()
/// }
///
/// assert_eq!(readme_resource().uri, "notes://readme");
/// let template = note_resource();
/// assert_eq!(template.uri_template.as_str(), "notes://{id}");
/// assert!(template.completer("id").is_some());
/// ```
///
/// # `#[resource(...)]` options
///
/// | option | effect |
/// |---|---|
/// | `uri = "…"` | the URI (required); with `{var}` or `{+var}` (RFC 6570) a template, checked at compile time |
/// | `name = "…"` | its name (default: the function's) |
/// | `title = "…"` | display title |
/// | `description = "…"` | description (default: the doc comment) |
/// | `mime = "…"` | MIME type of the contents (and of `String`/`Blob` results) |
/// | `icon = "url"` | an icon (repeatable) |
/// | `app` | an MCP Apps view: a fixed `ui://` URI served as `text/html;profile=mcp-app` ([`app::MIME_TYPE`]), as [`App::into_resource`](app::App::into_resource) does |
/// | `prefers_border` | with `app`: asks the host for a border (`_meta.ui.prefersBorder`, on the list entry and the contents); also `= false` |
/// | `csp(connect_domains = ["https://…"], resource_domains = […], frame_domains = […], base_uri_domains = […])` | with `app`: the origins the view may reach (`_meta.ui.csp`, [`app::AppCsp`]) |
///
/// Each template variable is a parameter of the same name (or `#[arg(rename = "…")]`),
/// typed and validated like a tool argument (`id: u32` accepts `notes://42`), and may have
/// `#[arg(complete = f)]` (see [`completion`]). Every other parameter must be filled in by
/// the server ([`FromCallContext`]: `State<T>`, [`Context`]). A variable without a
/// parameter, a parameter that is neither, and an invalid template are compile errors.
///
/// The result is anything [`IntoResourceResult`]: `String`
/// (text), [`Blob`](resource::Blob) or `Vec<u8>` (base64 blob), contents values, or a
/// `Result` whose `Err` ([`ResourceError`]) fails the read.
pub use mcp_runtime_macros::resource;

/// Turns an `async fn` into an MCP prompt, registered at link time ([`prompt::prompts`]).
///
/// ```
/// use mcp_runtime::prompt; // the attribute, and the module of its types
/// use mcp_runtime::prompt::PromptMessage;
///
/// /// Ask for a review of some code.
/// #[prompt(title = "Code review")]
/// async fn code_review(
///     /// The code to review.
///     code: String,
///     /// Its language.
///     #[arg(complete = languages)]
///     language: Option<String>,
/// ) -> Vec<PromptMessage> {
///     let language = language.unwrap_or_else(|| "code".into());
///     vec![PromptMessage::user(format!("Review this {language}:\n{code}"))]
/// }
///
/// async fn languages(prefix: String) -> Vec<String> {
///     ["rust", "python"].iter().filter(|l| l.starts_with(&prefix)).map(|l| l.to_string()).collect()
/// }
///
/// let def = code_review_prompt();
/// assert_eq!(def.arguments.len(), 2);
/// assert!(def.arguments[0].required && !def.arguments[1].required);
/// ```
///
/// # `#[prompt(...)]` options
///
/// | option | effect |
/// |---|---|
/// | `name = "…"` | its name (default: the function's) |
/// | `title = "…"` | display title |
/// | `description = "…"` | description (default: the doc comment) |
/// | `icon = "url"` | an icon (repeatable) |
///
/// Parameters are the prompt's arguments (`///` → description, `Option<T>` or
/// `#[arg(default)]` → not required, `#[arg(complete = f)]` → completion), except those the
/// server fills in ([`FromCallContext`]). Arguments arrive as strings; a parameter of
/// another `Deserialize` type reads the number or boolean the string spells. The result is
/// anything [`IntoPromptResult`]: `String` (one user message),
/// [`PromptMessage`]s with any content, or a `Result` of them.
pub use mcp_runtime_macros::prompt;

/// What the macros expand to. Not public API: may change in any release.
///
/// Versioned so that code expanded by one release of `mcp-runtime-macros` never silently binds to
/// another release's helpers: a mismatch is a "not found in `__private`" error instead.
#[doc(hidden)]
pub mod __private {
    /// `progress!`'s choice of form.
    pub use mcp_runtime_macros::__progress as progress;
    /// The helpers of `mcp-runtime-macros` 0.1.
    pub mod v1 {
        pub use crate::macro_support::*;
    }
}
