//! The floor: one bare axum handler that parses the JSON-RPC body with serde_json and
//! writes the same result shapes as the frameworks, and nothing else: no header checks, no
//! envelope validation, no sessions (`initialize` answers with a fixed session id that
//! nobody checks), no cancellation. What a framework costs is its distance from this.

use std::borrow::Cow;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::spec;

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(default)]
    id: Option<Value>,
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow, default)]
    params: Option<Params<'a>>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
    #[serde(rename = "_meta", default)]
    meta: Option<Meta>,
    #[serde(rename = "protocolVersion", default)]
    protocol_version: Option<String>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "progressToken", default)]
    progress_token: Option<Value>,
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", default)]
    protocol_version: Option<String>,
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    jsonrpc: &'static str,
    id: &'a Value,
    result: T,
}

/// The result of `tools/list`, prepared once: the floor does the least any server must.
struct Listing {
    tools: Box<RawValue>,
}

/// The floor's router.
pub fn router() -> axum::Router {
    let tools: Vec<Value> = spec::tools()
        .into_iter()
        .map(|t| json!({"name": t.name, "description": t.description, "inputSchema": t.input_schema}))
        .collect();
    let listing = Listing {
        tools: serde_json::value::to_raw_value(&tools).unwrap_or_default(),
    };
    axum::Router::new()
        .route(spec::PATH, post(handle))
        .with_state(Arc::new(listing))
}

async fn handle(State(listing): State<Arc<Listing>>, body: Bytes) -> Response {
    let request: Request<'_> = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let Some(id) = request.id else {
        return StatusCode::ACCEPTED.into_response();
    };
    let params = request.params;
    let meta = params.as_ref().and_then(|p| p.meta.as_ref());
    let stateless = meta.is_some_and(|m| m.protocol_version.is_some());
    match &*request.method {
        "initialize" => {
            let version = params.and_then(|p| p.protocol_version);
            let result = json!({
                "protocolVersion": version.as_deref().unwrap_or(spec::SESSION_VERSION),
                "capabilities": {"tools": {"listChanged": true}},
                "serverInfo": {"name": "bench", "version": "0.1.0"}
            });
            let mut response = json_response(&Envelope {
                jsonrpc: "2.0",
                id: &id,
                result,
            });
            response
                .headers_mut()
                .insert("mcp-session-id", HeaderValue::from_static("floor"));
            response
        }
        "tools/list" => {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct ListResult<'a> {
                tools: &'a RawValue,
                result_type: &'static str,
                ttl_ms: u64,
                cache_scope: &'static str,
            }
            let result = ListResult {
                tools: &listing.tools,
                result_type: "complete",
                ttl_ms: 60_000,
                cache_scope: "public",
            };
            json_response(&Envelope {
                jsonrpc: "2.0",
                id: &id,
                result,
            })
        }
        "tools/call" => {
            let token = meta.and_then(|m| m.progress_token.clone());
            let (name, arguments) = match params {
                Some(p) => (p.name.unwrap_or_default(), p.arguments.unwrap_or_default()),
                None => (Cow::Borrowed(""), Map::new()),
            };
            match &*name {
                spec::PROGRESS => progress(id, token, &arguments, stateless),
                _ => {
                    let text = arguments.get("text").and_then(Value::as_str).unwrap_or("");
                    json_response(&Envelope {
                        jsonrpc: "2.0",
                        id: &id,
                        result: tool_result(text, stateless),
                    })
                }
            }
        }
        _ => json_response(&json!({"jsonrpc": "2.0", "id": id, "result": {}})),
    }
}

fn tool_result(text: &str, stateless: bool) -> Value {
    let mut result = json!({"content": [{"type": "text", "text": text}]});
    if stateless {
        result["resultType"] = json!("complete");
    }
    result
}

fn json_response<T: Serialize>(value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

/// `frames` progress notifications as SSE events (after `delay_ms` each), then the result.
fn progress(
    id: Value,
    token: Option<Value>,
    arguments: &Map<String, Value>,
    stateless: bool,
) -> Response {
    let number = |key: &str, default: u64| {
        arguments
            .get(key)
            .and_then(Value::as_u64)
            .unwrap_or(default)
    };
    let frames = u32::try_from(number("frames", u64::from(spec::FRAMES))).unwrap_or(spec::FRAMES);
    let delay = Duration::from_millis(number("delay_ms", 0));
    let events = futures_util::stream::unfold(1u32, move |i| {
        let (id, token) = (id.clone(), token.clone());
        async move {
            if i > frames + 1 {
                return None;
            }
            let message = if i <= frames {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                // No token, no progress: the frame is skipped, as the spec asks.
                let Some(token) = token else {
                    return Some((Ok::<_, Infallible>(Bytes::new()), i + 1));
                };
                json!({
                    "jsonrpc": "2.0",
                    "method": "notifications/progress",
                    "params": {
                        "progressToken": token,
                        "progress": i,
                        "total": frames,
                        "message": spec::progress_message(i, frames)
                    }
                })
            } else {
                json!({"jsonrpc": "2.0", "id": id, "result": tool_result("done", stateless)})
            };
            let mut event = b"data: ".to_vec();
            serde_json::to_writer(&mut event, &message).unwrap_or_default();
            event.extend_from_slice(b"\n\n");
            Some((Ok(Bytes::from(event)), i + 1))
        }
    });
    (
        [(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"))],
        Body::from_stream(events),
    )
        .into_response()
}
