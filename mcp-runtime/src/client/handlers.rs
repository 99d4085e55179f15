//! What the client answers when the server asks it something: elicitation (ask the user),
//! sampling (ask the model), roots (which directories the client works in).
//!
//! In the handshake era the server sends these as requests (on a call's SSE stream or the
//! GET stream) and the client POSTs the response; in 2026-07-28 they come as the
//! `inputRequests` of an `InputRequiredResult` and the client retries the call with the
//! answers. The handlers are the same for both.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::Content;

/// The server asks the user for input (`elicitation/create`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitRequest {
    /// What to ask the user.
    pub message: String,
    /// `form` (fill in `requested_schema`) or `url` (open `url`); absent means `form`.
    #[serde(default)]
    pub mode: Option<String>,
    /// JSON Schema of the form (form mode): a flat object of primitive properties.
    #[serde(default)]
    pub requested_schema: Option<Value>,
    /// The page to open (URL mode).
    #[serde(default)]
    pub url: Option<String>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How the user answered an elicitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ElicitResult {
    /// `accept`, `decline` or `cancel`.
    pub action: ElicitAction,
    /// The form's values (accept, form mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
}

/// The user's choice in an elicitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ElicitAction {
    /// The user submitted the form (or agreed to open the URL).
    Accept,
    /// The user said no.
    Decline,
    /// The user dismissed the question.
    Cancel,
}

impl ElicitResult {
    /// The user accepted and filled in `content` (any `Serialize` value: an object whose
    /// fields are the form's properties).
    pub fn accept(content: impl Serialize) -> Self {
        Self {
            action: ElicitAction::Accept,
            content: serde_json::to_value(content).ok(),
        }
    }

    /// The user declined.
    pub fn decline() -> Self {
        Self {
            action: ElicitAction::Decline,
            content: None,
        }
    }

    /// The user dismissed the question.
    pub fn cancel() -> Self {
        Self {
            action: ElicitAction::Cancel,
            content: None,
        }
    }
}

/// The server asks the client's model for a completion (`sampling/createMessage`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SamplingRequest {
    /// The conversation so far (`{role, content}` objects, as sent).
    pub messages: Vec<Value>,
    /// A system prompt the server asks for.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// The most tokens to generate.
    #[serde(default)]
    pub max_tokens: Option<u64>,
    /// Everything else the server sent (model preferences, tools, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The model's answer to a [`SamplingRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SamplingResult {
    /// `assistant`, normally.
    pub role: String,
    /// What the model said.
    pub content: Content,
    /// Which model answered.
    pub model: String,
    /// Why it stopped (`endTurn`, `maxTokens`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
}

impl SamplingResult {
    /// A text answer from `model`, ended normally.
    pub fn text(model: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            role: "assistant".to_owned(),
            content: Content::text(text),
            model: model.into(),
            stop_reason: Some("endTurn".to_owned()),
        }
    }
}

/// A directory or file the client works in (`roots/list`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Root {
    /// A `file://` URI.
    pub uri: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Root {
    /// A root with a display name.
    pub fn new(uri: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            name: Some(name.into()),
        }
    }
}

type ElicitFn = dyn Fn(ElicitRequest) -> BoxFuture<'static, ElicitResult> + Send + Sync;
type SampleFn =
    dyn Fn(SamplingRequest) -> BoxFuture<'static, Result<SamplingResult, String>> + Send + Sync;

/// The handlers a client was built with; they decide its declared capabilities.
#[derive(Clone, Default)]
pub(crate) struct Handlers {
    elicitation: Option<Arc<ElicitFn>>,
    sampling: Option<Arc<SampleFn>>,
    roots: Option<Arc<Vec<Root>>>,
}

/// A JSON-RPC error to answer a server's request with: `(code, message)`.
pub(crate) type Refusal = (i64, String);

