//! An OAuth 2.1 resource server's token check: JWT access tokens (RFC 9068) signed by the
//! issuer, whose keys come from its JWKS, found through its metadata (RFC 8414 or OpenID
//! Connect discovery).
//!
//! Keys are cached; a token signed with a key id we do not know triggers one refetch (at
//! most one per [`JwtConfig::refresh_interval`], so junk tokens cannot make us hammer the
//! issuer), and keys older than [`KEYS_MAX_AGE`] are refetched on next use.

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::{Arc, RwLock};
#[cfg(test)]
use std::time::SystemTime;
use std::time::{Duration, Instant, UNIX_EPOCH};

use futures_util::future::BoxFuture;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{AuthError, Identity, TokenVerifier};

/// How long fetched keys are used before they are fetched again.
pub(crate) const KEYS_MAX_AGE: Duration = Duration::from_secs(15 * 60);

/// Asymmetric algorithms only: an HMAC "key" in a public JWKS would let anyone sign.
const ALLOWED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// What [`Auth::jwt`](super::Auth::jwt) is configured with.
#[derive(Debug, Clone)]
pub(crate) struct JwtConfig {
    pub(crate) issuer: String,
    pub(crate) jwks_uri: Option<String>,
    pub(crate) leeway: Duration,
    pub(crate) refresh_interval: Duration,
}

impl JwtConfig {
    pub(crate) fn new(issuer: String) -> Self {
        Self {
            issuer,
            jwks_uri: None,
            leeway: Duration::from_secs(30),
            refresh_interval: Duration::from_secs(30),
        }
    }
}

/// Verifies JWT access tokens of one issuer for one audience.
pub(crate) struct JwtVerifier {
    config: JwtConfig,
    audience: String,
    http: reqwest::Client,
    keys: RwLock<Arc<Keys>>,
    /// Serializes refetches; holds when the last one was tried.
    refresh: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Default)]
struct Keys {
    by_id: HashMap<String, (DecodingKey, Option<Algorithm>)>,
    without_id: Vec<(DecodingKey, Option<Algorithm>)>,
    fetched: Option<Instant>,
}

