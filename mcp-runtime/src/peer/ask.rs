//! The questions a tool asks its client: `ctx.elicit`, `ctx.elicit_url`, `ctx.sample`,
//! `ctx.roots`.

use std::future::IntoFuture;

use futures_util::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::asking::Question;
use super::elicit::{ElicitSchema, Elicited, read_answer};
use super::roots::Root;
use super::sampling::{SampledMessage, SamplingRequest};
use crate::context::CallContext;
use crate::context::peer_error::PeerError;
use crate::protocol::methods::{ELICITATION_CREATE, ROOTS_LIST, SAMPLING_CREATE_MESSAGE};

/// An elicitation id: 96 random bits, hex.
fn random_id() -> String {
    let mut id = [0u8; 12];
    let _ = getrandom::fill(&mut id);
    id.iter().map(|b| format!("{b:02x}")).collect()
}

type Reader<'a, R> = Box<dyn Fn(Value) -> Result<R, PeerError> + Send + Sync + 'a>;

/// A question for the client, ready to `.await`.
///
/// In 2026-07-28 every question has a key in the `InputRequiredResult`'s `inputRequests`;
/// by default `elicitation-1`, `sampling-1`, `roots-1`, … in the order the tool asks.
/// [`key`](Self::key) names it instead (stable names survive a change of order).
#[must_use = "a question is asked only when awaited"]
pub struct Ask<'a, R> {
    ctx: &'a CallContext,
    key: Option<String>,
    method: &'static str,
    capability: &'static str,
    params: Result<Value, PeerError>,
    read: Reader<'a, R>,
}

impl<R> std::fmt::Debug for Ask<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ask")
            .field("method", &self.method)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<R> Ask<'_, R> {
    /// Names this question's key in 2026-07-28 `inputRequests` (no effect in the handshake
    /// era, where the runtime picks a fresh JSON-RPC id).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl<'a, R: Send + 'a> IntoFuture for Ask<'a, R> {
    type Output = Result<R, PeerError>;
    type IntoFuture = BoxFuture<'a, Result<R, PeerError>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let Self {
                ctx,
                key,
                method,
                capability,
                params,
                read,
            } = self;
            let question = Question {
                key: key.as_deref(),
                method,
                capability,
                params: params?,
            };
            let answer = ctx
                .ask(question, |answer| read(answer.clone()).is_ok())
                .await?;
            read(answer)
        })
    }
}

impl CallContext {
    /// In a call that runs as a task (a tool with [`TaskSupport`](crate::tool::TaskSupport),
    /// called by a client with the tasks extension): answers the request with the task now
    /// and goes on in the background, so questions asked after this park the task in
    /// `input_required` (answered by `tasks/update`) instead of ending a multi-round-trip
    /// round. Any other wait of the tool does the same; elsewhere this does nothing.
    pub async fn start_task(&self) {
        if let crate::context::PeerLink::Rounds(rounds) = self.peer_link() {
            if rounds.before_task() {
                // One yield: the runtime sees the tool wait with no question pending.
                tokio::task::yield_now().await;
            }
        }
    }

