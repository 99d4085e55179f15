//! Reading an SSE response, and resuming it with `Last-Event-ID` when it drops.
//!
//! Handshake-era servers give each event an id and may close a stream early (SEP-1699:
//! a priming event, then `retry`); the client reconnects with `GET` and `Last-Event-ID`,
//! and the server replays what followed on that stream only. 2026-07-28 streams are not
//! resumable: a drop there is an error.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{BoxStream, StreamExt as _};
use http::StatusCode;
use serde_json::Value;
use sse_stream::{Sse, SseStream};

use super::ClientError;
use super::http::Inner;
use super::transport::MessageStream;

type Events = BoxStream<'static, Result<Sse, sse_stream::Error>>;

fn events(response: reqwest::Response) -> Events {
    SseStream::from_bytes_stream(response.bytes_stream()).boxed()
}

/// The JSON-RPC messages of an SSE response. With `response_to`, the stream ends after the
/// response to that request; without, it runs until the server ends it for good (the GET
/// stream). A drop is resumed when `resumable` and the server gave an event id.
pub(crate) fn messages(
    http: Arc<Inner>,
    response: reqwest::Response,
    resumable: bool,
    response_to: Option<i64>,
) -> MessageStream {
    Box::pin(async_stream::try_stream! {
        let mut events = events(response);
        let mut last_event_id: Option<String> = None;
        let mut retry: Option<Duration> = None;
        loop {
            let broke = match events.next().await {
                Some(Ok(event)) => {
                    if let Some(id) = event.id {
                        last_event_id = Some(id);
                    }
                    if let Some(ms) = event.retry {
                        retry = Some(Duration::from_millis(ms));
                    }
                    // Priming events and keep-alives carry no message.
                    let Some(data) = event.data.filter(|d| !d.trim().is_empty()) else {
                        continue;
                    };
                    let message: Value = serde_json::from_str(&data).map_err(|e| {
                        ClientError::Protocol(format!("an SSE event is not JSON ({e}): {data}"))
                    })?;
                    let done = response_to.is_some_and(|id| is_response_to(&message, id));
                    yield message;
                    if done {
                        break;
                    }
                    continue;
                }
                Some(Err(e)) => Some(e.to_string()),
                None => None,
            };
            let why = broke.unwrap_or_else(|| "the server closed the stream".to_owned());
            if !resumable {
                Err(ClientError::transport(format!(
                    "the response stream ended before the response ({why})"
                )))?;
            }
            if response_to.is_some() && last_event_id.is_none() {
                Err(ClientError::transport(format!(
                    "the response stream ended before the response and cannot be resumed: it had no event id ({why})"
                )))?;
            }
            events = reconnect(&http, last_event_id.as_deref(), retry, &why).await?;
        }
    })
}

/// Reopens the stream after a drop, with backoff; fails after the policy's attempts.
async fn reconnect(
    http: &Inner,
    last_event_id: Option<&str>,
    retry: Option<Duration>,
    why: &str,
) -> Result<Events, ClientError> {
    let policy = http.reconnect;
    let mut last_failure = why.to_owned();
    for attempt in 0..policy.max_attempts {
        tokio::time::sleep(policy.delay(attempt, retry)).await;
        let response = match http.get(last_event_id).await {
            Ok(response) => response,
            Err(e) => {
                last_failure = e.to_string();
                continue;
            }
        };
        let status = response.status();
        if status.is_success() {
            tracing::debug!(?last_event_id, attempt, "SSE stream resumed");
            return Ok(events(response));
        }
        let body = response.text().await.unwrap_or_default();
        // A server error or an overloaded proxy may pass; anything else will not.
        if !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS) {
            return Err(ClientError::HttpStatus {
                status: status.as_u16(),
                body,
            });
        }
        last_failure = format!("HTTP {status}: {body}");
    }
    Err(ClientError::transport(format!(
        "the stream dropped and {} attempts to resume it failed (last: {last_failure})",
        policy.max_attempts
    )))
}

/// Whether `message` is the response (result or error) to request `id`.
pub(crate) fn is_response_to(message: &Value, id: i64) -> bool {
    message.get("method").is_none()
        && (message.get("result").is_some() || message.get("error").is_some())
        && message.get("id").and_then(Value::as_i64) == Some(id)
}