impl JwtVerifier {
    pub(crate) fn new(config: JwtConfig, audience: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            config,
            audience,
            http,
            keys: RwLock::new(Arc::default()),
            refresh: tokio::sync::Mutex::new(None),
        }
    }

    fn current(&self) -> Arc<Keys> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The key for `kid` (or, for a token without one, every key without an id).
    async fn keys_for(
        &self,
        kid: Option<&str>,
    ) -> Result<Vec<(DecodingKey, Option<Algorithm>)>, AuthError> {
        let find = |keys: &Keys| -> Vec<(DecodingKey, Option<Algorithm>)> {
            match kid {
                Some(kid) => keys.by_id.get(kid).cloned().into_iter().collect(),
                None => keys
                    .without_id
                    .iter()
                    .chain(keys.by_id.values())
                    .cloned()
                    .collect(),
            }
        };
        let keys = self.current();
        let stale = keys.fetched.is_none_or(|at| at.elapsed() > KEYS_MAX_AGE);
        let found = find(&keys);
        if !found.is_empty() && !stale {
            return Ok(found);
        }
        match self.refetch(keys.fetched).await {
            Ok(()) => {}
            // Stale keys still verify while the issuer is unreachable.
            Err(e) if found.is_empty() => return Err(e),
            Err(e) => {
                tracing::warn!("could not refresh the JWKS of {}: {e}", self.config.issuer);
                return Ok(found);
            }
        }
        let found = find(&self.current());
        if found.is_empty() {
            return Err(AuthError::InvalidToken(match kid {
                Some(kid) => format!(
                    "the token is signed with key {kid:?}, which the issuer {} does not publish",
                    self.config.issuer
                ),
                None => {
                    "the token names no key (`kid`) and the issuer publishes none without an id"
                        .to_owned()
                }
            }));
        }
        Ok(found)
    }

    /// Fetches the JWKS again unless another task did since `seen`, or the last try was
    /// less than `refresh_interval` ago.
    async fn refetch(&self, seen: Option<Instant>) -> Result<(), AuthError> {
        let mut last_try = self.refresh.lock().await;
        if self.current().fetched != seen {
            return Ok(());
        }
        if let (Some(at), Some(_)) = (*last_try, seen) {
            if at.elapsed() < self.config.refresh_interval {
                return Ok(());
            }
        }
        *last_try = Some(Instant::now());
        let jwks_uri = match &self.config.jwks_uri {
            Some(uri) => uri.clone(),
            None => self.discover_jwks_uri().await?,
        };
        let set: JwkSet = self.get_json(&jwks_uri).await?;
        let mut keys = Keys {
            fetched: Some(Instant::now()),
            ..Keys::default()
        };
        for jwk in &set.keys {
            let Ok(key) = DecodingKey::from_jwk(jwk) else {
                continue;
            };
            let alg = jwk
                .common
                .key_algorithm
                .and_then(|a| Algorithm::from_str(&format!("{a:?}")).ok());
            match &jwk.common.key_id {
                Some(kid) => {
                    keys.by_id.insert(kid.clone(), (key, alg));
                }
                None => keys.without_id.push((key, alg)),
            }
        }
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
        Ok(())
    }

    /// The issuer's `jwks_uri`, from the first of its metadata documents that answers.
    async fn discover_jwks_uri(&self) -> Result<String, AuthError> {
        #[derive(Deserialize)]
        struct Metadata {
            issuer: String,
            jwks_uri: Option<String>,
        }
        let mut tried = Vec::new();
        for url in discovery_urls(&self.config.issuer)? {
            match self.get_json::<Metadata>(&url).await {
                Ok(meta) if meta.issuer != self.config.issuer => {
                    return Err(AuthError::Unavailable(format!(
                        "the metadata at {url} names issuer {:?}, not {:?}",
                        meta.issuer, self.config.issuer
                    )));
                }
                Ok(Metadata {
                    jwks_uri: Some(uri),
                    ..
                }) => return Ok(uri),
                Ok(_) => tried.push(format!("{url}: no jwks_uri")),
                Err(e) => tried.push(e.to_string()),
            }
        }
        Err(AuthError::Unavailable(format!(
            "cannot find the signing keys of {}: {}",
            self.config.issuer,
            tried.join("; ")
        )))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, AuthError> {
        let unavailable = |e: reqwest::Error| AuthError::Unavailable(format!("GET {url}: {e}"));
        self.http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)
    }

    async fn check(&self, token: &str) -> Result<Identity, AuthError> {
        let invalid = |why: String| AuthError::InvalidToken(why);
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| invalid(format!("not a JWT: {e}")))?;
        if !ALLOWED.contains(&header.alg) {
            return Err(invalid(format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway.as_secs();
        let mut last = None;
        for (key, alg) in self.keys_for(header.kid.as_deref()).await? {
            if alg.is_some_and(|alg| alg != header.alg) {
                continue;
            }
            match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
                Ok(data) => return Ok(identity(data.claims)),
                Err(e) => last = Some(e),
            }
        }
        Err(invalid(match last.as_ref().map(|e| e.kind()) {
            Some(jsonwebtoken::errors::ErrorKind::InvalidAudience) => format!(
                "the token is not meant for this server: its audience must be {:?}",
                self.audience
            ),
            Some(jsonwebtoken::errors::ErrorKind::InvalidIssuer) => {
                format!("the token was not issued by {:?}", self.config.issuer)
            }
            Some(jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                "the token has expired".to_owned()
            }
            Some(jsonwebtoken::errors::ErrorKind::ImmatureSignature) => {
                "the token is not valid yet (nbf)".to_owned()
            }
            Some(_) => format!(
                "invalid token: {}",
                last.map(|e| e.to_string()).unwrap_or_default()
            ),
            None => format!("no key of the issuer fits a {:?} signature", header.alg),
        }))
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Identity, AuthError>> {
        Box::pin(self.check(token))
    }
}

/// The identity a verified token's claims describe: `sub`, scopes from `scope` (RFC 9068:
/// space-separated) or `scp` (a list, as some issuers send), expiry from `exp`.
fn identity(claims: Map<String, Value>) -> Identity {
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scopes: Vec<String> = match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let mut identity = Identity::new(subject).with_scopes(scopes);
    if let Some(exp) = claims.get("exp").and_then(Value::as_u64) {
        identity = identity.expires_at(UNIX_EPOCH + Duration::from_secs(exp));
    }
    identity.with_claims(claims)
}

/// Where the issuer's metadata may be, in the order the MCP authorization spec gives: RFC
/// 8414 (path inserted after `/.well-known/…`), then OpenID Connect discovery (inserted,
/// then appended).
fn discovery_urls(issuer: &str) -> Result<Vec<String>, AuthError> {
    let url = reqwest::Url::parse(issuer)
        .map_err(|e| AuthError::Unavailable(format!("issuer {issuer:?} is not a URL: {e}")))?;
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    Ok(if path.is_empty() {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server"),
            format!("{origin}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}/.well-known/openid-configuration{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    #[test]
    fn discovery_order() {
        assert_eq!(
            discovery_urls("https://auth.example.com").expect("url"),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server",
                "https://auth.example.com/.well-known/openid-configuration"
            ]
        );
        assert_eq!(
            discovery_urls("https://auth.example.com/tenant1/").expect("url"),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration"
            ]
        );
    }

    #[test]
    fn scopes_from_either_claim() {
        let claims = |v: Value| v.as_object().cloned().expect("object");
        let a = identity(claims(
            serde_json::json!({"sub": "a", "scope": "x y", "exp": now() + 60}),
        ));
        assert_eq!(a.scopes(), ["x", "y"]);
        assert!(a.expiry().is_some());
        let b = identity(claims(serde_json::json!({"sub": "b", "scp": ["z"]})));
        assert!(b.has_scope("z") && !b.has_scope("x"));
    }
}
