//! 2026-07-28 multi-round-trip requests (`basic/patterns/mrtr.mdx`): a tool that asks the
//! client is answered with an `InputRequiredResult` (its questions in `inputRequests`, the
//! answers so far sealed in `requestState`); the client's retry carries `inputResponses`
//! and the echoed state, and the tool runs again with every answer at hand.

use std::any::Any;
use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use futures_util::future::BoxFuture;

use super::seal::KeyRing;
use crate::context::CallRounds;
use crate::context::peer_error::PeerError;
use crate::protocol::RpcError;

/// What seals request states, and how long they are good for.
#[derive(Debug, Clone)]
pub(crate) struct StateSealing {
    pub(crate) keys: KeyRing,
    pub(crate) ttl: Duration,
}

impl Default for StateSealing {
    fn default() -> Self {
        Self {
            keys: KeyRing::random(),
            ttl: Duration::from_secs(10 * 60),
        }
    }
}

/// The sealed content of a `requestState`.
#[derive(Serialize, Deserialize)]
struct SealedState {
    /// Which request (method, name, arguments, principal) it belongs to.
    #[serde(rename = "b")]
    binding: String,
    /// Expiry, in milliseconds since the Unix epoch.
    #[serde(rename = "x")]
    expires: u64,
    /// The answers the tool used so far, by key.
    #[serde(rename = "a")]
    answers: Map<String, Value>,
}

/// The retry fields of a request's `params`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetryFields<'a> {
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::protocol::jsonrpc::present"
    )]
    input_responses: Option<&'a RawValue>,
    #[serde(
        default,
        borrow,
        deserialize_with = "crate::protocol::jsonrpc::present"
    )]
    request_state: Option<&'a RawValue>,
}

/// What identifies a request across its rounds: a digest of its method, its target, its
/// arguments (key order aside) and who sent it (the `Authorization` header, when any).
pub(crate) fn binding(
    method: &str,
    name: &str,
    arguments: Option<&Map<String, Value>>,
    principal: Option<&[u8]>,
) -> String {
    let mut hash = Sha256::new();
    for part in [method.as_bytes(), name.as_bytes()] {
        hash.update(part);
        hash.update([0]);
    }
    if let Some(arguments) = arguments {
        hash_object(&mut hash, arguments);
    }
    hash.update([0]);
    hash.update(principal.unwrap_or_default());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(64);
    for byte in hash.finalize() {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    text
}

/// Whether a client that declared `capabilities` can be asked at all: one that declared
/// none of elicitation, sampling and roots never is.
fn can_be_asked(capabilities: &RawValue) -> bool {
    let declared = capabilities.get();
    ["\"elicitation\"", "\"sampling\"", "\"roots\""]
        .iter()
        .any(|name| declared.contains(name))
}

/// Whether a request's params answer an earlier round (`requestState` or
/// `inputResponses`): one vectorized scan per field name, searchers built once.
fn is_retry(params: &str) -> bool {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    static STATE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\"requestState\""));
    static RESPONSES: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new("\"inputResponses\""));
    let bytes = params.as_bytes();
    STATE.find(bytes).is_some() || RESPONSES.find(bytes).is_some()
}

/// Feeds a JSON value to the hash with object keys sorted, copying nothing: the same
/// arguments in another key order give the same digest.
fn hash_value(hash: &mut Sha256, value: &Value) {
    match value {
        Value::Object(map) => hash_object(hash, map),
        Value::Array(items) => {
            hash.update(b"[");
            for item in items {
                hash_value(hash, item);
                hash.update(b",");
            }
            hash.update(b"]");
        }
        // Scalars: their JSON text is unambiguous (written straight into the hash).
        scalar => {
            let _ = serde_json::to_writer(HashWriter(hash), scalar);
        }
    }
}

