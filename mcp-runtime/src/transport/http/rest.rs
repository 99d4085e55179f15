//! The plain-HTTP tool interface ([`Server::rest`](crate::Server::rest)): for web code that
//! is not an MCP client.
//!
//! A codec like the others: each request becomes one self-contained (2026-07-28)
//! JSON-RPC request handed to the engine, so argument validation, scopes, the call limits,
//! timeouts and metrics are the endpoint's own. Only the rendering differs: a bare
//! `CallToolResult`, or NDJSON lines for the stream.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt as _;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

use crate::protocol::ErrorCode;
use crate::request::RequestMeta;
use crate::server::{Engine, Inbound, Link, Outcome, Reason};

/// The most `tools/list` pages `GET {prefix}` gathers.
const MAX_PAGES: usize = 1000;

/// The progress token of every call: one call per request, so any value will do.
const TOKEN: u64 = 1;

/// `GET {prefix}`: `{"tools": [...]}`, every page of `tools/list`.
pub(crate) async fn list(State(engine): State<Arc<Engine>>, request: Request) -> Response {
    let parts = Arc::new(RequestMeta::from_http(request.into_parts().0));
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut params = envelope();
        if let Some(cursor) = &cursor {
            params.insert("cursor".into(), Value::String(cursor.clone()));
        }
        let body = request_body("tools/list", params);
        let result = match run(&engine, &parts, &body).await {
            Ok(Some(reply)) => reply,
            Ok(None) => return error(StatusCode::SERVICE_UNAVAILABLE, -32603, "no answer"),
            Err(response) => return *response,
        };
        let Ok(mut result) = result else {
            return rpc_error_response(result.err().unwrap_or(Value::Null));
        };
        if let Some(Value::Array(page)) = result.get_mut("tools").map(Value::take) {
            tools.extend(page);
        }
        match result.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    json_response(StatusCode::OK, &json!({ "tools": tools }))
}

/// `POST {prefix}/{name}`: the call's `CallToolResult` as JSON.
pub(crate) async fn call(
    State(engine): State<Arc<Engine>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let outcome = match start(&engine, &name, request).await {
        Ok(started) => started,
        Err(response) => return *response,
    };
    match collect(outcome).await {
        Ok(Some(Ok(result))) => match input_required(&result) {
            Some(error) => json_response(StatusCode::BAD_REQUEST, &json!({ "error": error })),
            None => json_response(StatusCode::OK, &strip(result)),
        },
        Ok(Some(Err(rpc))) => rpc_error_response(rpc),
        Ok(None) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::INTERNAL_ERROR.0,
            "the call was cancelled before it answered",
        ),
        Err(response) => *response,
    }
}

/// `POST {prefix}/{name}/stream`: NDJSON, one progress line per update, then the result
/// (or the error). Closing the response drops the call.
pub(crate) async fn stream(
    State(engine): State<Arc<Engine>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let outcome = match start(&engine, &name, request).await {
        Ok(started) => started,
        Err(response) => return *response,
    };
    let lines = match outcome {
        Outcome::Stream { stream, .. } => stream
            .filter_map(|item| std::future::ready(item.into_message().and_then(|m| line(&m))))
            .boxed(),
        other => match collect(other).await {
            Ok(Some(answer)) => futures_util::stream::iter(Some(final_line(answer))).boxed(),
            Ok(None) => futures_util::stream::empty().boxed(),
            Err(response) => return *response,
        },
    };
    let body = lines.map(Ok::<_, Infallible>);
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// Checks the tool and the body, and hands the call to the engine.
async fn start(engine: &Arc<Engine>, name: &str, request: Request) -> Result<Outcome, Refused> {
    if !engine.tools().contains(name) {
        return Err(Box::new(error(
            StatusCode::NOT_FOUND,
            ErrorCode::INVALID_PARAMS.0,
            &format!("unknown tool `{name}`"),
        )));
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| {
        let message = format!("could not read the request body: {e}");
        error(
            StatusCode::BAD_REQUEST,
            ErrorCode::INVALID_REQUEST.0,
            &message,
        )
    })?;
    let arguments: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            let message = format!("the body is not JSON: {e}");
            Box::new(error(
                StatusCode::BAD_REQUEST,
                ErrorCode::PARSE_ERROR.0,
                &message,
            ))
        })?
    };
    if !arguments.is_object() {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            ErrorCode::INVALID_PARAMS.0,
            "the body must be a JSON object of the tool's arguments (or empty)",
        )));
    }
    let mut params = envelope();
    if let Some(Value::Object(meta)) = params.get_mut("_meta") {
        meta.insert("progressToken".into(), json!(TOKEN));
    }
    params.insert("name".into(), Value::String(name.to_owned()));
    params.insert("arguments".into(), arguments);
    let body = request_body("tools/call", params);
    let parts = Arc::new(RequestMeta::from_http(parts));
    handle(engine, &parts, &body).await
}

