//! MCP request parameters and results that the server core reads or writes.
//!
//! Tool definitions and call results live with the tools, in [`crate::tool`](mod@crate::tool).

use super::RequestId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Name and version of a client or server (`clientInfo`, `serverInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Implementation {
    /// Programmatic name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Display name, when the peer sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `initialize` parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// The revision the client wants to speak.
    pub protocol_version: String,
    /// What the client can do, as sent.
    #[serde(default)]
    pub capabilities: Map<String, Value>,
    /// Who the client is.
    pub client_info: Implementation,
}

/// A progress token: a string or an integer chosen by the client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProgressToken {
    /// An integer token.
    Number(i64),
    /// A string token.
    String(String),
}

/// `_meta` of a request, as far as the core reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestMeta {
    /// Where to send progress for this request; no progress is sent without it.
    #[serde(default)]
    pub progress_token: Option<ProgressToken>,
    /// W3C trace context of the caller (SEP-414), continued by the request's span.
    #[serde(default)]
    pub traceparent: Option<String>,
}

/// `tools/call` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct CallToolParams {
    /// The tool to call.
    pub name: String,
    /// The tool's arguments (absent means none).
    #[serde(default)]
    pub arguments: Option<Map<String, Value>>,
    /// Request metadata (progress token).
    #[serde(default, rename = "_meta")]
    pub meta: Option<RequestMeta>,
}

/// `notifications/progress` parameters.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressParams<'a> {
    /// The token the request carried.
    pub progress_token: &'a ProgressToken,
    /// Progress so far; strictly increasing within one request.
    pub progress: Number,
    /// The total, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Number>,
    /// A human-readable status line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

/// A JSON number written as an integer when it has no fractional part (`50`, not `50.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

/// `notifications/cancelled` params: which request the client gave up on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelledParams {
    /// The id of the cancelled request.
    pub(crate) request_id: RequestId,
}
