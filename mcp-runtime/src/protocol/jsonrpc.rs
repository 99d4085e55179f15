//! JSON-RPC 2.0 framing: classifying what a client sent, and writing what we send back.
//!
//! Incoming bodies are parsed once, borrowing from the request bytes: `params` stay raw
//! ([`RawValue`]) until the method's handler decides what type they should be.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::error::RpcError;

/// A request id. MCP allows strings and integers, never `null`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// One JSON-RPC message from the client, classified.
#[derive(Debug)]
pub enum Incoming<'a> {
    /// A request: it has an `id` and expects exactly one response.
    Request(IncomingRequest<'a>),
    /// A notification: a `method` without an `id`; nothing is sent back.
    Notification {
        /// The notification's method.
        method: Cow<'a, str>,
        /// Its raw parameters.
        params: Option<&'a RawValue>,
    },
    /// A response to a request the server sent (a `result` or an `error` with an `id`).
    Response {
        /// The id of the server's request it answers.
        id: RequestId,
        /// The client's answer: its `result`, or its `error` (raw).
        answer: Result<&'a RawValue, &'a RawValue>,
    },
}

/// A request, with its parameters still unparsed.
#[derive(Debug)]
pub struct IncomingRequest<'a> {
    /// The id to answer with.
    pub id: RequestId,
    /// The method called.
    pub method: Cow<'a, str>,
    /// The raw `params` value, if any.
    pub params: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow, default)]
    jsonrpc: Option<Cow<'a, str>>,
    // Not `Option`'s own impl, which would read `"id": null` as no id at all.
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

/// For `#[serde(default, deserialize_with = "present")]` on an `Option<&RawValue>`: a key
/// that is present is `Some`, even with `null` (which `Option`'s own impl reads as absent).
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Whether a body is a JSON array (a JSON-RPC batch) rather than a single message.
pub fn is_batch(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Parses and classifies one message.
///
/// Errors are `-32700` for bytes that are not JSON and `-32600` for JSON that is not a
/// JSON-RPC 2.0 message; the message says which rule was broken.
pub fn parse_message(body: &[u8]) -> Result<Incoming<'_>, RpcError> {
    let raw: RawMessage<'_> = serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            RpcError::invalid_request("expected a JSON-RPC 2.0 message object")
        }
        _ => RpcError::parse_error(e),
    })?;
    classify(raw)
}

fn classify(raw: RawMessage<'_>) -> Result<Incoming<'_>, RpcError> {
    match raw.jsonrpc.as_deref() {
        Some("2.0") => {}
        Some(other) => {
            return Err(RpcError::invalid_request(format!(
                "\"jsonrpc\" must be \"2.0\", got {other:?}"
            )));
        }
        None => return Err(RpcError::invalid_request("missing \"jsonrpc\": \"2.0\"")),
    }
    let id = match raw.id {
        None => None,
        Some(raw_id) => Some(
            serde_json::from_str::<RequestId>(raw_id.get()).map_err(|_| {
                RpcError::invalid_request(format!(
                    "\"id\" must be a string or an integer, got {}",
                    raw_id.get()
                ))
            })?,
        ),
    };
    // JSON-RPC also allows positional (array) params, but every MCP method takes named
    // ones: an array would be read as something the client did not mean.
    if let Some(params) = raw.params {
        if params.get().as_bytes().first() != Some(&b'{') {
            return Err(RpcError::invalid_request(
                "\"params\" must be an object (MCP methods take named parameters)",
            ));
        }
    }
    match (raw.method, id) {
        (None, Some(id)) if raw.result.is_some() || raw.error.is_some() => {
            let answer = match (raw.result, raw.error) {
                (Some(result), None) => Ok(result),
                (None, Some(error)) => Err(error),
                _ => {
                    return Err(RpcError::invalid_request(
                        "a response has a \"result\" or an \"error\", not both",
                    ));
                }
            };
            Ok(Incoming::Response { id, answer })
        }
        (Some(method), Some(id)) => Ok(Incoming::Request(IncomingRequest {
            id,
            method,
            params: raw.params,
        })),
        (Some(method), None) => Ok(Incoming::Notification {
            method,
            params: raw.params,
        }),
        (None, _) => Err(RpcError::invalid_request(
            "a message needs a \"method\" (request or notification) or a \"result\"/\"error\" with an \"id\" (response)",
        )),
    }
}

#[derive(Serialize)]
struct ResultEnvelope<'a, T: ?Sized> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    result: &'a T,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    jsonrpc: &'static str,
    id: Option<&'a RequestId>,
    error: &'a RpcError,
}

