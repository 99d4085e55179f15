//! The stateless era (2026-07-28): each request's envelope in `params._meta`, checked by the
//! spec's validation ladder before the method runs. First failure wins:
//!
//! 1. `_meta` holds the protocol version and the client capabilities → else `-32602`;
//! 2. the mirrored headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) equal the
//!    body → else `-32020`;
//! 3. the version is a string we speak → else `-32602` (not a string) or `-32022`.

use std::borrow::Cow;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use memchr::memmem;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::protocol::jsonrpc::IncomingRequest;
use crate::protocol::types::{CallToolParams, RequestMeta};
use crate::protocol::{ErrorCode, LogLevel, ProtocolVersion, RpcError};

/// `_meta` key of the request's protocol version.
pub(crate) const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the client's capabilities.
pub(crate) const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of the client's name and version.
pub(crate) const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of the log level a request opts in to.
pub(crate) const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";

/// Whether a request belongs to the stateless era by its body alone: `server/discover`, or
/// an envelope in `params._meta` (HTTP also looks at the `MCP-Protocol-Version` header).
pub(crate) fn is_stateless_request(request: &IncomingRequest<'_>) -> bool {
    // Built once: searching a request's short params costs less than setting up a search.
    static MARKER: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(META_PROTOCOL_VERSION));
    request.method == "server/discover"
        || request
            .params
            .is_some_and(|p| MARKER.find(p.get().as_bytes()).is_some())
}

/// The headers a transport mirrors from the body (HTTP); transports without headers pass
/// none and step 2 of the ladder is skipped.
#[derive(Debug, Default)]
pub(crate) struct MirroredHeaders<'a> {
    pub(crate) protocol_version: Option<&'a str>,
    pub(crate) method: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
    /// `Mcp-Param-{Name}` headers: lowercased name and every value sent for it.
    pub(crate) params: Vec<(String, Vec<&'a str>)>,
}

/// A validated envelope.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// `clientInfo`, checked but kept raw: parsed only if a tool asks for it.
    pub(crate) client_info: Option<Box<RawValue>>,
    /// The client's capabilities, raw: read only when a tool requires one.
    pub(crate) client_capabilities: Box<RawValue>,
    pub(crate) log_level: Option<LogLevel>,
    /// For `tools/call`: its parameters, read in the same pass as the envelope (`None` when
    /// that pass could not read them; the caller then parses them itself and reports why).
    pub(crate) call: Option<CallToolParams>,
}

/// `params` read in one pass for both the ladder and a `tools/call`: the common case.
/// Anything unusual (a `_meta` that is not an object, arguments of the wrong type, …) fails
/// this pass, and the request takes the two-pass path whose errors name the exact problem.
#[derive(Deserialize)]
struct OnePass<'a> {
    #[serde(default, rename = "_meta", borrow)]
    meta: Option<Meta<'a>>,
    #[serde(default, borrow)]
    name: Option<&'a RawValue>,
    #[serde(default, borrow)]
    uri: Option<&'a RawValue>,
    #[serde(default, borrow, rename = "taskId")]
    task_id: Option<&'a RawValue>,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
}

/// What the ladder reads of `params`, still raw: only the values it checks are parsed, and
/// nothing is copied out of the request body.
#[derive(Deserialize)]
struct EnvelopeParams<'a> {
    #[serde(default, rename = "_meta", borrow)]
    meta: Option<&'a RawValue>,
    #[serde(default, borrow)]
    name: Option<&'a RawValue>,
    #[serde(default, borrow)]
    uri: Option<&'a RawValue>,
    #[serde(default, borrow, rename = "taskId")]
    task_id: Option<&'a RawValue>,
}

/// The envelope's keys in `_meta` (present even when `null`, as a map lookup would see
/// them); other keys are skipped without being built.
#[derive(Clone, Copy, Deserialize)]
struct Meta<'a> {
    #[serde(
        default,
        borrow,
        rename = "io.modelcontextprotocol/protocolVersion",
        deserialize_with = "crate::protocol::jsonrpc::present"
    )]
    protocol_version: Option<&'a RawValue>,
    #[serde(
        default,
        borrow,
        rename = "io.modelcontextprotocol/clientCapabilities",
        deserialize_with = "crate::protocol::jsonrpc::present"
    )]
    client_capabilities: Option<&'a RawValue>,
    #[serde(default, borrow, rename = "io.modelcontextprotocol/clientInfo")]
    client_info: Option<&'a RawValue>,
    #[serde(default, borrow, rename = "io.modelcontextprotocol/logLevel")]
    log_level: Option<&'a RawValue>,
    /// Raw, so a malformed token is reported by `tools/call`, not by the ladder.
    #[serde(default, borrow, rename = "progressToken")]
    progress_token: Option<&'a RawValue>,
    /// W3C trace context (SEP-414), continued by the request's span.
    #[serde(default, borrow)]
    traceparent: Option<&'a RawValue>,
}

