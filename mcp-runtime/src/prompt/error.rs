//! Why `prompts/get` failed.

/// A failed `prompts/get`: the client gets a JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// The arguments were missing or invalid: error -32602 with this message.
    #[error("{0}")]
    InvalidArguments(String),
    /// Rendering failed: error -32603 with this message.
    #[error("{0}")]
    Failed(String),
}
