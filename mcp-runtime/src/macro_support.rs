//! What the macros expand to, re-exported as `mcp_runtime::__private::v1`. Not public API.

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