/// A raw JSON string's value (unescaped only when it has escapes); `None` for non-strings.
fn raw_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        // No escapes: the text between the quotes is the value (serde_json checked it).
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str(text).ok()
}

/// Runs the ladder for one request.
pub(crate) fn validate(
    method: &str,
    params: Option<&RawValue>,
    headers: Option<&MirroredHeaders<'_>>,
) -> Result<Envelope, RpcError> {
    if let Some(raw) = params {
        if let Ok(params) = serde_json::from_str::<OnePass<'_>>(raw.get()) {
            let targets = Targets {
                name: params.name,
                uri: params.uri,
                task_id: params.task_id,
            };
            let mut envelope = ladder(method, params.meta, targets, headers)?;
            if method == "tools/call" {
                envelope.call = call_params(params.name, params.arguments, params.meta);
            }
            return Ok(envelope);
        }
    }
    let params: EnvelopeParams<'_> = match params {
        Some(raw) => serde_json::from_str(raw.get()).map_err(RpcError::invalid_params)?,
        None => EnvelopeParams {
            meta: None,
            name: None,
            uri: None,
            task_id: None,
        },
    };
    let meta: Meta<'_> = match params.meta {
        Some(raw) if raw.get().starts_with('{') => {
            serde_json::from_str(raw.get()).map_err(RpcError::invalid_params)?
        }
        Some(_) => return Err(RpcError::invalid_params("params._meta must be an object")),
        None => return Err(missing_meta()),
    };
    let targets = Targets {
        name: params.name,
        uri: params.uri,
        task_id: params.task_id,
    };
    ladder(method, Some(meta), targets, headers)
}

/// The body fields a request's `Mcp-Name` header mirrors, by method.
struct Targets<'a> {
    name: Option<&'a RawValue>,
    uri: Option<&'a RawValue>,
    task_id: Option<&'a RawValue>,
}

/// The `tools/call` parameters of a one-pass read, if they are well-formed.
fn call_params(
    name: Option<&RawValue>,
    arguments: Option<Map<String, Value>>,
    meta: Option<Meta<'_>>,
) -> Option<CallToolParams> {
    let (progress_token, traceparent) =
        meta.map_or((None, None), |m| (m.progress_token, m.traceparent));
    let progress_token = match progress_token {
        None => None,
        Some(raw) => serde_json::from_str(raw.get()).ok()?,
    };
    Some(CallToolParams {
        name: raw_str(name?)?.into_owned(),
        arguments,
        meta: Some(RequestMeta {
            progress_token,
            traceparent: traceparent.and_then(raw_str).map(Cow::into_owned),
        }),
    })
}

fn missing_meta() -> RpcError {
    RpcError::invalid_params(format!(
        "params._meta is missing: a {} request carries `{META_PROTOCOL_VERSION}` and `{META_CLIENT_CAPABILITIES}` there",
        ProtocolVersion::V2026_07_28
    ))
}

