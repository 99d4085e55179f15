//! JSON-RPC error objects and the error codes MCP uses.

use serde::Serialize;
use serde_json::Value;

/// A JSON-RPC 2.0 error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ErrorCode(pub i32);

impl ErrorCode {
    /// The body is not valid JSON.
    pub const PARSE_ERROR: Self = Self(-32700);
    /// The JSON is not a valid JSON-RPC request.
    pub const INVALID_REQUEST: Self = Self(-32600);
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: Self = Self(-32601);
    /// The method's parameters are invalid (also: unknown tool).
    pub const INVALID_PARAMS: Self = Self(-32602);
    /// The server failed while handling the request.
    pub const INTERNAL_ERROR: Self = Self(-32603);
    /// 2026-07-28: HTTP headers disagree with the request body (or are missing).
    pub const HEADER_MISMATCH: Self = Self(-32020);
    /// 2026-07-28: the request needs a client capability the client did not declare.
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: Self = Self(-32021);
    /// The request cannot go on until the user completes URL-mode elicitations
    /// (2025-11-25 `client/elicitation.mdx`); `data.elicitations` lists them.
    pub const URL_ELICITATION_REQUIRED: Self = Self(-32042);
    /// 2026-07-28: the request's protocol version is not one the server speaks.
    pub const UNSUPPORTED_PROTOCOL_VERSION: Self = Self(-32022);

    /// The HTTP status of a response carrying this error, in the stateless era (handshake-era
    /// errors to well-formed requests travel with 200).
    pub fn http_status(self) -> u16 {
        match self {
            Self::PARSE_ERROR
            | Self::INVALID_REQUEST
            | Self::INVALID_PARAMS
            | Self::HEADER_MISMATCH
            | Self::MISSING_REQUIRED_CLIENT_CAPABILITY
            | Self::UNSUPPORTED_PROTOCOL_VERSION => 400,
            Self::METHOD_NOT_FOUND => 404,
            _ => 200,
        }
    }
}

/// A JSON-RPC error object: `{"code", "message", "data"?}`.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{message} ({})", code.0)]
pub struct RpcError {
    /// The error code.
    pub code: ErrorCode,
    /// A short, specific description of what was wrong.
    pub message: String,
    /// Extra detail, when there is some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with the given code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// `-32700`: the body is not valid JSON.
    pub fn parse_error(detail: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::PARSE_ERROR, format!("Parse error: {detail}"))
    }

    /// `-32600`: not a valid JSON-RPC request.
    pub fn invalid_request(detail: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::INVALID_REQUEST,
            format!("Invalid request: {detail}"),
        )
    }

    /// `-32601`: no such method.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    /// `-32602`: invalid parameters.
    pub fn invalid_params(detail: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::INVALID_PARAMS,
            format!("Invalid params: {detail}"),
        )
    }

    /// `-32020`: a mirrored header disagrees with the body.
    pub fn header_mismatch(detail: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::HEADER_MISMATCH,
            format!("Header mismatch: {detail}"),
        )
    }

    /// `-32021`: the request needs client capabilities the client did not declare; `data`
    /// names them as a `ClientCapabilities` object (`{"requiredCapabilities": {"sampling": {}}}`).
    pub fn missing_client_capabilities(detail: impl std::fmt::Display, missing: &[&str]) -> Self {
        let required: serde_json::Map<String, Value> = missing
            .iter()
            .map(|name| ((*name).to_owned(), Value::Object(serde_json::Map::new())))
            .collect();
        Self::new(
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            format!("Missing required client capability: {detail}"),
        )
        .with_data(serde_json::json!({ "requiredCapabilities": required }))
    }

    /// Attaches `data` to the error.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}
