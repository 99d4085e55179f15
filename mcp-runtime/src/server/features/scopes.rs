//! The scope check of a `tools/call`, `resources/read` or `prompts/get`: what is called's
//! required scopes against the caller's [`Identity`]. A refusal names the scopes it needs
//! as data, so a transport renders its own challenge (HTTP: 403 `insufficient_scope`)
//! without reading the JSON-RPC error back.

use std::fmt::Display;

use serde_json::json;

use crate::identity::Identity;
use crate::protocol::RpcError;
use crate::server::{Reason, Refusal};

/// The refusal of a request for `what` (a tool, a resource, a prompt) whose caller lacks
/// one of `required`; `None` when it has them all, or when nobody was verified (no auth,
/// stdio: there is no token to hold scopes).
pub(super) fn check(
    identity: Option<&Identity>,
    what: &dyn Display,
    required: &[String],
) -> Option<Box<Refusal>> {
    if required.is_empty() {
        return None;
    }
    let missing = identity?.missing_scopes(required);
    if missing.is_empty() {
        return None;
    }
    let error = RpcError::invalid_request(format!(
        "{what} needs the scope(s) {}, which this token does not grant",
        missing.join(" ")
    ))
    .with_data(json!({"requiredScopes": required}));
    let mut refusal = Refusal::new(Reason::InsufficientScope, error);
    refusal.required_scopes = required.to_vec();
    Some(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_without_a_scope_is_refused_with_the_scopes_as_data() {
        let who = Identity::new("alice").with_scopes(["notes:read"]);
        let required = vec!["notes:read".to_owned(), "notes:write".to_owned()];
        let refusal = check(Some(&who), &"tool `save`", &required).expect("refused");
        assert_eq!(refusal.reason, Reason::InsufficientScope);
        assert_eq!(refusal.required_scopes, required);
        assert!(
            refusal.error.message.contains("notes:write"),
            "{:?}",
            refusal.error
        );
        assert!(check(Some(&who), &"tool `read`", &required[..1]).is_none());
        assert!(check(None, &"tool `save`", &required).is_none());
    }
}
