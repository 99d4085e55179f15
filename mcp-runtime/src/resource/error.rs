//! Why a resource read failed.

/// A failed `resources/read`: the client gets a JSON-RPC error.
///
/// ```
/// use mcp_runtime::resource::ResourceError;
///
/// let missing = ResourceError::not_found("notes://42");
/// assert_eq!(missing.to_string(), "resource not found: notes://42");
/// let failed: ResourceError = "the disk is full".into();
/// assert_eq!(failed.to_string(), "the disk is full");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// No resource has this URI: error -32602 with the URI in `data` (SEP-2164).
    #[error("resource not found: {uri}")]
    NotFound {
        /// The URI asked for.
        uri: String,
    },
    /// The URI matches a template, but a variable's value does not fit its parameter:
    /// error -32602 with the URI in `data`.
    #[error("invalid resource URI {uri}: {reason}")]
    InvalidUri {
        /// The URI asked for.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The read failed: error -32603 with this message.
    #[error("{message}")]
    Failed {
        /// What went wrong.
        message: String,
    },
}

impl ResourceError {
    /// No resource has this URI.
    pub fn not_found(uri: impl Into<String>) -> Self {
        Self::NotFound { uri: uri.into() }
    }

    /// The read failed for this reason.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed {
            message: message.into(),
        }
    }
}

impl From<String> for ResourceError {
    fn from(message: String) -> Self {
        Self::failed(message)
    }
}

impl From<&str> for ResourceError {
    fn from(message: &str) -> Self {
        Self::failed(message)
    }
}

impl From<std::io::Error> for ResourceError {
    fn from(error: std::io::Error) -> Self {
        Self::failed(error.to_string())
    }
}
