//! Tools: their definitions, arguments, results and schemas, and the registry that
//! `#[tool]` fills at link time.

mod arguments;
mod constraints;
mod content;
mod def;
mod error;
mod inject;
mod plain_errors;
mod registry;
mod result;
pub mod schema;
pub(crate) mod slot;
mod state;
mod task_support;

pub use arguments::{ArgumentError, Arguments};
pub use constraints::{Constraints, Pattern};
pub use content::{Content, ResourceContents};
pub use def::{DefinedAt, Icon, ToolAnnotations, ToolDef, ToolFuture, is_valid_tool_name};
pub use error::ToolError;
pub use inject::FromCallContext;
pub use registry::{Registration, tools};
pub use result::{CallToolResult, IntoToolResult, Json};
pub(crate) use state::StateMap;
pub use state::{State, StateRequirement};
pub use task_support::TaskSupport;
