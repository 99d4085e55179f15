//! Tools: their definitions, arguments, results and schemas, and the registry that
//! `#[tool]` fills at link time.

mod arguments;
mod content;
mod def;
mod registry;
mod result;
pub mod schema;

pub use arguments::{ArgumentError, Arguments};
pub use content::{Content, ResourceContents};
pub use def::{ToolAnnotations, ToolDef, ToolFuture, is_valid_tool_name};
pub use registry::{Registration, tools};
pub use result::{CallToolResult, IntoToolResult, Json};
