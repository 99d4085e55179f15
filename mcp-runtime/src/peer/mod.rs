//! Asking the client from inside a tool: elicitation (a form or a URL for the user),
//! sampling (a completion from the client's model) and roots (the client's workspace).
//!
//! One API for both eras. In the handshake era the runtime sends a JSON-RPC request to the
//! client on the call's SSE stream and the tool's future resumes with the answer. In
//! 2026-07-28 (multi-round-trip) the runtime answers the call with an `InputRequiredResult`;
//! the client retries with the answers and **the tool runs again from the start**, every
//! answered question returning at once. So a tool must do its side effects (writes,
//! deletions, payments) *after* it has all its inputs, never before a question.
//!
//! ```
//! use mcp_runtime::peer::Elicited;
//! use mcp_runtime::{Context, ToolError, tool};
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Confirm {
//!     /// Really delete?
//!     confirm: bool,
//! }
//!
//! /// Delete every note, once the user confirms.
//! #[tool(destructive)]
//! async fn delete_all(ctx: Context) -> Result<String, ToolError> {
//!     match ctx.elicit::<Confirm>("Delete every note?").await? {
//!         Elicited::Accept(Confirm { confirm: true }) => Ok("deleted".into()), // side effect here
//!         _ => Ok("kept".into()),
//!     }
//! }
//! ```

mod ask;
mod asking;
mod elicit;
mod roots;
mod sampling;

pub use crate::context::peer_error::PeerError;
pub use ask::Ask;
pub use elicit::{ElicitSchema, Elicited};
pub use roots::Root;
pub use sampling::{
    ModelHint, ModelPreferences, Role, SampledMessage, SamplingMessage, SamplingRequest,
};