impl Handlers {
    pub(crate) fn on_elicitation<F, Fut>(&mut self, handler: F)
    where
        F: Fn(ElicitRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ElicitResult> + Send + 'static,
    {
        self.elicitation = Some(Arc::new(move |request| Box::pin(handler(request))));
    }

    pub(crate) fn on_sampling<F, Fut>(&mut self, handler: F)
    where
        F: Fn(SamplingRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SamplingResult, String>> + Send + 'static,
    {
        self.sampling = Some(Arc::new(move |request| Box::pin(handler(request))));
    }

    pub(crate) fn roots(&mut self, roots: Vec<Root>) {
        self.roots = Some(Arc::new(roots));
    }

    /// The client capabilities these handlers make true.
    pub(crate) fn capabilities(&self) -> Map<String, Value> {
        let mut capabilities = Map::new();
        if self.elicitation.is_some() {
            capabilities.insert("elicitation".into(), json!({"form": {}, "url": {}}));
        }
        if self.sampling.is_some() {
            capabilities.insert("sampling".into(), json!({}));
        }
        if self.roots.is_some() {
            // No `listChanged`: the roots never change (and 2026-07-28 has no such field).
            capabilities.insert("roots".into(), json!({}));
        }
        capabilities
    }

    /// The result for one request of the server.
    pub(crate) async fn answer(&self, method: &str, params: Value) -> Result<Value, Refusal> {
        let invalid = |e: serde_json::Error| (-32602, format!("Invalid params for {method}: {e}"));
        let unsupported = || {
            (
                -32601,
                format!("Method not found: {method} (no handler on this client)"),
            )
        };
        match method {
            "ping" => Ok(json!({})),
            "elicitation/create" => {
                let handler = self.elicitation.as_ref().ok_or_else(unsupported)?;
                let request = serde_json::from_value(params).map_err(invalid)?;
                to_value(handler(request).await)
            }
            "sampling/createMessage" => {
                let handler = self.sampling.as_ref().ok_or_else(unsupported)?;
                let request = serde_json::from_value(params).map_err(invalid)?;
                // -1: the spec's code for a sampling request the user rejected.
                to_value(handler(request).await.map_err(|why| (-1, why))?)
            }
            "roots/list" => {
                let roots = self.roots.as_ref().ok_or_else(unsupported)?;
                Ok(json!({ "roots": &**roots }))
            }
            _ => Err(unsupported()),
        }
    }
}

fn to_value(value: impl Serialize) -> Result<Value, Refusal> {
    serde_json::to_value(value).map_err(|e| (-32603, format!("cannot serialize the answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_what_it_has_a_handler_for_and_refuses_the_rest() {
        let mut handlers = Handlers::default();
        assert_eq!(
            handlers.capabilities(),
            Map::new(),
            "no handler, no capability"
        );
        let refused = handlers
            .answer("elicitation/create", json!({"message": "?"}))
            .await;
        assert_eq!(refused.map_err(|(code, _)| code), Err(-32601));

        handlers.on_elicitation(|request| async move {
            ElicitResult::accept(json!({"echo": request.message}))
        });
        handlers.roots(vec![Root::new("file:///w", "w")]);
        let capabilities = handlers.capabilities();
        assert!(capabilities.contains_key("elicitation") && capabilities.contains_key("roots"));
        assert!(!capabilities.contains_key("sampling"));

        let answer = handlers
            .answer("elicitation/create", json!({"message": "name?"}))
            .await;
        assert_eq!(
            answer,
            Ok(json!({"action": "accept", "content": {"echo": "name?"}}))
        );
        let invalid = handlers
            .answer("elicitation/create", json!({"nope": 1}))
            .await;
        assert_eq!(invalid.map_err(|(code, _)| code), Err(-32602));
        assert_eq!(
            handlers.answer("roots/list", json!({})).await,
            Ok(json!({"roots": [{"uri": "file:///w", "name": "w"}]}))
        );
        assert_eq!(handlers.answer("ping", json!({})).await, Ok(json!({})));
        let unknown = handlers.answer("tools/call", json!({})).await;
        assert_eq!(unknown.map_err(|(code, _)| code), Err(-32601));
    }

    #[tokio::test]
    async fn a_refused_sampling_is_error_minus_one() {
        let mut handlers = Handlers::default();
        handlers.on_sampling(|_| async { Err("the user said no".to_owned()) });
        let refused = handlers
            .answer(
                "sampling/createMessage",
                json!({"messages": [], "maxTokens": 5}),
            )
            .await;
        assert_eq!(refused, Err((-1, "the user said no".to_owned())));
    }
}
