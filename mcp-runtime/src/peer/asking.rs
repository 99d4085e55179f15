//! How a question reaches the client, in both eras: a JSON-RPC request on the call's stream
//! with the session's answer channel (handshake era), or the call's rounds of
//! `InputRequiredResult` (2026-07-28).

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::context::peer_error::PeerError;
use crate::context::{CallContext, Outgoing, PeerLink};
use crate::protocol::RequestId;

/// One question for the client.
pub(super) struct Question<'a> {
    pub(super) key: Option<&'a str>,
    pub(super) method: &'static str,
    /// The capability (`name` or `name.sub`) the client must have declared.
    pub(super) capability: &'static str,
    pub(super) params: Value,
}

impl CallContext {
    /// Asks the client; `valid` says whether an answer is usable (a 2026-07-28 answer that
    /// is not is asked for again rather than failing the call).
    pub(super) async fn ask(
        &self,
        question: Question<'_>,
        valid: impl Fn(&Value) -> bool + Send + Sync,
    ) -> Result<Value, PeerError> {
        let declared = self.client_capabilities();
        if !has_capability(&declared, question.capability) {
            return Err(PeerError::NotSupported {
                capability: question.capability,
            });
        }
        match self.peer_link() {
            PeerLink::Session { timeout } => self.ask_in_session(question, *timeout).await,
            PeerLink::Rounds(rounds) => {
                let key = match question.key {
                    Some(key) => key.to_owned(),
                    None => self.next_question_key(question.method),
                };
                let request = json!({"method": question.method, "params": question.params});
                rounds.ask(key, request, &valid).await
            }
            PeerLink::None => Err(PeerError::Unreachable("this call has no client session")),
        }
    }

    async fn ask_in_session(
        &self,
        question: Question<'_>,
        timeout: Duration,
    ) -> Result<Value, PeerError> {
        let method = question.method;
        let (Some(session), Some(outbox)) = (self.session(), self.outbox()) else {
            return Err(PeerError::Unreachable("this call has no client session"));
        };
        let id = RequestId::String(fresh_id());
        let answer = session
            .await_answer(id.clone())
            .await
            .map_err(PeerError::Store)?;
        let frame = serde_json::to_vec(&json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": method,
            "params": question.params,
        }))
        .map_err(|_| PeerError::Unreachable("the request could not be serialized"))?;
        if outbox
            .send(Outgoing::Notification(frame.into()))
            .await
            .is_err()
        {
            return Err(PeerError::Cancelled);
        }
        tokio::select! {
            answer = answer => match answer {
                Ok(Ok(result)) => Ok(result),
                Ok(Err(error)) => Err(PeerError::Client {
                    method,
                    code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
                    message: error
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("(no message)")
                        .to_owned(),
                }),
                Err(_) => Err(PeerError::SessionEnded),
            },
            () = tokio::time::sleep(timeout) => Err(PeerError::Timeout { method, timeout }),
            () = self.cancelled() => Err(PeerError::Cancelled),
        }
    }
}

/// Whether `capability` (`name` or `name.sub`) is in the declared capabilities. Elicitation
/// declared as `{}` means form mode (2025-11-25 `client/elicitation.mdx`).
fn has_capability(declared: &Map<String, Value>, capability: &str) -> bool {
    match capability.split_once('.') {
        None => declared.contains_key(capability),
        Some(("elicitation", "form")) => declared.get("elicitation").is_some_and(|e| {
            e.get("form").is_some() || e.as_object().is_some_and(|o| !o.contains_key("url"))
        }),
        Some((name, sub)) => declared.get(name).and_then(|c| c.get(sub)).is_some(),
    }
}

/// A request id no other request of this session (from any replica) uses: 128 random bits.
fn fresh_id() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness, a counter-free fallback would collide; the time is unique enough
    // within the one session that waits for it.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("mcp-srv-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_read_as_the_spec_declares_them() {
        let caps = |v: Value| v.as_object().cloned().unwrap_or_default();
        let form_only = caps(json!({"elicitation": {}}));
        assert!(has_capability(&form_only, "elicitation.form"));
        assert!(!has_capability(&form_only, "elicitation.url"));
        let url_only = caps(json!({"elicitation": {"url": {}}}));
        assert!(!has_capability(&url_only, "elicitation.form"));
        assert!(has_capability(&url_only, "elicitation.url"));
        let sampling = caps(json!({"sampling": {}}));
        assert!(has_capability(&sampling, "sampling"));
        assert!(!has_capability(&sampling, "sampling.tools"));
        assert!(!has_capability(&sampling, "roots"));
    }

    #[test]
    fn request_ids_are_fresh() {
        assert_ne!(fresh_id(), fresh_id());
        assert!(fresh_id().starts_with("mcp-srv-"));
    }
}
