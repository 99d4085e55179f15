//! Sampling: a completion from the client's model (`sampling/createMessage`).

pub use crate::protocol::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message of the conversation sent to the client's model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SamplingMessage {
    /// Who speaks.
    pub role: Role,
    /// A content block (`{"type": "text", "text": …}`, an image, audio, …), or an array
    /// of them (tool use and tool results).
    pub content: Value,
}

impl SamplingMessage {
    /// A text message of the user.
    pub fn user(text: impl Into<String>) -> Self {
        Self::text(Role::User, text)
    }

    /// A text message of the model.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::text(Role::Assistant, text)
    }

    fn text(role: Role, text: impl Into<String>) -> Self {
        Self {
            role,
            content: serde_json::json!({"type": "text", "text": text.into()}),
        }
    }
}

/// A hint for the client's model choice (a name or family, matched by substring).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ModelHint {
    /// E.g. `"claude-3-5-sonnet"` or `"sonnet"`.
    pub name: String,
}

/// Which model the server would like; the client decides.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelPreferences {
    /// Preferred models, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<ModelHint>,
    /// 0..=1: how much cost matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_priority: Option<f64>,
    /// 0..=1: how much speed matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_priority: Option<f64>,
    /// 0..=1: how much capability matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intelligence_priority: Option<f64>,
}

/// A `sampling/createMessage` request, built step by step.
///
/// ```
/// use mcp_runtime::peer::{SamplingMessage, SamplingRequest};
///
/// let request = SamplingRequest::new(100)
///     .message(SamplingMessage::user("What is the capital of France?"))
///     .system_prompt("Answer in one word.")
///     .hint("claude")
///     .temperature(0.2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SamplingRequest {
    messages: Vec<SamplingMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_preferences: Option<ModelPreferences>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stop_sequences: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
}

impl SamplingRequest {
    /// A request for at most `max_tokens` tokens; add messages with [`message`](Self::message).
    pub fn new(max_tokens: u32) -> Self {
        Self {
            messages: Vec::new(),
            model_preferences: None,
            system_prompt: None,
            temperature: None,
            max_tokens,
            stop_sequences: Vec::new(),
            tools: None,
            tool_choice: None,
            metadata: None,
        }
    }

    /// A one-message request: the user's `prompt`.
    pub fn prompt(prompt: impl Into<String>, max_tokens: u32) -> Self {
        Self::new(max_tokens).message(SamplingMessage::user(prompt))
    }

    /// Appends a message.
    pub fn message(mut self, message: SamplingMessage) -> Self {
        self.messages.push(message);
        self
    }

    /// The system prompt.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Model preferences.
    pub fn model_preferences(mut self, preferences: ModelPreferences) -> Self {
        self.model_preferences = Some(preferences);
        self
    }

    /// Adds a model hint to the preferences.
    pub fn hint(mut self, name: impl Into<String>) -> Self {
        self.model_preferences
            .get_or_insert_with(ModelPreferences::default)
            .hints
            .push(ModelHint { name: name.into() });
        self
    }

    /// Sampling temperature.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// A stop sequence.
    pub fn stop_sequence(mut self, stop: impl Into<String>) -> Self {
        self.stop_sequences.push(stop.into());
        self
    }

    /// Tools the model may call (`{name, description, inputSchema}` objects); needs the
    /// client's `sampling.tools` capability (2025-11-25 and later).
    pub fn tools(mut self, tools: Vec<Value>) -> Self {
        self.tools = Some(tools);
        self
    }

    /// How the model picks tools (`{"mode": "auto" | "required" | "none"}`).
    pub fn tool_choice(mut self, choice: Value) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// Provider-specific metadata passed through to the client.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    pub(crate) fn uses_tools(&self) -> bool {
        self.tools.is_some()
    }
}

/// The client model's reply (`CreateMessageResult`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SampledMessage {
    /// Normally [`Role::Assistant`].
    pub role: Role,
    /// A content block, or an array of them.
    pub content: Value,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Why generation stopped (`endTurn`, `stopSequence`, `maxTokens`, `toolUse`, …).
    #[serde(default)]
    pub stop_reason: Option<String>,
}

impl SampledMessage {
    /// The text of the reply: its text blocks, joined.
    pub fn text(&self) -> String {
        let blocks = match &self.content {
            Value::Array(blocks) => blocks.iter().collect(),
            block => vec![block],
        };
        blocks
            .into_iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("")
    }
}