/// Lets serde_json write into the hash without a buffer.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hash_object(hash: &mut Sha256, map: &Map<String, Value>) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    hash.update(b"{");
    for (key, value) in entries {
        hash.update(Value::String(key.clone()).to_string().as_bytes());
        hash.update(b":");
        hash_value(hash, value);
        hash.update(b",");
    }
    hash.update(b"}");
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One round of a request that may ask the client: the answers it has, the questions it
/// asked that have none.
#[derive(Debug)]
pub(crate) struct Rounds {
    /// The client's capabilities, raw (read when the tool first asks).
    capabilities: Box<RawValue>,
    answers: Map<String, Value>,
    binding: String,
    sealing: StateSealing,
    round: Mutex<Round>,
    /// Set once a task call became a task: questions still unanswered park the task.
    task: std::sync::OnceLock<std::sync::Arc<crate::server::features::tasks::TaskHandle>>,
    /// The call runs in task mode (it becomes a task at its first wait).
    task_mode: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Default)]
struct Round {
    used: Map<String, Value>,
    pending: Map<String, Value>,
}

/// The request needs the client's input before it can finish.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InputRequired {
    result_type: &'static str,
    input_requests: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_state: Option<String>,
}

impl Rounds {
    /// The round a request's `params` describe: `inputResponses` and a `requestState` this
    /// server sealed for this same request, still valid. A state that fails any check is
    /// refused (-32602), as the spec requires of attacker-controlled input.
    ///
    /// `binding` makes the digest that ties request states to this request; it is called
    /// only when one is needed: the request retries a round (its state is checked against
    /// it), or its client can be asked at all (a new round seals it). Most calls need
    /// neither and skip the digest.
    pub(crate) fn read(
        params: Option<&RawValue>,
        capabilities: Box<RawValue>,
        binding: impl FnOnce() -> String,
        sealing: &StateSealing,
    ) -> Result<Self, RpcError> {
        let raw = params.map_or("{}", RawValue::get);
        let retrying = is_retry(raw);
        let binding = if retrying || can_be_asked(&capabilities) {
            binding()
        } else {
            String::new()
        };
        let mut answers = Map::new();
        // Most requests are first rounds: skip the second parse when no retry field is there.
        if retrying {
            let retry: RetryFields<'_> =
                serde_json::from_str(raw).map_err(RpcError::invalid_params)?;
            if let Some(state) = retry.request_state {
                let state: String = serde_json::from_str(state.get()).map_err(|_| {
                    RpcError::invalid_params("`requestState` must be the string the server sent")
                })?;
                answers = open(&state, &binding, sealing)?;
            }
            if let Some(responses) = retry.input_responses {
                let responses: Map<String, Value> = serde_json::from_str(responses.get())
                    .map_err(|_| {
                        RpcError::invalid_params(
                            "`inputResponses` must be an object mapping each key of `inputRequests` to the client's result",
                        )
                    })?;
                answers.extend(responses);
            }
        }
        Ok(Self {
            capabilities,
            answers,
            binding,
            sealing: sealing.clone(),
            round: Mutex::default(),
            task: std::sync::OnceLock::new(),
            task_mode: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Marks the call as running in task mode.
    pub(crate) fn set_task_mode(&self) {
        self.task_mode
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The call became a task: from now on its questions park the task.
    pub(crate) fn escalate(
        &self,
        task: std::sync::Arc<crate::server::features::tasks::TaskHandle>,
    ) {
        let _ = self.task.set(task);
    }

    /// The answer for `key` from the rounds so far, if `accept` takes it.
    pub(crate) fn answered(&self, key: &str, accept: impl FnOnce(&Value) -> bool) -> Option<Value> {
        let answer = self.answers.get(key).filter(|a| accept(a))?;
        let mut round = self.round.lock().unwrap_or_else(|e| e.into_inner());
        round.used.insert(key.to_owned(), answer.clone());
        Some(answer.clone())
    }

    /// The answer for `key`, if the client gave one that `accept` takes; else the question
    /// is queued for the `InputRequiredResult`.
    pub(crate) fn answer_or_ask(
        &self,
        key: &str,
        request: Value,
        accept: impl FnOnce(&Value) -> bool,
    ) -> Option<Value> {
        let mut round = self.round.lock().unwrap_or_else(|e| e.into_inner());
        match self.answers.get(key) {
            Some(answer) if accept(answer) => {
                round.used.insert(key.to_owned(), answer.clone());
                Some(answer.clone())
            }
            // Missing, or not a valid answer: ask again (the spec's advice for both).
            _ => {
                round.pending.insert(key.to_owned(), request);
                None
            }
        }
    }

    /// The questions of this round, with the answers used so far sealed; `None` when the
    /// tool asked nothing new.
    pub(crate) fn input_required(&self) -> Option<InputRequired> {
        let mut round = self.round.lock().unwrap_or_else(|e| e.into_inner());
        if round.pending.is_empty() {
            return None;
        }
        let expires = now_ms()
            .saturating_add(u64::try_from(self.sealing.ttl.as_millis()).unwrap_or(u64::MAX));
        let state = SealedState {
            binding: self.binding.clone(),
            expires,
            answers: std::mem::take(&mut round.used),
        };
        let request_state = serde_json::to_vec(&state)
            .ok()
            .and_then(|payload| self.sealing.keys.seal(&payload));
        Some(InputRequired {
            result_type: "input_required",
            input_requests: std::mem::take(&mut round.pending),
            request_state,
        })
    }
}

fn open(
    state: &str,
    binding: &str,
    sealing: &StateSealing,
) -> Result<Map<String, Value>, RpcError> {
    let refuse = |why: &str| {
        Err(RpcError::invalid_params(format!(
            "invalid requestState: {why}; send the request again without `requestState` and `inputResponses` to start over"
        )))
    };
    let Some(payload) = sealing.keys.open(state) else {
        return refuse("it was not issued by this server or it was modified");
    };
    let Ok(state) = serde_json::from_slice::<SealedState>(&payload) else {
        return refuse("its content is unreadable");
    };
    if state.binding != binding {
        return refuse("it was issued for a different request (method, name, arguments or caller)");
    }
    if state.expires < now_ms() {
        return refuse("it has expired");
    }
    Ok(state.answers)
}

impl CallRounds for Rounds {
    fn capabilities(&self) -> Map<String, Value> {
        serde_json::from_str(self.capabilities.get()).unwrap_or_default()
    }

    fn before_task(&self) -> bool {
        self.task_mode.load(std::sync::atomic::Ordering::Relaxed) && self.task.get().is_none()
    }

    fn ask<'a>(
        &'a self,
        key: String,
        request: Value,
        valid: &'a (dyn Fn(&Value) -> bool + Send + Sync),
    ) -> BoxFuture<'a, Result<Value, PeerError>> {
        Box::pin(async move {
            // A task parks until `tasks/update` brings the answer.
            if let Some(task) = self.task.get() {
                if let Some(answer) = self.answered(&key, valid) {
                    return Ok(answer);
                }
                return task.ask(key, request).await;
            }
            match self.answer_or_ask(&key, request, valid) {
                Some(answer) => Ok(answer),
                // The round ends here: `until_input` sees the question and answers the
                // call with it; this future is dropped with the tool's.
                None => std::future::pending().await,
            }
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Runs `future` until it finishes, or until it waits with questions pending in `rounds`:
/// then the round ends with them.
pub(crate) async fn until_input<F: Future>(
    rounds: Option<&Rounds>,
    future: F,
) -> Result<F::Output, InputRequired> {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Ok(output)),
        Poll::Pending => match rounds.and_then(Rounds::input_required) {
            Some(required) => Poll::Ready(Err(required)),
            None => Poll::Pending,
        },
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(value: Value) -> Box<RawValue> {
        RawValue::from_string(value.to_string()).expect("json")
    }

    fn sealing(secret: &str, ttl: Duration) -> StateSealing {
        StateSealing {
            keys: KeyRing::from_secrets([secret]),
            ttl,
        }
    }

    /// A first round that asks `key`, and the state it issues.
    fn first_round(binding: &str, sealing: &StateSealing) -> String {
        let asks = raw(json!({"roots": {}}));
        let rounds = Rounds::read(None, asks, || binding.into(), sealing).expect("read");
        assert!(
            rounds
                .answer_or_ask("k", json!({"method": "roots/list"}), |_| true)
                .is_none()
        );
        let required = rounds.input_required().expect("asked");
        required.request_state.expect("sealed")
    }

    fn retry(state: &str, binding: &str, sealing: &StateSealing) -> Result<Rounds, RpcError> {
        let params = raw(json!({"requestState": state, "inputResponses": {"k2": 1}}));
        Rounds::read(Some(&params), raw(json!({})), || binding.into(), sealing)
    }

    #[test]
    fn answers_travel_in_the_state_between_rounds() {
        let s = sealing("key", Duration::from_secs(60));
        let params = raw(json!({"inputResponses": {"k": {"roots": []}, "extra": 1}}));
        let rounds = Rounds::read(Some(&params), raw(json!({})), || "b".into(), &s).expect("read");
        assert_eq!(
            rounds.answer_or_ask("k", Value::Null, |_| true),
            Some(json!({"roots": []}))
        );
        assert!(
            rounds
                .answer_or_ask("k2", json!({"method": "roots/list"}), |_| true)
                .is_none()
        );
        let required = rounds.input_required().expect("k2 pending");
        assert_eq!(required.input_requests.keys().collect::<Vec<_>>(), ["k2"]);
        let state = required.request_state.expect("sealed");
        let next = retry(&state, "b", &s).expect("valid state");
        assert_eq!(
            next.answers.get("k"),
            Some(&json!({"roots": []})),
            "from the state"
        );
        assert_eq!(
            next.answers.get("k2"),
            Some(&json!(1)),
            "from inputResponses"
        );
        assert!(
            next.answers.get("extra").is_none(),
            "unused answers are not kept"
        );
    }

    #[test]
    fn an_invalid_answer_is_asked_again() {
        let s = sealing("key", Duration::from_secs(60));
        let params = raw(json!({"inputResponses": {"k": 12345}}));
        let rounds = Rounds::read(Some(&params), raw(json!({})), || "b".into(), &s).expect("read");
        assert!(
            rounds
                .answer_or_ask("k", json!({}), Value::is_object)
                .is_none()
        );
        assert!(rounds.input_required().is_some());
    }

    #[test]
    fn tampered_foreign_expired_and_misbound_states_are_refused() {
        let s = sealing("key", Duration::from_secs(60));
        let state = first_round("b", &s);
        assert!(retry(&state, "b", &s).is_ok());
        let tampered = retry(&format!("{state}-TAMPERED"), "b", &s).expect_err("refused");
        assert_eq!(tampered.code, crate::protocol::ErrorCode::INVALID_PARAMS);
        assert!(
            tampered.message.contains("modified"),
            "{}",
            tampered.message
        );
        let foreign = retry(&state, "b", &sealing("other", Duration::from_secs(60)));
        assert!(foreign.expect_err("refused").message.contains("not issued"));
        let other_request = retry(&state, "c", &s).expect_err("refused");
        assert!(other_request.message.contains("different request"));
        let expired = sealing("key", Duration::ZERO);
        let old = first_round("b", &expired);
        std::thread::sleep(Duration::from_millis(5));
        assert!(
            retry(&old, "b", &expired)
                .expect_err("refused")
                .message
                .contains("expired")
        );
    }

    #[test]
    fn malformed_retry_fields_are_protocol_errors() {
        let s = StateSealing::default();
        for params in [
            json!({"inputResponses": null}),
            json!({"inputResponses": [1]}),
            json!({"requestState": 5}),
        ] {
            let params = raw(params);
            let error = Rounds::read(Some(&params), raw(json!({})), || "b".into(), &s)
                .expect_err("refused");
            assert_eq!(error.code, crate::protocol::ErrorCode::INVALID_PARAMS);
        }
    }

    #[test]
    fn the_binding_ignores_key_order_and_names_the_caller() {
        let a = json!({"x": 1, "y": {"b": 2, "a": 1}});
        let b = json!({"y": {"a": 1, "b": 2}, "x": 1});
        let (a, b) = (a.as_object().cloned(), b.as_object().cloned());
        assert_eq!(
            binding("tools/call", "t", a.as_ref(), None),
            binding("tools/call", "t", b.as_ref(), None)
        );
        assert_ne!(
            binding("tools/call", "t", a.as_ref(), None),
            binding("tools/call", "u", a.as_ref(), None)
        );
        assert_ne!(
            binding("tools/call", "t", a.as_ref(), None),
            binding("tools/call", "t", a.as_ref(), Some(b"Bearer x"))
        );
    }
}