/// The ladder itself, on `params` already read.
fn ladder(
    method: &str,
    meta: Option<Meta<'_>>,
    targets: Targets<'_>,
    headers: Option<&MirroredHeaders<'_>>,
) -> Result<Envelope, RpcError> {
    // 1. The envelope's keys.
    let meta = meta.ok_or_else(missing_meta)?;
    let (Some(version), Some(capabilities)) = (meta.protocol_version, meta.client_capabilities)
    else {
        let key = if meta.protocol_version.is_none() {
            META_PROTOCOL_VERSION
        } else {
            META_CLIENT_CAPABILITIES
        };
        return Err(RpcError::invalid_params(format!(
            "params._meta is missing `{key}`"
        )));
    };
    let version_str = raw_str(version);

    // 2. Headers agree with the body.
    if let Some(headers) = headers {
        let body_version = version_str.as_deref().unwrap_or(version.get());
        compare(
            "MCP-Protocol-Version",
            headers.protocol_version,
            body_version,
        )?;
        compare("Mcp-Method", headers.method, method)?;
        let named = match method {
            "tools/call" | "prompts/get" => Some(("params.name", targets.name)),
            "resources/read" => Some(("params.uri", targets.uri)),
            // The tasks extension (SEP-2663) names the task.
            "tasks/get" | "tasks/update" | "tasks/cancel" => {
                Some(("params.taskId", targets.task_id))
            }
            _ => None,
        };
        if let Some((field, value)) = named {
            let Some(value) = value.and_then(raw_str) else {
                return Err(RpcError::invalid_params(format!(
                    "{field} must be a string"
                )));
            };
            let header = headers.name.map(decode_header_value).transpose()?;
            compare("Mcp-Name", header.as_deref(), &value)?;
        }
    }

    // 3. A version we speak.
    let Some(requested) = version_str else {
        return Err(RpcError::invalid_params(format!(
            "`{META_PROTOCOL_VERSION}` must be a string"
        )));
    };
    if !ProtocolVersion::parse(&requested).is_some_and(ProtocolVersion::is_stateless) {
        return Err(RpcError::new(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
            "Unsupported protocol version",
        )
        .with_data(json!({"supported": ProtocolVersion::supported(), "requested": requested})));
    }

    if !capabilities.get().starts_with('{') {
        return Err(RpcError::invalid_params(format!(
            "`{META_CLIENT_CAPABILITIES}` must be an object"
        )));
    }
    let client_info = checked_client_info(meta.client_info)?;
    let log_level = optional::<LogLevel>(meta.log_level, META_LOG_LEVEL)?;
    let client_capabilities = capabilities.to_owned();
    Ok(Envelope {
        client_info,
        client_capabilities,
        log_level,
        call: None,
    })
}

/// `clientInfo` as [`Implementation`](crate::protocol::types::Implementation) reads it, checked without copying its strings.
#[derive(Deserialize)]
#[allow(dead_code, reason = "read only to check the shape")]
struct ImplementationShape<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    version: Cow<'a, str>,
    #[serde(default, borrow)]
    title: Option<Cow<'a, str>>,
}

/// A `clientInfo` that `Implementation` would read (`null`: none), kept raw.
fn checked_client_info(raw: Option<&RawValue>) -> Result<Option<Box<RawValue>>, RpcError> {
    match raw {
        None => Ok(None),
        Some(raw) if raw.get() == "null" => Ok(None),
        Some(raw) => serde_json::from_str::<ImplementationShape<'_>>(raw.get())
            .map(|_| Some(raw.to_owned()))
            .map_err(|e| RpcError::invalid_params(format!("`{META_CLIENT_INFO}`: {e}"))),
    }
}

fn optional<T: serde::de::DeserializeOwned>(
    raw: Option<&RawValue>,
    key: &str,
) -> Result<Option<T>, RpcError> {
    match raw {
        None => Ok(None),
        Some(raw) if raw.get() == "null" => Ok(None),
        Some(raw) => serde_json::from_str(raw.get())
            .map(Some)
            .map_err(|e| RpcError::invalid_params(format!("`{key}`: {e}"))),
    }
}

fn compare(header: &str, sent: Option<&str>, body: &str) -> Result<(), RpcError> {
    match sent {
        Some(sent) if sent == body => Ok(()),
        Some(sent) => Err(RpcError::header_mismatch(format!(
            "{header} header value '{sent}' does not match body value '{body}'"
        ))),
        None => Err(RpcError::header_mismatch(format!(
            "the {header} header is missing (the body says '{body}')"
        ))),
    }
}

/// Decodes a header value that may use the `=?base64?…?=` sentinel.
pub(crate) fn decode_header_value(value: &str) -> Result<String, RpcError> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        Some(encoded) => BASE64
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                RpcError::header_mismatch(format!(
                    "header value {value:?} is not valid base64 UTF-8"
                ))
            }),
        None => Ok(value.to_owned()),
    }
}

/// Where an `x-mcp-header` annotation points: the header and the argument path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeaderParam {
    /// The header's name part, lowercased (`Mcp-Param-{name}`).
    pub(crate) name: String,
    /// The header as declared, for messages.
    pub(crate) declared: String,
    /// Property names from the arguments object to the value.
    pub(crate) path: Vec<String>,
}

