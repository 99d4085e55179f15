//! Running a user's function (a resource read, a prompt, a completion) for one request, in
//! a call context of its own, so its injected parameters (`State<T>`, `Context`) are found
//! and `log!` reaches the client, like in a tool.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde_json::json;

use super::tools::CacheHints;
use super::{EraFacts, Handled, Request};
use crate::context::{CallContext, CallOrigin, CallSetup, Outbox};
use crate::protocol::RpcError;
use crate::protocol::jsonrpc::{Complete, error_message, result_message};
use crate::request::RequestMeta;
use crate::server::call::CallStream;
use crate::server::peer::rounds::{self, until_input};
use crate::server::peer::{PeerLink, Rounds, rounds_of};

/// What a function that may ask the client (`ctx.elicit`, `ctx.sample`) is bound to: a
/// 2026-07-28 retry carries answers only for the same method, name and arguments.
pub(crate) struct Asking<'a> {
    pub(crate) method: &'static str,
    pub(crate) arguments: &'a serde_json::Map<String, serde_json::Value>,
}

/// Streams the reply of `run`, which resolves to the result or the error to answer with;
/// `name` names what runs (`CallContext::tool_name`); `hints` go on a 2026-07-28 result
/// that is cacheable (`resources/read`). With `asking`, the function may ask the client,
/// as a tool does: requests to the client in the handshake era, `InputRequiredResult`
/// rounds in 2026-07-28.
pub(crate) fn respond<T, F, Fut>(
    request: Request<'_>,
    name: String,
    hints: Option<CacheHints>,
    asking: Option<Asking<'_>>,
    run: F,
) -> Handled
where
    T: Serialize,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, RpcError>> + Send + 'static,
{
    let Request {
        engine,
        id,
        params,
        era,
        cancel,
        meta,
        ..
    } = request;
    let origin = match era {
        EraFacts::Handshake(session) => CallOrigin {
            log_level: session.as_ref().map(|s| s.log_level()),
            cancel: cancel.clone(),
            peer: match (&session, &asking) {
                (Some(_), Some(_)) => PeerLink::Session {
                    timeout: engine.config.peer.answer_timeout,
                },
                _ => PeerLink::None,
            },
            session: session.map(|s| s.for_call()),
            stateless: false,
            client_info: None,
        },
        EraFacts::Stateless { envelope, .. } => {
            let peer = match &asking {
                Some(asking) => {
                    let principal = meta.as_deref().and_then(RequestMeta::credential);
                    let binding =
                        || rounds::binding(asking.method, &name, Some(asking.arguments), principal);
                    match Rounds::read(
                        params,
                        envelope.client_capabilities,
                        binding,
                        &engine.config.peer.sealing,
                    ) {
                        Ok(rounds) => PeerLink::Rounds(Box::new(rounds)),
                        Err(e) => return Handled::error(e),
                    }
                }
                None => PeerLink::None,
            };
            CallOrigin {
                session: None,
                log_level: envelope.log_level,
                cancel: cancel.clone(),
                stateless: true,
                client_info: envelope.client_info,
                peer,
            }
        }
    };
    let stateless = origin.stateless;
    let setup = CallSetup {
        request_id: id.clone(),
        tool: name,
        progress_token: None,
        origin,
        states: engine.states().clone(),
        meta,
        server: engine.me(),
    };
    Handled::Stream(CallStream::from_fn(cancel, move |outbox| async move {
        let context = Arc::new(CallContext::new(setup, Outbox::Open(outbox)));
        let rounds = rounds_of(&context);
        let outcome = match context.clone().scope(until_input(rounds, run())).await {
            Ok(outcome) => outcome,
            // 2026-07-28: the function waits for answers only the client's retry brings.
            Err(input_required) => return result_message(&id, &input_required),
        };
        reply(&id, stateless.then_some(hints), outcome)
    }))
}

/// `stateless`: `Some(hints)` for a 2026-07-28 request.
fn reply<T: Serialize>(
    id: &crate::protocol::RequestId,
    stateless: Option<Option<CacheHints>>,
    outcome: Result<T, RpcError>,
) -> Bytes {
    #[derive(Serialize)]
    struct WithHints<'a, T> {
        #[serde(flatten)]
        result: &'a T,
        #[serde(flatten)]
        hints: CacheHints,
    }
    match (outcome, stateless) {
        (Ok(result), Some(Some(hints))) => {
            let result = WithHints {
                result: &result,
                hints,
            };
            result_message(id, &Complete::new(&result))
        }
        (Ok(result), Some(None)) => result_message(id, &Complete::new(&result)),
        (Ok(result), None) => result_message(id, &result),
        (Err(error), _) => error_message(Some(id), &error),
    }
}

/// -32602 for a URI no resource or template answers (SEP-2164: the URI in `data`).
pub(crate) fn resource_not_found(uri: &str) -> RpcError {
    RpcError::invalid_params(format!("resource not found: {uri}")).with_data(json!({"uri": uri}))
}

/// An internal error with `message` (the user's function failed).
pub(crate) fn internal(message: impl Into<String>) -> RpcError {
    RpcError::new(crate::protocol::ErrorCode::INTERNAL_ERROR, message)
}
