//! Who made a request: what a verified token says about its bearer. The core owns this type
//! (features check scopes on it, tools read it); `auth` makes it from tokens.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};

/// The verified bearer of a request's access token: its subject, its scopes and every claim.
///
/// The auth layer puts it in the request's extensions, so it reaches tools
/// ([`Context::identity`](crate::CallContext::identity)) and your own axum handlers (it is an
/// extractor). Cheap to clone.
///
/// ```
/// use mcp_runtime::auth::Identity;
///
/// let who = Identity::new("alice").with_scopes(["notes:read"]);
/// assert!(who.has_scope("notes:read"));
/// assert!(!who.has_scope("notes:write"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Identity(Arc<Inner>);

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    subject: String,
    scopes: Vec<String>,
    all_scopes: bool,
    claims: Map<String, Value>,
    expires_at: Option<SystemTime>,
}

impl Identity {
    /// An identity with this subject, no scopes and no claims.
    pub fn new(subject: impl Into<String>) -> Self {
        Self(Arc::new(Inner {
            subject: subject.into(),
            scopes: Vec::new(),
            all_scopes: false,
            claims: Map::new(),
            expires_at: None,
        }))
    }

    /// The scopes of `required` this identity lacks, in their order (empty: it has them all).
    pub(crate) fn missing_scopes(&self, required: &[String]) -> Vec<String> {
        required
            .iter()
            .filter(|s| !self.has_scope(s))
            .cloned()
            .collect()
    }

    /// The same identity with these scopes.
    pub fn with_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        Arc::make_mut(&mut self.0).scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The same identity holding every scope (static API keys are all or nothing).
    pub fn with_all_scopes(mut self) -> Self {
        Arc::make_mut(&mut self.0).all_scopes = true;
        self
    }

    /// The same identity with these claims (a JWT's payload, an introspection response).
    pub fn with_claims(mut self, claims: Map<String, Value>) -> Self {
        Arc::make_mut(&mut self.0).claims = claims;
        self
    }

    /// The same identity, valid until `at` (the token's `exp`): verified tokens are cached
    /// no longer than this.
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        Arc::make_mut(&mut self.0).expires_at = Some(at);
        self
    }

    /// The subject (`sub`): who the token was issued to.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The scopes the token grants.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.all_scopes || self.0.scopes.iter().any(|s| s == scope)
    }

    /// Every claim of the token (empty for static tokens).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.0.claims
    }

    /// When the token expires, if it says.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expires_at
    }
}
