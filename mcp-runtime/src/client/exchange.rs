//! One request from start to result: send it, sort what comes back (progress, logs,
//! requests of the server, the response), answer 2026-07-28 input requests by retrying,
//! time out when the server goes quiet, and cancel when dropped.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use serde_json::{Map, Value, json};

use super::shared::{Shared, meta};
use super::sse::is_response_to;
use super::transport::MessageStream;
use super::types::{LogMessage, Progress};
use super::{ClientError, lists};

/// What a request yields on its way to the result.
pub(crate) enum Step {
    Progress(Progress),
    Log(LogMessage),
    Done(Value),
}

/// A request to run.
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) params: Map<String, Value>,
    /// Mirrored into `Mcp-Name` (2026-07-28).
    pub(crate) name: Option<String>,
    /// Whether to ask for progress notifications.
    pub(crate) progress: bool,
    /// A request that stays open (`subscriptions/listen`): no timeout.
    pub(crate) long_lived: bool,
}

/// Runs `request`; the stream ends after [`Step::Done`] or an error.
pub(crate) fn run(
    shared: Arc<Shared>,
    request: Request,
) -> BoxStream<'static, Result<Step, ClientError>> {
    Box::pin(async_stream::try_stream! {
        let Request { method, mut params, name, progress, long_lived } = request;
        let timeout = if long_lived { None } else { shared.timeout };
        let mut rounds = 0;
        let mut refreshed_headers = false;
        let mut renewed_session = false;
        loop {
            let id = shared.next_id();
            let token = progress.then(|| format!("progress-{id}"));
            if let Some(token) = &token {
                meta(&mut params).insert("progressToken".into(), json!(token));
            }
            let outgoing = shared.request(id, &method, params.clone(), name.clone(), token.clone());
            let mut guard = CancelOnDrop { shared: shared.clone(), id: Some(id) };
            let session = shared.session_generation();
            let mut messages = match shared.transport.request(outgoing).await {
                Ok(messages) => messages,
                Err(e) if !renewed_session && shared.transport.take_session_expired() => {
                    guard.id = None;
                    tracing::info!("the server forgot the session ({e}); starting a new one");
                    renewed_session = true;
                    shared.renew_session(session).await?;
                    continue;
                }
                Err(e) => Err(e)?,
            };
            let response = loop {
                let next = tokio::select! {
                    next = next_message(&mut messages, timeout) => next,
                    () = shared.closed() => Err(ClientError::Cancelled),
                };
                let next = next?;
                let message = next.ok_or_else(|| {
                    ClientError::transport(format!("the server ended {method} without a response"))
                })??;
                if is_response_to(&message, id) {
                    break message;
                }
                let Some(kind) = message.get("method").and_then(Value::as_str) else {
                    tracing::debug!("a response to no request of ours: {message}");
                    continue;
                };
                let params = message.get("params").cloned().unwrap_or(Value::Null);
                if message.get("id").is_some() {
                    shared.answer(&message).await;
                } else if kind == "notifications/progress"
                    && token.is_some()
                    && params.get("progressToken").and_then(Value::as_str) == token.as_deref()
                {
                    if let Some(progress) = Progress::from_params(&params) {
                        yield Step::Progress(progress);
                    }
                } else if kind == "notifications/message" {
                    if let Some(log) = LogMessage::from_params(&params) {
                        yield Step::Log(log);
                    }
                } else {
                    shared.publish(&message);
                }
            };
            guard.id = None;
            drop(messages);
            if let Some(error) = response.get("error") {
                let error = ClientError::from_rpc_object(error);
                // The tool's `x-mcp-header` parameters were unknown or changed: list the
                // tools again and retry once with the headers they ask for.
                if error.rpc_code() == Some(-32020) && method == "tools/call" && !refreshed_headers {
                    refreshed_headers = true;
                    lists::tools(&shared).await?;
                    continue;
                }
                Err(error)?;
            }
            let result = response.get("result").cloned().unwrap_or(Value::Null);
            if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
                yield Step::Done(result);
                break;
            }
            rounds += 1;
            if rounds > shared.max_input_rounds {
                Err(ClientError::Protocol(format!(
                    "{method}: the server still asked for input after {} rounds",
                    shared.max_input_rounds
                )))?;
            }
            let answers = answer_input_requests(&shared, &result).await?;
            params.insert("inputResponses".into(), Value::Object(answers));
            // The state goes back exactly as it came, and only when it came.
            match result.get("requestState") {
                Some(state) => params.insert("requestState".into(), state.clone()),
                None => params.remove("requestState"),
            };
        }
    })
}

/// Runs a request that yields no updates worth keeping and returns its result.
pub(crate) async fn result(
    shared: &Arc<Shared>,
    method: &str,
    params: Map<String, Value>,
    name: Option<String>,
) -> Result<Value, ClientError> {
    let mut steps = run(
        shared.clone(),
        Request {
            method: method.to_owned(),
            params,
            name,
            progress: false,
            long_lived: false,
        },
    );
    while let Some(step) = steps.next().await {
        if let Step::Done(result) = step? {
            return Ok(result);
        }
    }
    Err(ClientError::transport(format!(
        "{method} ended without a result"
    )))
}

/// The next message, within `timeout` of the last one: any message about the request
/// (progress above all) resets the clock.
async fn next_message(
    messages: &mut MessageStream,
    timeout: Option<Duration>,
) -> Result<Option<Result<Value, ClientError>>, ClientError> {
    match timeout {
        Some(limit) => tokio::time::timeout(limit, messages.next())
            .await
            .map_err(|_| ClientError::Timeout(limit)),
        None => Ok(messages.next().await),
    }
}

/// The answers to an `InputRequiredResult`'s `inputRequests`, by key.
async fn answer_input_requests(
    shared: &Shared,
    result: &Value,
) -> Result<Map<String, Value>, ClientError> {
    let mut answers = Map::new();
    let Some(requests) = result.get("inputRequests").and_then(Value::as_object) else {
        return Ok(answers);
    };
    for (key, request) in requests {
        let method = request.get("method").and_then(Value::as_str).unwrap_or("");
        let params = request.get("params").cloned().unwrap_or(json!({}));
        let answer = shared
            .handlers
            .answer(method, params)
            .await
            .map_err(|(code, message)| {
                ClientError::Protocol(format!(
                    "cannot answer the server's input request `{key}` ({method}): {message} ({code})"
                ))
            })?;
        answers.insert(key.clone(), answer);
    }
    Ok(answers)
}

/// Tells the server when a request is abandoned: its stream dropped before the response
/// (the caller dropped the call, or it timed out).
struct CancelOnDrop {
    shared: Arc<Shared>,
    id: Option<i64>,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let Some(id) = self.id else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let shared = self.shared.clone();
        runtime.spawn(async move {
            let cancellation = shared.notification(
                "notifications/cancelled",
                Some(json!({"requestId": id, "reason": "the client stopped waiting"})),
            );
            shared.transport.cancel(id, cancellation).await;
        });
    }
}