    fn question<'a, R>(
        &'a self,
        method: &'static str,
        capability: &'static str,
        params: Result<Value, PeerError>,
        read: Reader<'a, R>,
    ) -> Ask<'a, R> {
        Ask {
            ctx: self,
            key: None,
            method,
            capability,
            params,
            read,
        }
    }

    /// Asks the user to fill in a form whose schema is `T`'s (`#[derive(JsonSchema,
    /// Deserialize)]`: a flat struct of strings, numbers, booleans and enums; doc comments
    /// describe the fields, `#[serde(default)]` values become `default`s). The answer is
    /// checked against the schema and read as `T`. A type the spec does not allow is a
    /// [`PeerError::InvalidSchema`]; a client without the `elicitation` capability is
    /// [`PeerError::NotSupported`].
    ///
    /// 2026-07-28: the tool runs again when the answer arrives, so ask before any side
    /// effect (see [the module docs](crate::peer)).
    pub fn elicit<'a, T>(&'a self, message: impl Into<String>) -> Ask<'a, Elicited<T>>
    where
        T: JsonSchema + DeserializeOwned + Send + 'a,
    {
        match ElicitSchema::of::<T>() {
            Ok(schema) => self.elicit_typed(message.into(), schema),
            Err(e) => self.question(
                ELICITATION_CREATE,
                "elicitation.form",
                Err(e),
                Box::new(|_| Err(PeerError::Unreachable("unused"))),
            ),
        }
    }

    /// Like [`elicit`](Self::elicit) with a hand-written schema (say, SEP-1330's legacy
    /// `enumNames`); the accepted content comes back as a JSON object.
    pub fn elicit_with(
        &self,
        message: impl Into<String>,
        schema: ElicitSchema,
    ) -> Ask<'_, Elicited<Map<String, Value>>> {
        self.elicit_typed(message.into(), schema)
    }

    fn elicit_typed<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        message: String,
        schema: ElicitSchema,
    ) -> Ask<'a, Elicited<T>> {
        let params = json!({"message": message, "requestedSchema": schema.as_json()});
        self.question(
            ELICITATION_CREATE,
            "elicitation.form",
            Ok(params),
            Box::new(move |answer| read_answer(answer, Some(&schema))),
        )
    }

    /// Asks the user to visit `url` (URL-mode elicitation, protocol 2025-11-25 and later:
    /// OAuth flows, payments, anything the client must not see). `Accept` means the user
    /// agreed to open it, not that they finished there. Needs the client's
    /// `elicitation.url` capability.
    pub fn elicit_url(
        &self,
        url: impl Into<String>,
        message: impl Into<String>,
    ) -> Ask<'_, Elicited<()>> {
        let elicitation_id = random_id();
        let params = json!({
            "mode": "url",
            "message": message.into(),
            "url": url.into(),
            "elicitationId": elicitation_id,
        });
        self.question(
            ELICITATION_CREATE,
            "elicitation.url",
            Ok(params),
            Box::new(|answer| {
                read_answer::<Value>(answer, None).map(|e| match e {
                    Elicited::Accept(_) => Elicited::Accept(()),
                    Elicited::Decline => Elicited::Decline,
                    Elicited::Cancel => Elicited::Cancel,
                })
            }),
        )
    }

    /// Ends the call with the URL-elicitation-required error (-32042, protocol
    /// 2025-11-25): the client shows the user `url` (to sign in elsewhere, say) and retries
    /// the call once they are done. Return the [`ToolError`](crate::ToolError) this gives;
    /// the runtime answers with the JSON-RPC error instead of a result.
    ///
    /// ```
    /// use mcp_runtime::{Context, ToolError, tool};
    ///
    /// /// Lists the user's repositories, once they have connected their account.
    /// #[tool]
    /// async fn repositories(ctx: Context) -> Result<String, ToolError> {
    ///     let connected = false; // look the user's token up here
    ///     if !connected {
    ///         return Err(ctx.url_elicitation_required(
    ///             "https://example.com/connect",
    ///             "Connect your account to list its repositories.",
    ///         ));
    ///     }
    ///     Ok("…".into())
    /// }
    /// ```
    pub fn url_elicitation_required(
        &self,
        url: impl Into<String>,
        message: impl Into<String>,
    ) -> crate::tool::ToolError {
        let message = message.into();
        let elicitation = json!({
            "mode": "url",
            "elicitationId": random_id(),
            "url": url.into(),
            "message": message,
        });
        let error = crate::protocol::RpcError::new(
            crate::protocol::ErrorCode::URL_ELICITATION_REQUIRED,
            "This request requires more information.",
        )
        .with_data(json!({"elicitations": [elicitation]}));
        self.set_protocol_error(error);
        crate::tool::ToolError::new(message)
    }

    /// Asks the client's model for a completion (`sampling/createMessage`). Needs the
    /// client's `sampling` capability (`sampling.tools` when the request offers tools).
    pub fn sample(&self, request: SamplingRequest) -> Ask<'_, SampledMessage> {
        let capability = if request.uses_tools() {
            "sampling.tools"
        } else {
            "sampling"
        };
        let params = serde_json::to_value(&request)
            .map_err(|e| PeerError::InvalidSchema(format!("unserializable sampling request: {e}")));
        self.question(
            SAMPLING_CREATE_MESSAGE,
            capability,
            params,
            Box::new(|answer| {
                serde_json::from_value(answer).map_err(|e| PeerError::InvalidAnswer {
                    method: SAMPLING_CREATE_MESSAGE,
                    detail: e.to_string(),
                })
            }),
        )
    }

    /// The client's roots (`roots/list`), asked afresh each time, so a call after the
    /// client's `notifications/roots/list_changed` sees the new list. Needs the client's
    /// `roots` capability.
    pub fn roots(&self) -> Ask<'_, Vec<Root>> {
        #[derive(serde::Deserialize)]
        struct Listed {
            roots: Vec<Root>,
        }
        self.question(
            ROOTS_LIST,
            "roots",
            Ok(json!({})),
            Box::new(|answer| {
                serde_json::from_value::<Listed>(answer)
                    .map(|l| l.roots)
                    .map_err(|e| PeerError::InvalidAnswer {
                        method: ROOTS_LIST,
                        detail: e.to_string(),
                    })
            }),
        )
    }
}
