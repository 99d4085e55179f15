//! Prompts: message templates a client offers its user (`prompts/list`, `prompts/get`).
//! `#[prompt]` defines one from an `async fn` whose parameters are its arguments.

mod def;
mod error;
mod message;
pub(crate) mod registry;

pub use def::{PromptArgument, PromptDef, PromptFuture};
pub use error::PromptError;
pub use message::{GetPromptResult, IntoPromptResult, PromptMessage, Role};
pub use registry::prompts;
