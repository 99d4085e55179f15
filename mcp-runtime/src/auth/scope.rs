//! The scope check of a `tools/call`, `resources/read` or `prompts/get`: what is called's
//! `required_scopes` against the token's.
//!
//! The features call [`check`] where they start the request (they have the definition and
//! the request's extensions); the HTTP `POST` handler turns the refusal into the 403 with
//! its `insufficient_scope` challenge ([`render`]).

use axum::response::Response;
use http::{Extensions, HeaderMap};
use serde_json::json;

use super::Identity;
use super::layer::Checked;
use super::metadata::{Refusal as Challenge, refuse};
use crate::observe;
use crate::protocol::RpcError;
use crate::server::{Reason, Refusal};
use crate::tool::ToolDef;

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

/// The refusal of a call to `tool` whose token lacks one of its scopes, if it does.
pub(crate) fn check(extensions: Option<&Extensions>, tool: &ToolDef) -> Option<Box<Refusal>> {
    check_named(
        extensions,
        &format_args!("tool `{}`", tool.name),
        &tool.required_scopes,
    )
}

/// The refusal of a request for `what` (a resource, a prompt) whose token lacks one of
/// `required`, if it does.
pub(crate) fn check_named(
    extensions: Option<&Extensions>,
    what: &dyn std::fmt::Display,
    required: &[String],
) -> Option<Box<Refusal>> {
    let missing = missing(extensions?, required)?;
    let error = RpcError::invalid_request(format!(
        "{what} needs the scope(s) {}, which this token does not grant",
        missing.join(" ")
    ))
    .with_data(json!({"requiredScopes": required}));
    Some(Refusal::new(Reason::InsufficientScope, error))
}

/// The 403 `insufficient_scope` for a refusal of [`check`], naming the tool's scopes in
/// its challenge and answering the request with the refusal's JSON-RPC error.
pub(crate) fn render(
    headers: &HeaderMap,
    extensions: &Extensions,
    refusal: &Refusal,
) -> Option<Response> {
    if refusal.reason != Reason::InsufficientScope {
        return None;
    }
    let Checked(shared) = extensions.get::<Checked>()?;
    let required: Vec<String> = refusal
        .error
        .data
        .as_ref()
        .and_then(|d| d.get("requiredScopes"))
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default();
    observe::rejected(observe::Reason::Scope);
    let body = String::from_utf8_lossy(&refusal.message()).into_owned();
    Some(refuse(
        shared,
        headers,
        &Challenge::Scope(&required),
        Some(body),
    ))
}
