//! The scope check of a `tools/call`: the tool's `required_scopes` against the token's.

use http::{Extensions, HeaderMap};
use serde::Deserialize;

use super::Identity;
use super::layer::Checked;
use super::metadata::{Refusal, refuse};
use crate::observe;
use crate::protocol::RpcError;
use crate::protocol::jsonrpc::{IncomingRequest, error_message};
use crate::server::Dispatcher;

/// The 403 for a `tools/call` whose token lacks one of the tool's scopes; `None` lets the
/// request through (as it does every request on a server without auth, and every method
/// but `tools/call`, whose unknown tools and bad params the core answers).
pub(crate) fn refusal(
    dispatcher: &Dispatcher,
    headers: &HeaderMap,
    extensions: &Extensions,
    request: &IncomingRequest<'_>,
) -> Option<axum::response::Response> {
    if request.method != "tools/call" {
        return None;
    }
    let (Some(identity), Some(Checked(shared))) =
        (extensions.get::<Identity>(), extensions.get::<Checked>())
    else {
        return None;
    };
    #[derive(Deserialize)]
    struct Name<'a> {
        #[serde(borrow)]
        name: std::borrow::Cow<'a, str>,
    }
    let name: Name<'_> = serde_json::from_str(request.params?.get()).ok()?;
    let (required, missing) = dispatcher.with_tool(&name.name, |tool| {
        let missing: Vec<String> = tool
            .required_scopes
            .iter()
            .filter(|s| !identity.has_scope(s))
            .cloned()
            .collect();
        (tool.required_scopes.clone(), missing)
    })?;
    if missing.is_empty() {
        return None;
    }
    observe::rejected(observe::Reason::Scope);
    let error = RpcError::invalid_request(format!(
        "tool `{}` needs the scope(s) {}, which this token does not grant",
        name.name,
        missing.join(" ")
    ));
    let body = error_message(Some(&request.id), &error);
    Some(refuse(
        shared,
        headers,
        &Refusal::Scope(&required),
        Some(String::from_utf8_lossy(&body).into_owned()),
    ))
}
