//! The scope check of a `tools/call`: the tool's `required_scopes` against the token's.
//!
//! In two engine-agnostic pieces, [`missing`] (does the caller lack a scope?) and
//! [`forbidden`] (the 403 saying so), and [`refusal`], which the HTTP `POST` handler calls
//! with the parsed request.

use axum::response::Response;
use http::{Extensions, HeaderMap};
use serde::Deserialize;

use super::Identity;
use super::layer::Checked;
use super::metadata::{Refusal, refuse};
use crate::observe;
use crate::protocol::RpcError;
use crate::protocol::jsonrpc::{IncomingRequest, error_message};
use crate::server::Dispatcher;

/// The scopes of `required` the request's identity lacks; `None` when it has them all, or
/// when the request did not come through the auth layer (no auth, stdio).
pub(crate) fn missing(extensions: &Extensions, required: &[String]) -> Option<Vec<String>> {
    if required.is_empty() {
        return None;
    }
    let identity = extensions.get::<Identity>()?;
    let missing: Vec<String> = required
        .iter()
        .filter(|s| !identity.has_scope(s))
        .cloned()
        .collect();
    (!missing.is_empty()).then_some(missing)
}

/// The 403 `insufficient_scope` for a request through the auth layer, naming `required`
/// in its challenge; `body` is the JSON-RPC error that answers the request.
pub(crate) fn forbidden(
    headers: &HeaderMap,
    extensions: &Extensions,
    required: &[String],
    body: String,
) -> Option<Response> {
    let Checked(shared) = extensions.get::<Checked>()?;
    observe::rejected(observe::Reason::Scope);
    Some(refuse(
        shared,
        headers,
        &Refusal::Scope(required),
        Some(body),
    ))
}

/// The JSON-RPC error of a call refused for lacking `missing` scopes.
pub(crate) fn error(tool: &str, missing: &[String]) -> RpcError {
    RpcError::invalid_request(format!(
        "tool `{tool}` needs the scope(s) {}, which this token does not grant",
        missing.join(" ")
    ))
}

/// The 403 for a `tools/call` whose token lacks one of the tool's scopes; `None` lets the
/// request through (as it does every request on a server without auth, and every method
/// but `tools/call`, whose unknown tools and bad params the core answers).
pub(crate) fn refusal(
    dispatcher: &Dispatcher,
    headers: &HeaderMap,
    extensions: &Extensions,
    request: &IncomingRequest<'_>,
) -> Option<Response> {
    if request.method != "tools/call" || extensions.get::<Checked>().is_none() {
        return None;
    }
    #[derive(Deserialize)]
    struct Name<'a> {
        #[serde(borrow)]
        name: std::borrow::Cow<'a, str>,
    }
    let name: Name<'_> = serde_json::from_str(request.params?.get()).ok()?;
    let (required, missing) = dispatcher.with_tool(&name.name, |tool| {
        let missing = missing(extensions, &tool.required_scopes)?;
        Some((tool.required_scopes.clone(), missing))
    })??;
    let body = error_message(Some(&request.id), &error(&name.name, &missing));
    forbidden(
        headers,
        extensions,
        &required,
        String::from_utf8_lossy(&body).into_owned(),
    )
}
