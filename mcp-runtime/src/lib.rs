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

pub mod context;
mod macros;
pub mod protocol;
pub mod server;
pub mod tool;
mod transport;

pub use context::{CallContext, Context, cancelled, is_cancelled, report_progress};
pub use protocol::LogLevel;
pub use server::{Server, ServerHandle, serve};
pub use tool::{
    ArgumentError, Arguments, CallToolResult, Content, Icon, IntoToolResult, Json, State,
    ToolAnnotations, ToolDef, ToolError, tools,
};

/// Turns an `async fn` into an MCP tool, registered for [`serve`] at link time.
///
/// ```
/// use mcp_runtime::tool;
///
/// /// Greet someone.
/// #[tool(name = "greet", title = "Greeter", read_only, idempotent)]
/// async fn greet(
///     /// Who to greet.
///     name: String,
///     /// How many exclamation marks.
///     #[arg(default = 1)]
///     excitement: usize,
///     /// Greet in capitals.
///     shout: Option<bool>,
/// ) -> String {
///     let text = format!("Hello, {name}{}", "!".repeat(excitement));
///     if shout.unwrap_or(false) { text.to_uppercase() } else { text }
/// }
///
/// // The function is still a function...
/// # tokio_test_block_on(async {
/// assert_eq!(greet("Ada".into(), 2, None).await, "Hello, Ada!!");
/// # });
/// // ...and `greet_tool()` is its definition.
/// let def = greet_tool();
/// assert_eq!(def.name, "greet");
/// assert_eq!(def.input_schema["required"], serde_json::json!(["name"]));
/// # fn tokio_test_block_on(f: impl std::future::Future) { tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f); }
/// ```
///
/// Options of `#[tool(...)]`: `name = "…"` (default: the function's name), `title = "…"`,
/// and the hints `read_only`, `destructive`, `idempotent`, `open_world`.
///
/// Each parameter must be `Deserialize + JsonSchema`. `Option<T>` parameters are not
/// required. `///` on a parameter becomes its description. `#[arg(...)]` options:
/// `default = EXPR` (or bare `default` for `Default::default()`), `rename = "…"`,
/// `description = "…"`.
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
