//! Values a parameter receives from the server instead of from the client.

use std::sync::Arc;

use super::{State, StateRequirement};
use crate::context::{CallContext, Context};

/// A parameter type the server fills in for each call, instead of decoding it from the
/// client's arguments: [`State<T>`] and [`Context`] implement it. Such a parameter is left
/// out of the input schema, and `#[arg(...)]` on it is a compile error.
///
/// The macros choose by this trait, not by the type's name: any other parameter type is an
/// argument and must be `Deserialize + JsonSchema` (so a user type that happens to be named
/// `Context` is an ordinary argument).
///
/// A new injected type (say, the caller's verified identity) implements it:
///
/// ```
/// use std::sync::Arc;
/// use mcp_runtime::{CallContext, FromCallContext, tool};
///
/// /// The name of the tool being called.
/// struct ToolName(String);
///
/// impl FromCallContext for ToolName {
///     fn from_call_context(ctx: &Arc<CallContext>) -> Result<Self, String> {
///         Ok(ToolName(ctx.tool_name().to_owned()))
///     }
/// }
///
/// /// Say which tool this is.
/// #[tool]
/// async fn which(name: ToolName) -> String {
///     name.0
/// }
///
/// assert_eq!(which_tool().input_schema["properties"], serde_json::json!({}));
/// ```
pub trait FromCallContext: Sized {
    /// The value for the call in progress, or why the server cannot provide it (the call
    /// then ends with that message as an internal error and the function does not run).
    fn from_call_context(ctx: &Arc<CallContext>) -> Result<Self, String>;

    /// Server state the value needs, checked when the server starts, so a missing one is a
    /// start-up error rather than a failing call. Default: none. Hidden: only `State<T>`
    /// needs it, and `StateRequirement` is not public API.
    #[doc(hidden)]
    fn state_requirement() -> Option<StateRequirement> {
        None
    }
}

impl<T: Send + Sync + 'static> FromCallContext for State<T> {
    fn from_call_context(ctx: &Arc<CallContext>) -> Result<Self, String> {
        // The start-up check makes this unreachable on a server; it guards hand-built calls.
        ctx.state::<T>().ok_or_else(|| {
            format!(
                "no State<{}> on this server: add it with `Server::state(...)`",
                std::any::type_name::<T>()
            )
        })
    }

    fn state_requirement() -> Option<StateRequirement> {
        Some(StateRequirement::of::<T>())
    }
}

impl FromCallContext for Context {
    fn from_call_context(ctx: &Arc<CallContext>) -> Result<Self, String> {
        Ok(Context(Arc::clone(ctx)))
    }
}
