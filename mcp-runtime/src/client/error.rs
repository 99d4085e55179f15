//! What can go wrong when talking to a server.

use std::time::Duration;

use serde_json::Value;

use crate::CallToolResult;

/// An error of the client: the connection, the server's answer, or the call itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The connection failed: the server is unreachable, the stream broke and could not be
    /// resumed, the child process exited, or a message could not be read.
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The server answered with an HTTP status that carries no JSON-RPC message.
    #[error("HTTP status {status} from the server: {body}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The body of the answer (as text, possibly empty).
        body: String,
    },
    /// The server answered the request with a JSON-RPC error.
    #[error("JSON-RPC error {code}: {message}")]
    Rpc {
        /// The error code (e.g. `-32602` for invalid params).
        code: i32,
        /// The server's message.
        message: String,
        /// The error's `data`, when the server sent one.
        data: Option<Value>,
    },
    /// The tool ran and failed: its result has `isError: true`. The text is what the model
    /// would read.
    #[error("the tool failed: {message}")]
    Tool {
        /// The text of the result's content.
        message: String,
        /// The whole result.
        result: Box<CallToolResult>,
    },
    /// No message about the request arrived within the request timeout.
    #[error("no answer from the server within {0:?}")]
    Timeout(Duration),
    /// The request was cancelled (the client was closed while it was waiting).
    #[error("the request was cancelled")]
    Cancelled,
    /// The server broke the protocol: an answer of the wrong shape, no protocol revision in
    /// common, or too many rounds of input requests.
    #[error("protocol error: {0}")]
    Protocol(String),
}

impl ClientError {
    pub(crate) fn transport(message: impl Into<String>) -> Self {
        Self::Transport {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn transport_from(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Transport {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The JSON-RPC error code, when the server answered with a JSON-RPC error.
    pub fn rpc_code(&self) -> Option<i32> {
        match self {
            Self::Rpc { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A JSON-RPC `error` object as the server sent it.
    pub(crate) fn from_rpc_object(error: &Value) -> Self {
        Self::Rpc {
            code: error
                .get("code")
                .and_then(Value::as_i64)
                .and_then(|c| i32::try_from(c).ok())
                .unwrap_or(0),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            data: error.get("data").cloned(),
        }
    }
}
