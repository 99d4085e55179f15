//! [`ToolError`]: the error type for tools, shown to the model as an `isError` result.

use std::fmt;

/// A tool failure the model should read: return `Result<T, ToolError>` and the message
/// becomes the result's text with `isError: true`.
///
/// Any `std::error::Error` converts with `?`; the helpers give common failures a wording the
/// model can act on.
///
/// ```
/// use mcp_runtime::{ToolError, tool};
///
/// /// Read a number from a string.
/// #[tool]
/// async fn parse(text: String) -> Result<String, ToolError> {
///     if text.is_empty() {
///         return Err(ToolError::invalid_input("text is empty; pass digits like \"42\""));
///     }
///     let n: i64 = text.trim().parse()?; // ParseIntError → ToolError
///     Ok((n * 2).to_string())
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    message: String,
}

impl ToolError {
    /// An error with exactly this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The caller passed something unusable: "Invalid input: …".
    pub fn invalid_input(detail: impl fmt::Display) -> Self {
        Self::new(format!("Invalid input: {detail}"))
    }

    /// What the call refers to does not exist: "Not found: …".
    pub fn not_found(what: impl fmt::Display) -> Self {
        Self::new(format!("Not found: {what}"))
    }

    /// The caller may not do this: "Permission denied: …".
    pub fn permission_denied(detail: impl fmt::Display) -> Self {
        Self::new(format!("Permission denied: {detail}"))
    }

    /// A dependency is down or busy; the call may succeed later: "Unavailable: …; try
    /// again later".
    pub fn unavailable(detail: impl fmt::Display) -> Self {
        Self::new(format!("Unavailable: {detail}; try again later"))
    }

    /// Something broke on the server's side: "Internal error: …".
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(format!("Internal error: {detail}"))
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Like `anyhow`, `ToolError` is not itself a `std::error::Error`, so that every error
/// type converts into it with `?`. The message includes the error's sources.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self { message }
    }
}
