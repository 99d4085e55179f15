//! What a prompt returns: messages, and the [`IntoPromptResult`] conversions.

use serde::{Deserialize, Serialize};

use super::PromptError;
pub use crate::protocol::Role;
use crate::tool::Content;

/// One message of a prompt: text, an image, audio, a resource link or an embedded
/// resource ([`Content`]), said by the user or the assistant.
///
/// ```
/// use mcp_runtime::Content;
/// use mcp_runtime::prompt::PromptMessage;
///
/// let messages = vec![
///     PromptMessage::user("Review this diagram:"),
///     PromptMessage::user(Content::image(b"\x89PNG...", "image/png")),
///     PromptMessage::assistant("Looking at it now."),
/// ];
/// # let _ = messages;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PromptMessage {
    /// Who says it.
    pub role: Role,
    /// What is said.
    pub content: Content,
}

impl PromptMessage {
    /// A message from the user (a `&str`/`String` is text).
    pub fn user(content: impl Into<Content>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// A message from the assistant.
    pub fn assistant(content: impl Into<Content>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// The result of `prompts/get`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetPromptResult {
    /// A description of this rendering of the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The messages.
    pub messages: Vec<PromptMessage>,
}

/// Turns what a prompt function returns into a [`GetPromptResult`].
///
/// `String` and `&'static str` are one user message; [`PromptMessage`] and
/// `Vec<PromptMessage>` are served as they are; `Result<T, E>` with `E: Display` fails the
/// request with the error's message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt",
    label = "not a prompt result",
    note = "return `String`, `&'static str`, `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult`, or a `Result<T, E: Display>` of one of these"
)]
pub trait IntoPromptResult {
    /// Converts the value.
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError>;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        Ok(self)
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        Ok(GetPromptResult {
            description: None,
            messages: self,
        })
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        vec![self].into_prompt_result()
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl<T: IntoPromptResult, E: std::fmt::Display> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        self.map_err(|e| PromptError::Failed(e.to_string()))?
            .into_prompt_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_content_kind_is_a_message() {
        let result = vec![
            PromptMessage::user("hi"),
            PromptMessage::assistant(Content::image(b"png", "image/png")),
            PromptMessage::user(Content::audio(b"wav", "audio/wav")),
            PromptMessage::user(Content::embedded_text("notes://1", "text/plain", "one")),
        ]
        .into_prompt_result()
        .expect("a result");
        assert_eq!(
            serde_json::to_value(result).expect("serializes"),
            json!({"messages": [
                {"role": "user", "content": {"type": "text", "text": "hi"}},
                {"role": "assistant", "content": {"type": "image", "data": "cG5n", "mimeType": "image/png"}},
                {"role": "user", "content": {"type": "audio", "data": "d2F2", "mimeType": "audio/wav"}},
                {"role": "user", "content": {"type": "resource", "resource": {"uri": "notes://1", "mimeType": "text/plain", "text": "one"}}}
            ]})
        );
        let failed: Result<String, &str> = Err("no such language");
        assert_eq!(
            failed.into_prompt_result(),
            Err(PromptError::Failed("no such language".into()))
        );
    }
}
