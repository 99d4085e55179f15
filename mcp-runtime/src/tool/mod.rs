//! Tools: their definitions, arguments, results and schemas, and the registry that
//! `#[tool]` fills at link time.

mod arguments;
pub(crate) mod constraints;
mod content;
mod def;
pub(crate) mod descriptor;
mod error;
mod inject;
mod plain_errors;
pub(crate) mod registry;
mod result;
pub(crate) mod schema;
pub(crate) mod slot;
mod task_support;

pub use crate::state::State;
pub(crate) use crate::state::{StateMap, StateRequirement};
pub use arguments::{ArgumentError, Arguments};
pub(crate) use constraints::Constraints;
pub use content::Content;
pub use def::{DefinedAt, Icon, ToolAnnotations, ToolDef, ToolFuture, is_valid_tool_name};
pub use descriptor::Descriptor;
pub use error::ToolError;
pub use inject::FromCallContext;
pub use registry::tools;
pub use result::{CallToolResult, IntoToolResult, Json};
pub use task_support::TaskSupport;
