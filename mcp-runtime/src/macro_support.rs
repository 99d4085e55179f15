//! What the macros expand to, re-exported as `mcp_runtime::__private::v1`. Not public API.

pub use crate::state::StateRequirement;
pub use crate::tool::constraints::{Constraints, Pattern};
pub use crate::tool::registry::Registration;
pub use crate::tool::schema::{InputSchema, ParamSpec, generator};
pub use crate::tool::{Arguments, Icon, IntoToolResult, TaskSupport, ToolAnnotations, ToolDef};
pub use inventory;
pub use serde_json;

pub use crate::app;
pub use crate::tool::slot::{
    ArgumentSlot, InjectedSlot, NotAVariable, Slot, SlotError, TakesArgOptions, TemplateVariable,
};

/// What `#[prompt]` expands to.
pub mod prompt {
    pub use crate::prompt::registry::Registration;
    pub use crate::prompt::{IntoPromptResult, PromptArgument, PromptDef};
}

/// What `#[resource]` expands to.
pub mod resource {
    pub use crate::resource::registry::{Registered, Registration};
    pub use crate::resource::{IntoResourceResult, ResourceDef, ResourceTemplateDef};
}

use crate::tool::{ArgumentError, CallToolResult};

/// The tool's behaviour hints (`ToolAnnotations` is `#[non_exhaustive]`: no struct literal
/// outside this crate).
pub fn annotations(
    read_only: Option<bool>,
    destructive: Option<bool>,
    idempotent: Option<bool>,
    open_world: Option<bool>,
) -> ToolAnnotations {
    ToolAnnotations {
        read_only_hint: read_only,
        destructive_hint: destructive,
        idempotent_hint: idempotent,
        open_world_hint: open_world,
    }
}

/// The result of a call whose arguments were rejected: the model reads what to fix.
pub fn invalid_arguments(tool: &str, error: crate::tool::ArgumentError) -> CallToolResult {
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

/// The result of a tool call whose parameter could not be filled in.
pub fn tool_failure(tool: &str, error: SlotError) -> CallToolResult {
    match error {
        SlotError::Argument(error) => invalid_arguments(tool, error),
        SlotError::Unavailable(why) => {
            CallToolResult::error(format!("internal error in tool `{tool}`: {why}"))
        }
    }
}

/// Why a resource read could not fill in a parameter.
pub fn resource_failure(uri: &str, error: SlotError) -> crate::resource::ResourceError {
    match error {
        SlotError::Argument(error) => crate::resource::ResourceError::InvalidUri {
            uri: uri.to_owned(),
            reason: error.to_string(),
        },
        SlotError::Unavailable(why) => {
            crate::resource::ResourceError::failed(format!("internal error: {why}"))
        }
    }
}

/// Why a `prompts/get` could not fill in a parameter.
pub fn prompt_failure(error: SlotError) -> crate::prompt::PromptError {
    match error {
        SlotError::Argument(error) => {
            crate::prompt::PromptError::InvalidArguments(error.to_string())
        }
        SlotError::Unavailable(why) => {
            crate::prompt::PromptError::Failed(format!("internal error: {why}"))
        }
    }
}

/// A URI template the macro checked at compile time.
pub fn uri_template(template: &str) -> crate::resource::UriTemplate {
    crate::resource::UriTemplate::parse(template)
        .unwrap_or_else(|e| unreachable!("#[resource] checked the template at compile time: {e}"))
}

/// Checks that a call passed no argument beyond the parameters; `params` pairs each
/// parameter's name with whether it is an argument (injected ones are not).
pub fn finish_arguments(args: Arguments, params: &[(&str, bool)]) -> Result<(), ArgumentError> {
    if args.is_empty() {
        return Ok(());
    }
    let expected: Vec<&str> = params
        .iter()
        .filter(|(_, argument)| *argument)
        .map(|(name, _)| *name)
        .collect();
    args.finish(&expected)
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

/// `_meta` of an app view declared with `#[resource(uri = "ui://…", app)]`: the sandbox
/// settings of `settings` (an [`App`](crate::app::App) with no HTML), as
/// [`App::into_resource`](crate::app::App::into_resource) writes them.
pub fn app_meta(settings: &crate::app::App) -> Option<serde_json::Map<String, serde_json::Value>> {
    settings.meta()
}

/// The contents read from an app view, each with the view's `_meta.ui` (other `_meta` keys
/// the function set are kept), as hosts read it from the contents too.
pub fn app_contents(
    result: Result<crate::resource::ReadResourceResult, crate::resource::ResourceError>,
    meta: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Result<crate::resource::ReadResourceResult, crate::resource::ResourceError> {
    let mut result = result?;
    if let Some(meta) = meta {
        for contents in &mut result.contents {
            contents.merge_meta(meta);
        }
    }
    Ok(result)
}