#[derive(Serialize)]
struct NotificationEnvelope<'a, T: ?Sized> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a T,
}

/// A 2026-07-28 result: the method's result plus `"resultType": "complete"`.
#[derive(Serialize)]
pub struct Complete<'a, T: ?Sized> {
    #[serde(rename = "resultType")]
    result_type: &'static str,
    #[serde(flatten)]
    result: &'a T,
}

impl<'a, T: ?Sized> Complete<'a, T> {
    /// Wraps a result.
    pub fn new(result: &'a T) -> Self {
        Self {
            result_type: "complete",
            result,
        }
    }
}

/// Serializes a success response.
pub fn result_message<T: Serialize + ?Sized>(id: &RequestId, result: &T) -> Bytes {
    to_bytes(&ResultEnvelope {
        jsonrpc: "2.0",
        id,
        result,
    })
}

/// Serializes an error response; `id` is `None` (sent as `null`) when the request's id could
/// not be read.
pub fn error_message(id: Option<&RequestId>, error: &RpcError) -> Bytes {
    to_bytes(&ErrorEnvelope {
        jsonrpc: "2.0",
        id,
        error,
    })
}

/// Serializes a notification.
pub fn notification_message<T: Serialize + ?Sized>(method: &str, params: &T) -> Bytes {
    to_bytes(&NotificationEnvelope {
        jsonrpc: "2.0",
        method,
        params,
    })
}

fn to_bytes<T: Serialize>(value: &T) -> Bytes {
    // Our envelopes hold only strings, numbers and `serde_json` values: serializing them
    // cannot fail, so an error here is a bug in a type of ours.
    match serde_json::to_vec(value) {
        Ok(bytes) => Bytes::from(bytes),
        Err(e) => {
            tracing::error!("failed to serialize an outgoing message: {e}");
            Bytes::from_static(
                br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error: response could not be serialized"}}"#,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ErrorCode;

    fn code(body: &str) -> ErrorCode {
        parse_message(body.as_bytes())
            .expect_err("should be rejected")
            .code
    }

    #[test]
    fn classifies_requests_notifications_and_responses() {
        let msg = parse_message(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#);
        assert!(matches!(
            msg,
            Ok(Incoming::Request(IncomingRequest {
                id: RequestId::Number(7),
                ..
            }))
        ));
        let msg = parse_message(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        assert!(matches!(msg, Ok(Incoming::Notification { .. })));
        let msg = parse_message(br#"{"jsonrpc":"2.0","id":"a","result":{}}"#);
        assert!(matches!(msg, Ok(Incoming::Response { .. })));
    }

    #[test]
    fn rejects_what_is_not_json_rpc() {
        assert_eq!(code("{not json"), ErrorCode::PARSE_ERROR);
        assert_eq!(code(""), ErrorCode::PARSE_ERROR);
        assert_eq!(code("42"), ErrorCode::INVALID_REQUEST);
        assert_eq!(
            code(r#"{"id":1,"method":"ping"}"#),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["echo",{}]}"#),
            ErrorCode::INVALID_REQUEST
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1}"#),
            ErrorCode::INVALID_REQUEST
        );
    }

    #[test]
    fn writes_envelopes() {
        let id = RequestId::String("x".into());
        assert_eq!(
            &result_message(&id, &serde_json::json!({}))[..],
            br#"{"jsonrpc":"2.0","id":"x","result":{}}"#
        );
        let err = RpcError::method_not_found("nope");
        assert_eq!(
            &error_message(None, &err)[..],
            br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"Method not found: nope"}}"#
        );
    }
}
