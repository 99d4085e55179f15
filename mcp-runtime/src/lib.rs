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
//! - [`progress!`] reports progress from anywhere in a tool's call tree ([`context`]).
//! - [`serve`] serves every `#[tool]` in the binary over Streamable HTTP; [`Server`] is the
//!   builder for explicit tool sets and for mounting the endpoint in your own
//!   [`axum::Router`].

// Lets `#[tool]` (which names `::mcp_runtime`) be used in this crate's own tests.
#[cfg(test)]
extern crate self as mcp_runtime;

pub mod context;
mod macros;
pub mod protocol;
pub mod server;
pub mod tool;
mod transport;

pub use context::{CallContext, Context, cancelled, is_cancelled, report_progress};
pub use protocol::LogLevel;
#[cfg(feature = "redis")]
pub use server::store::redis::RedisStore;
pub use server::{Server, ServerHandle, serve, serve_stdio};
pub use tool::{
    ArgumentError, Arguments, CallToolResult, Content, Icon, IntoToolResult, Json, State,
    ToolAnnotations, ToolDef, ToolError, tools,
};

/// Turns an `async fn` into an MCP tool, registered for [`serve`] at link time.
///
/// The function stays callable as written; the macro adds `<name>_tool()`, which returns
/// its [`ToolDef`] (for [`Server::tool`]), and registers it for [`serve`] and [`tools`].
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
/// | `read_only`, `destructive`, `idempotent`, `open_world` | behaviour hints (`annotations`) |
/// | `icon = "url"` | an icon (repeatable) |
///
/// # Parameters
///
/// Each parameter is `name: Type` with `Type: Deserialize + JsonSchema`, and becomes a
/// property of the input schema. `///` on a parameter is its description. `Option<T>` is
/// not required. `State<T>` (see [`Server::state`]) and [`Context`] are filled in by the
/// server and are not arguments.
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
/// Methods (`self`), generic functions, `impl Trait` parameters, patterns instead of names,
/// invalid tool or header names, duplicate argument names and unknown options are compile
/// errors at the offending span.
pub use mcp_macros::tool;

/// What `#[tool]` expands to. Not public API: may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::tool::schema::{InputSchema, ParamSpec, generator};
    pub use crate::tool::{Constraints, Pattern, Registration, StateRequirement};
    pub use inventory;
    pub use serde_json;

    use crate::{CallContext, CallToolResult, Context, State};

    /// The result of a call whose arguments were rejected: the model reads what to fix.
    pub fn invalid_arguments(tool: &str, error: crate::ArgumentError) -> CallToolResult {
        CallToolResult::error(format!("Invalid arguments for tool `{tool}`: {error}"))
    }

    /// Serializes a parameter's default for the schema's `default` keyword.
    pub fn default_value<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
        serde_json::to_value(value).ok()
    }

    /// Serializes an example for the schema's `examples` keyword.
    pub fn example_value<T: serde::Serialize>(value: T) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
    }

    /// A `State<T>` parameter's value. The server checks at start-up that it has every
    /// state its tools take, so the error branch only guards hand-built contexts.
    pub fn state<T: Send + Sync + 'static>(tool: &str) -> Result<State<T>, CallToolResult> {
        CallContext::current()
            .and_then(|ctx| ctx.state::<T>())
            .ok_or_else(|| {
                let name = std::any::type_name::<T>();
                CallToolResult::error(format!(
                    "internal error in tool `{tool}`: no State<{name}> on this server"
                ))
            })
    }

    /// A `Context` parameter's value.
    pub fn context(tool: &str) -> Result<Context, CallToolResult> {
        CallContext::current().map(Context).ok_or_else(|| {
            CallToolResult::error(format!(
                "internal error in tool `{tool}`: called outside a tool call"
            ))
        })
    }

    /// A `min`/`max` bound as the `f64` the checks compare with.
    pub fn bound<T: Bound>(value: T) -> f64 {
        value.into_f64()
    }

    /// Numbers usable as `min`/`max` bounds.
    pub trait Bound {
        /// The bound as `f64`.
        fn into_f64(self) -> f64;
    }

    macro_rules! bounds {
        ($($t:ty),*) => {$(
            impl Bound for $t {
                #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
                fn into_f64(self) -> f64 {
                    self as f64
                }
            }
        )*};
    }
    bounds!(
        i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
    );

    /// Checks a `pattern` constraint when the tool is defined (at start-up).
    pub fn check_pattern(tool: &str, argument: &str, pattern: &'static Pattern) {
        if let Err(why) = pattern.regex() {
            panic!(
                "tool `{tool}`, argument `{argument}`: invalid pattern `{}`: {why}",
                pattern.source()
            );
        }
    }
}
