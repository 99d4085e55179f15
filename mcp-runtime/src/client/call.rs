//! A tool call in flight: a [`Stream`] of progress and log updates, then the result.

use std::future::IntoFuture;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, Stream, StreamExt as _};
use serde::de::DeserializeOwned;

use super::ClientError;
use super::exchange::Step;
use super::types::{LogMessage, Progress};
use crate::{CallToolResult, Content};

/// What a tool reports while it runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallUpdate {
    /// A `notifications/progress` for this call.
    Progress(Progress),
    /// A log message sent on this call's stream.
    Log(LogMessage),
}

/// A `tools/call` in flight, from [`Client::call_tool`](super::Client::call_tool).
///
/// Await it for the result, or read it as a [`Stream`] of [`CallUpdate`]s first and then
/// ask for [`result`](Self::result). Nothing is sent until it is first polled; dropping it
/// before the result cancels the call.
///
/// ```no_run
/// # async fn demo(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
/// use futures_util::StreamExt as _;
/// use mcp_runtime::client::CallUpdate;
///
/// let mut call = client.call_tool("stream_data_analysis", serde_json::json!({"dataset": "sales"}));
/// while let Some(update) = call.next().await {
///     if let CallUpdate::Progress(p) = update {
///         println!("{:?}", p.message);
///     }
/// }
/// let result = call.result().await?;
/// # let _ = result; Ok(()) }
/// ```
#[must_use = "a tool call does nothing until it is awaited or polled"]
pub struct ToolCall {
    steps: Option<BoxStream<'static, Result<Step, ClientError>>>,
    outcome: Option<Result<CallToolResult, ClientError>>,
}

impl ToolCall {
    pub(crate) fn new(steps: BoxStream<'static, Result<Step, ClientError>>) -> Self {
        Self {
            steps: Some(steps),
            outcome: None,
        }
    }

    pub(crate) fn failed(error: ClientError) -> Self {
        Self {
            steps: None,
            outcome: Some(Err(error)),
        }
    }

    /// Waits for the result, skipping any updates not read yet.
    ///
    /// A result with `isError: true` is [`ClientError::Tool`], which holds it whole.
    pub async fn result(mut self) -> Result<CallToolResult, ClientError> {
        while self.next().await.is_some() {}
        let result = self
            .outcome
            .take()
            .unwrap_or_else(|| Err(ClientError::transport("the call ended without a result")))?;
        if result.is_error {
            return Err(ClientError::Tool {
                message: text_of(&result.content),
                result: Box::new(result),
            });
        }
        Ok(result)
    }

    /// Waits for the result and reads its `structuredContent` as a `T`.
    pub async fn structured<T: DeserializeOwned>(self) -> Result<T, ClientError> {
        let result = self.result().await?;
        let value = result.structured_content.ok_or_else(|| {
            ClientError::Protocol("the tool's result has no structuredContent".to_owned())
        })?;
        serde_json::from_value(value).map_err(|e| {
            ClientError::Protocol(format!(
                "the tool's structuredContent is not a {}: {e}",
                std::any::type_name::<T>()
            ))
        })
    }
}

fn text_of(content: &[Content]) -> String {
    let texts: Vec<&str> = content
        .iter()
        .filter_map(|c| match c {
            Content::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    texts.join("\n")
}

impl Stream for ToolCall {
    type Item = CallUpdate;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<CallUpdate>> {
        let Some(steps) = self.steps.as_mut() else {
            return Poll::Ready(None);
        };
        let outcome = match steps.poll_next_unpin(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(Ok(Step::Progress(p)))) => {
                return Poll::Ready(Some(CallUpdate::Progress(p)));
            }
            Poll::Ready(Some(Ok(Step::Log(l)))) => return Poll::Ready(Some(CallUpdate::Log(l))),
            Poll::Ready(Some(Ok(Step::Done(value)))) => {
                serde_json::from_value::<CallToolResult>(value).map_err(|e| {
                    ClientError::Protocol(format!("tools/call returned no CallToolResult: {e}"))
                })
            }
            Poll::Ready(Some(Err(e))) => Err(e),
            Poll::Ready(None) => Err(ClientError::transport("the call ended without a result")),
        };
        self.steps = None;
        self.outcome = Some(outcome);
        Poll::Ready(None)
    }
}

impl IntoFuture for ToolCall {
    type Output = Result<CallToolResult, ClientError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.result())
    }
}
