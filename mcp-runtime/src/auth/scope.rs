//! The 403 of a request whose token lacks a scope: the features refuse it (on the caller's
//! `Identity`, with the scopes it needs), and the HTTP `POST` handler renders the refusal
//! here as the `insufficient_scope` challenge.

use axum::response::Response;
use http::{Extensions, HeaderMap};

use super::layer::Checked;
use super::metadata::{Refusal as Challenge, refuse};
use crate::observe;
use crate::server::{Reason, Refusal};

/// The 403 `insufficient_scope` for a scope refusal, naming the scopes the request needs in
/// its challenge and answering the request with the refusal's JSON-RPC error; `None` for
/// any other refusal, or a request that did not pass the auth layer.
pub(crate) fn render(
    headers: &HeaderMap,
    extensions: &Extensions,
    refusal: &Refusal,
) -> Option<Response> {
    if refusal.reason != Reason::InsufficientScope {
        return None;
    }
    let Checked(shared) = extensions.get::<Checked>()?;
    observe::rejected(observe::Reason::Scope);
    let body = String::from_utf8_lossy(&refusal.message()).into_owned();
    Some(refuse(
        shared,
        headers,
        &Challenge::Scope(&refusal.required_scopes),
        Some(body),
    ))
}
