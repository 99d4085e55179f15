//! [`Role`]: who says a message, shared by prompts and sampling.

use serde::{Deserialize, Serialize};

/// Who says a message: in a prompt ([`PromptMessage`](crate::prompt::PromptMessage)) and in a
/// sampling conversation ([`SamplingMessage`](crate::peer::SamplingMessage)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// The user.
    User,
    /// The assistant (the model).
    Assistant,
}