/// The engine's outcome for `body`, a refusal rendered as HTTP.
async fn handle(
    engine: &Engine,
    parts: &Arc<RequestMeta>,
    body: &[u8],
) -> Result<Outcome, Refused> {
    let inbound = Inbound {
        meta: Some(parts.clone()),
        ..Inbound::default()
    };
    match engine.handle(&Link::per_request(), &inbound, body).await {
        Outcome::Refused(refusal) => {
            if let Some(forbidden) =
                crate::auth::scope::render(parts.headers(), parts.extensions(), &refusal)
            {
                return Err(Box::new(forbidden));
            }
            let mut response = error(
                super::reply::status(refusal.reason),
                refusal.error.code.0,
                &refusal.error.message,
            );
            if refusal.reason == Reason::Overloaded {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Err(Box::new(response))
        }
        outcome => Ok(outcome),
    }
}

/// A request refused: the response that says why.
type Refused = Box<Response>;

/// A JSON-RPC answer: the `result`, or the `error` object.
type Answer = Result<Value, Value>;

/// Runs `body` through the engine to its response.
async fn run(
    engine: &Engine,
    parts: &Arc<RequestMeta>,
    body: &[u8],
) -> Result<Option<Answer>, Refused> {
    let outcome = handle(engine, parts, body).await?;
    collect(outcome).await
}

/// The response an outcome ends with (`None`: cancelled, no response).
async fn collect(outcome: Outcome) -> Result<Option<Answer>, Refused> {
    let body = match outcome {
        Outcome::Reply { body, .. } | Outcome::Opened { body, .. } => body,
        Outcome::Stream { mut stream, .. } => {
            let mut response = None;
            while let Some(item) = stream.next().await {
                if let crate::server::Outgoing::Response(body) = item {
                    response = Some(body);
                }
            }
            match response {
                Some(body) => body,
                None => return Ok(None),
            }
        }
        Outcome::Batch(_) | Outcome::Accepted => return Ok(None),
        Outcome::Refused(refusal) => {
            return Err(Box::new(error(
                super::reply::status(refusal.reason),
                refusal.error.code.0,
                &refusal.error.message,
            )));
        }
    };
    Ok(Some(answer_of(&body)))
}

/// The `result` or `error` of a JSON-RPC response.
fn answer_of(body: &[u8]) -> Result<Value, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut message) => match message.get_mut("result").map(Value::take) {
            Some(result) => Ok(result),
            None => Err(message
                .get_mut("error")
                .map(Value::take)
                .unwrap_or(Value::Null)),
        },
        Err(e) => Err(json!({"code": ErrorCode::INTERNAL_ERROR.0, "message": e.to_string()})),
    }
}

/// One NDJSON line for a message of the call: a progress update, or the final answer;
/// other notifications (logs) are not part of this interface.
fn line(message: &[u8]) -> Option<Bytes> {
    let value: Value = serde_json::from_slice(message).ok()?;
    if value.get("method").and_then(Value::as_str) == Some("notifications/progress") {
        let params = value.get("params")?;
        let mut update = Map::new();
        for key in ["progress", "total", "message"] {
            if let Some(v) = params.get(key) {
                update.insert(key.into(), v.clone());
            }
        }
        return Some(ndjson(&Value::Object(update)));
    }
    if value.get("id").is_some() && value.get("method").is_none() {
        return Some(final_line(answer_of(message)));
    }
    None
}

/// `{"result": …}` or `{"error": …}`.
fn final_line(answer: Result<Value, Value>) -> Bytes {
    match answer {
        Ok(result) => match input_required(&result) {
            Some(error) => ndjson(&json!({ "error": error })),
            None => ndjson(&json!({ "result": strip(result) })),
        },
        Err(error) => ndjson(&json!({ "error": error })),
    }
}

/// A 2026-07-28 result asking for input: this interface has nobody to ask.
fn input_required(result: &Value) -> Option<Value> {
    (result.get("resultType").and_then(Value::as_str) == Some("input_required")).then(|| {
        json!({
            "code": ErrorCode::INVALID_REQUEST.0,
            "message": "the tool asks the client for input (elicitation, sampling or roots), which the plain-HTTP interface cannot answer: call it through MCP",
        })
    })
}

/// The result as the tool made it, without the 2026-07-28 envelope fields.
fn strip(mut result: Value) -> Value {
    if let Some(object) = result.as_object_mut() {
        for key in ["resultType", "ttlMs", "cacheScope"] {
            object.remove(key);
        }
    }
    result
}

fn ndjson(value: &Value) -> Bytes {
    let mut line = serde_json::to_vec(value).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

/// `params` with the 2026-07-28 `_meta` that makes the request self-contained.
fn envelope() -> Map<String, Value> {
    let mut params = Map::new();
    params.insert(
        "_meta".into(),
        json!({
            crate::server::META_PROTOCOL_VERSION: crate::protocol::ProtocolVersion::V2026_07_28.as_str(),
            crate::server::META_CLIENT_CAPABILITIES: {},
        }),
    );
    params
}

fn request_body(method: &str, params: Map<String, Value>) -> Vec<u8> {
    // A `Value` always serializes.
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .unwrap_or_default()
}

/// A JSON-RPC error object from the engine, with the status its code maps to.
fn rpc_error_response(rpc: Value) -> Response {
    let code = rpc.get("code").and_then(Value::as_i64).unwrap_or(-32603);
    let status = match code {
        -32601 => StatusCode::NOT_FOUND,
        -32603 => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    json_response(status, &json!({ "error": rpc }))
}

/// `{"error":{"code":…,"message":…}}` with this status.
fn error(status: StatusCode, code: i32, message: &str) -> Response {
    json_response(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}