/// Finds every `x-mcp-header` annotation statically reachable through `properties`.
pub(crate) fn header_params(input_schema: &Map<String, Value>) -> Vec<HeaderParam> {
    fn walk(schema: &Map<String, Value>, path: &mut Vec<String>, out: &mut Vec<HeaderParam>) {
        let Some(Value::Object(properties)) = schema.get("properties") else {
            return;
        };
        for (key, property) in properties {
            let Value::Object(property) = property else {
                continue;
            };
            path.push(key.clone());
            if let Some(Value::String(header)) = property.get("x-mcp-header") {
                out.push(HeaderParam {
                    name: header.to_ascii_lowercase(),
                    declared: header.clone(),
                    path: path.clone(),
                });
            }
            walk(property, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(input_schema, &mut Vec::new(), &mut out);
    out
}

/// Checks a tool's `x-mcp-header` annotations against the spec's constraints: each on a
/// string, integer or boolean property, names unique ignoring case.
pub(crate) fn check_header_annotations(input_schema: &Map<String, Value>) -> Result<(), String> {
    let params = header_params(input_schema);
    for (i, param) in params.iter().enumerate() {
        let mut schema = input_schema;
        for key in &param.path {
            schema = schema
                .get("properties")
                .and_then(|p| p.get(key))
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    format!(
                        "`x-mcp-header` path {} is not in the schema",
                        param.path.join(".")
                    )
                })?;
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string" | "integer" | "boolean") => {}
            other => {
                return Err(format!(
                    "parameter `{}` has `x-mcp-header` but type {}; only string, integer and boolean parameters can be mirrored into headers",
                    param.path.join("."),
                    other.map_or_else(|| "(not a single type)".to_owned(), |t| format!("`{t}`"))
                ));
            }
        }
        if params[..i].iter().any(|p| p.name == param.name) {
            return Err(format!(
                "the header name `{}` is used twice (names are compared ignoring case)",
                param.declared
            ));
        }
    }
    Ok(())
}

/// Checks each annotated argument against its `Mcp-Param-*` header: both absent, or both
/// present and equal (integers numerically; a header sent twice never matches).
pub(crate) fn check_param_headers(
    params: &[HeaderParam],
    arguments: Option<&Map<String, Value>>,
    headers: &MirroredHeaders<'_>,
) -> Result<(), RpcError> {
    for param in params {
        let mut value = arguments.and_then(|a| a.get(&param.path[0]));
        for key in &param.path[1..] {
            value = value.and_then(|v| v.get(key));
        }
        let value = value.filter(|v| !v.is_null());
        let sent: &[&str] = headers
            .params
            .iter()
            .find(|(n, _)| *n == param.name)
            .map_or(&[], |(_, v)| v);
        let header = format!("Mcp-Param-{}", param.declared);
        let argument = param.path.join(".");
        match (value, sent) {
            (None, []) => {}
            (Some(_), []) => {
                return Err(RpcError::header_mismatch(format!(
                    "the {header} header is missing (argument `{argument}` is set)"
                )));
            }
            (None, [_, ..]) => {
                return Err(RpcError::header_mismatch(format!(
                    "the {header} header is set but argument `{argument}` is not"
                )));
            }
            (Some(_), [_, _, ..]) => {
                return Err(RpcError::header_mismatch(format!(
                    "the {header} header was sent more than once"
                )));
            }
            (Some(value), [one]) => {
                let decoded = decode_header_value(one)?;
                let equal = match value {
                    Value::String(s) => *s == decoded,
                    Value::Bool(b) => decoded == if *b { "true" } else { "false" },
                    Value::Number(n) => decoded
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .zip(n.as_f64())
                        .is_some_and(|(h, b)| h == b),
                    _ => false,
                };
                if !equal {
                    return Err(RpcError::header_mismatch(format!(
                        "{header} header value '{decoded}' does not match argument `{argument}` = {value}"
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(&v).expect("json")
    }

    fn envelope(version: Value) -> Value {
        json!({"_meta": {META_PROTOCOL_VERSION: version, META_CLIENT_CAPABILITIES: {}}, "name": "echo"})
    }

    fn headers<'a>(
        version: &'a str,
        method: &'a str,
        name: Option<&'a str>,
    ) -> MirroredHeaders<'a> {
        MirroredHeaders {
            protocol_version: Some(version),
            method: Some(method),
            name,
            params: vec![],
        }
    }

    fn code(result: Result<Envelope, RpcError>) -> i32 {
        result.expect_err("rejected").code.0
    }

    #[test]
    fn the_ladder_in_order() {
        let ok = headers("2026-07-28", "tools/call", Some("echo"));
        assert!(
            validate(
                "tools/call",
                Some(&raw(envelope(json!("2026-07-28")))),
                Some(&ok)
            )
            .is_ok()
        );
        // 1. missing keys win over everything else.
        assert_eq!(code(validate("tools/call", None, Some(&ok))), -32602);
        let no_caps = raw(json!({"_meta": {META_PROTOCOL_VERSION: "2026-07-28"}}));
        let err = validate("tools/list", Some(&no_caps), None).expect_err("missing");
        assert_eq!(err.code.0, -32602);
        assert!(err.message.contains(META_CLIENT_CAPABILITIES));
        // 2. headers before the version.
        let body = raw(envelope(json!("1999-01-01")));
        assert_eq!(code(validate("tools/call", Some(&body), Some(&ok))), -32020);
        assert_eq!(
            code(validate(
                "tools/call",
                Some(&raw(envelope(json!("2026-07-28")))),
                Some(&headers("2026-07-28", "tools/list", Some("echo")))
            )),
            -32020
        );
        assert_eq!(
            code(validate(
                "tools/call",
                Some(&raw(envelope(json!("2026-07-28")))),
                Some(&headers("2026-07-28", "tools/call", Some("other")))
            )),
            -32020
        );
        assert_eq!(
            code(validate(
                "tools/call",
                Some(&raw(envelope(json!("2026-07-28")))),
                Some(&headers("2026-07-28", "tools/call", None))
            )),
            -32020
        );
        // 3. the version.
        let err = validate(
            "tools/call",
            Some(&body),
            Some(&headers("1999-01-01", "tools/call", Some("echo"))),
        )
        .expect_err("old");
        assert_eq!(err.code.0, -32022);
        assert_eq!(
            err.data.as_ref().map(|d| d["requested"].clone()),
            Some(json!("1999-01-01"))
        );
        assert_eq!(
            code(validate("tools/call", Some(&raw(envelope(json!(7)))), None)),
            -32602
        );
    }

    #[test]
    fn base64_sentinel_values_are_decoded() {
        assert_eq!(
            decode_header_value("=?base64?SGVsbG8sIOS4lueVjA==?=")
                .ok()
                .as_deref(),
            Some("Hello, 世界")
        );
        assert_eq!(decode_header_value("plain").ok().as_deref(), Some("plain"));
        assert!(decode_header_value("=?base64?!!!?=").is_err());
    }

    #[test]
    fn param_headers_match_arguments() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "n": {"type": "integer", "x-mcp-header": "N"},
            "nested": {"type": "object", "properties": {"flag": {"type": "boolean", "x-mcp-header": "Flag"}}}
        }});
        let params = header_params(schema.as_object().expect("object"));
        assert_eq!(params.len(), 3);
        let args = json!({"region": "eu", "n": 42, "nested": {"flag": true}});
        let args = args.as_object();
        let sent = |h: Vec<(&str, Vec<&'static str>)>| MirroredHeaders {
            params: h.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
            ..MirroredHeaders::default()
        };
        let good = sent(vec![
            ("region", vec!["eu"]),
            ("n", vec!["42.0"]),
            ("flag", vec!["true"]),
        ]);
        assert!(check_param_headers(&params, args, &good).is_ok());
        let missing = sent(vec![("region", vec!["eu"]), ("n", vec!["42"])]);
        assert_eq!(
            check_param_headers(&params, args, &missing)
                .expect_err("missing")
                .code
                .0,
            -32020
        );
        let twice = sent(vec![
            ("region", vec!["eu", "eu"]),
            ("n", vec!["42"]),
            ("flag", vec!["true"]),
        ]);
        assert!(check_param_headers(&params, args, &twice).is_err());
        let wrong = sent(vec![
            ("region", vec!["us"]),
            ("n", vec!["42"]),
            ("flag", vec!["true"]),
        ]);
        assert!(check_param_headers(&params, args, &wrong).is_err());
        assert!(
            check_param_headers(&params, None, &MirroredHeaders::default()).is_ok(),
            "absent and absent agree"
        );
        assert!(
            check_param_headers(&params, None, &good).is_err(),
            "a header for an absent argument"
        );
    }
}
