//! Who may call: the server as an OAuth 2.1 resource server (MCP's authorization spec).
//!
//! ```no_run
//! use mcp_runtime::{Server, auth::Auth};
//!
//! # async fn run() -> std::io::Result<()> {
//! // API keys...
//! Server::new("notes").auth(Auth::bearer_tokens(["s3cret"])).serve().await?;
//! // ...or JWT access tokens of an OAuth issuer (feature `jwt`), meant for this server.
//! # #[cfg(feature = "jwt")]
//! Server::new("notes")
//!     .auth(Auth::jwt("https://auth.example.com").audience("https://notes.example.com/mcp"))
//!     .serve()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! - Every request to the MCP endpoint (`POST`, `GET`, `DELETE`, both eras) needs
//!   `Authorization: Bearer <token>`; stdio needs none. Without one, or with a bad one, the
//!   answer is 401 with `WWW-Authenticate: Bearer resource_metadata="…"` (and
//!   `error="invalid_token"` for a bad token), pointing at the RFC 9728 metadata the
//!   server publishes at `/.well-known/oauth-protected-resource` (and its path-suffixed
//!   form), which names the issuer clients get tokens from.
//! - `#[tool(scopes = ["notes:write"])]` ([`ToolDef::scopes`](crate::ToolDef::scopes)): a
//!   call whose token lacks one of them gets 403 with `error="insufficient_scope"` and
//!   the scopes needed.
//! - The verified [`Identity`] reaches tools as [`Context::identity`](crate::CallContext::identity)
//!   and your own axum handlers as an extractor; [`Auth::require`] protects your own routes
//!   with the same check.

mod builder;
mod cache;
#[cfg(feature = "jwt")]
mod jwt;
mod layer;
mod metadata;
pub(crate) mod scope;
mod verifier;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use crate::identity::Identity;
pub use layer::{AuthLayer, RequireAuth};
pub use verifier::{AuthError, TokenVerifier};

pub(crate) use metadata::routes as metadata_routes;

use cache::VerifiedCache;
use verifier::StaticTokens;

/// How verified tokens are cached unless [`Auth::cache`] says otherwise.
const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_CAPACITY: usize = 10_000;
/// Session owners remembered (beyond the default `MCP_MAX_SESSIONS`).
const SESSION_BINDINGS: usize = 100_000;

/// The auth configuration of a server: how tokens are checked and what the protected
/// resource metadata says. Cheap to clone; clones share the key and token caches.
#[derive(Clone)]
pub struct Auth {
    spec: Spec,
    built: Arc<OnceLock<Arc<Shared>>>,
}

#[derive(Clone)]
enum Check {
    Static(Arc<StaticTokens>),
    Custom(Arc<dyn TokenVerifier>),
    #[cfg(feature = "jwt")]
    Jwt(jwt::JwtConfig),
}

#[derive(Clone)]
struct Spec {
    check: Check,
    resource: Option<String>,
    authorization_servers: Vec<String>,
    scopes: Vec<String>,
    cache_ttl: Duration,
    cache_capacity: usize,
}

/// What the layer, the metadata routes and the scope check share once built.
pub(crate) struct Shared {
    verifier: Verifier,
    cache: VerifiedCache,
    /// The resource URL (`https://host/mcp`); `None`: derived from each request's `Host`.
    resource: Option<String>,
    authorization_servers: Vec<String>,
    scopes: Vec<String>,
    /// The MCP endpoint's path, for resource URLs derived from requests.
    endpoint: OnceLock<String>,
    /// Session id → the subject that opened it (bounded: the oldest are forgotten first).
    sessions: quick_cache::sync::Cache<String, Arc<str>>,
}

enum Verifier {
    Static(Arc<StaticTokens>),
    Custom(Arc<dyn TokenVerifier>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.spec.check {
            Check::Static(_) => "bearer tokens".to_owned(),
            Check::Custom(_) => "custom verifier".to_owned(),
            #[cfg(feature = "jwt")]
            Check::Jwt(config) => format!("JWT from {}", config.issuer),
        };
        f.debug_struct("Auth")
            .field("check", &kind)
            .field("resource", &self.spec.resource)
            .finish_non_exhaustive()
    }
}

impl Auth {
    fn with(check: Check) -> Self {
        Self {
            spec: Spec {
                check,
                resource: None,
                authorization_servers: Vec::new(),
                scopes: Vec::new(),
                cache_ttl: CACHE_TTL,
                cache_capacity: CACHE_CAPACITY,
            },
            built: Arc::default(),
        }
    }

    fn change(mut self, f: impl FnOnce(&mut Spec)) -> Self {
        f(&mut self.spec);
        self.built = Arc::default();
        self
    }

    /// Accepts these static bearer tokens (API keys). Each grants every scope; its
    /// identity's subject is `token-N`, N its position in the list from 1.
    pub fn bearer_tokens<I: IntoIterator<Item = S>, S: AsRef<str>>(tokens: I) -> Self {
        Self::with(Check::Static(Arc::new(StaticTokens::new(tokens))))
    }

    /// Accepts JWT access tokens issued by `issuer` (its `iss`), signed with a key of the
    /// issuer's JWKS (found through its RFC 8414 or OpenID Connect metadata), unexpired,
    /// and meant for this server: set [`audience`](Self::audience), which they must name
    /// in `aud`. RS256, ES256 and the other asymmetric algorithms are accepted; HMAC never.
    #[cfg(feature = "jwt")]
    pub fn jwt(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self::with(Check::Jwt(jwt::JwtConfig::new(issuer.clone())))
            .change(|spec| spec.authorization_servers = vec![issuer])
    }

    /// Accepts what `verifier` accepts (token introspection, a database of keys, …).
    pub fn verifier(verifier: impl TokenVerifier) -> Self {
        Self::with(Check::Custom(Arc::new(verifier)))
    }

    /// This server's resource URL, e.g. `https://notes.example.com/mcp`: the audience JWTs
    /// must carry (RFC 8707), and the `resource` of the metadata. Without it the metadata
    /// derives it from each request's `Host` (fine for static tokens, not behind proxies).
    pub fn audience(self, resource_url: impl Into<String>) -> Self {
        let url = resource_url.into();
        self.change(|spec| spec.resource = Some(url))
    }

    /// Adds an authorization server clients get tokens from (listed in the metadata;
    /// `Auth::jwt` adds its issuer).
    pub fn authorization_server(self, issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        self.change(|spec| spec.authorization_servers.push(issuer))
    }

    /// Scopes to announce in the metadata's `scopes_supported`, besides those the tools
    /// require.
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(self, scopes: I) -> Self {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        self.change(|spec| spec.scopes.extend(scopes))
    }

    /// Where the issuer's keys are, when its metadata cannot be discovered.
    #[cfg(feature = "jwt")]
    pub fn jwks_uri(self, uri: impl Into<String>) -> Self {
        let uri = uri.into();
        self.change(|spec| {
            if let Check::Jwt(config) = &mut spec.check {
                config.jwks_uri = Some(uri);
            }
        })
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 30 seconds).
    #[cfg(feature = "jwt")]
    pub fn leeway(self, leeway: Duration) -> Self {
        self.change(|spec| {
            if let Check::Jwt(config) = &mut spec.check {
                config.leeway = leeway;
            }
        })
    }

    /// The shortest time between two fetches of the issuer's keys for a token with an
    /// unknown key id (default 30 seconds).
    #[cfg(feature = "jwt")]
    pub fn jwks_refresh_interval(self, interval: Duration) -> Self {
        self.change(|spec| {
            if let Check::Jwt(config) = &mut spec.check {
                config.refresh_interval = interval;
            }
        })
    }

    /// How long and how many verified tokens are remembered (default one minute, 10,000
    /// tokens; never past a token's expiry). `Duration::ZERO` turns the cache off.
    pub fn cache(self, ttl: Duration, capacity: usize) -> Self {
        self.change(|spec| {
            spec.cache_ttl = ttl;
            spec.cache_capacity = capacity;
        })
    }

    /// The auth from settings: static tokens from `auth_tokens`, JWTs from `auth_issuer`
    /// (for `auth_audience`); `None` when neither is set.
    pub(crate) fn from_settings(
        settings: &crate::settings::Settings,
    ) -> Result<Option<Self>, crate::settings::SettingsError> {
        let mut auth = match (&settings.auth_issuer, settings.auth_tokens.is_empty()) {
            (None, true) => return Ok(None),
            (None, false) => Self::bearer_tokens(&settings.auth_tokens),
            #[cfg(feature = "jwt")]
            (Some(issuer), true) => Self::jwt(issuer),
            #[cfg(feature = "jwt")]
            (Some(_), false) => {
                return Err(crate::settings::SettingsError::new(
                    "MCP_AUTH_TOKENS and MCP_AUTH_ISSUER are both set: choose static tokens or JWTs",
                ));
            }
            #[cfg(not(feature = "jwt"))]
            (Some(_), _) => {
                return Err(crate::settings::SettingsError::new(
                    "MCP_AUTH_ISSUER needs mcp-runtime's `jwt` feature: add features = [\"jwt\"] to its line in Cargo.toml",
                ));
            }
        };
        if let Some(audience) = &settings.auth_audience {
            auth = auth.audience(audience);
        }
        Ok(Some(auth.scopes(settings.auth_scopes.iter().cloned())))
    }

    /// A tower layer requiring a valid token on every request it wraps: put it on your own
    /// routes (`Router::layer`, `MethodRouter::layer`) to protect them like the endpoint.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.shared())
    }

    /// Wraps `router` so each of its routes needs a valid token.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use mcp_runtime::auth::{Auth, Identity};
    ///
    /// let auth = Auth::bearer_tokens(["s3cret"]);
    /// let secure = auth.require(Router::new().route(
    ///     "/secure-stream",
    ///     get(|who: Identity| async move { format!("hello {}", who.subject()) }),
    /// ));
    /// # let _: Router = secure;
    /// ```
    pub fn require<S: Clone + Send + Sync + 'static>(
        &self,
        router: axum::Router<S>,
    ) -> axum::Router<S> {
        router.route_layer(self.layer())
    }

    /// Built once per configuration, so clones share caches.
    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.built
            .get_or_init(|| {
                let spec = &self.spec;
                let verifier = match &spec.check {
                    Check::Static(tokens) => Verifier::Static(tokens.clone()),
                    Check::Custom(v) => Verifier::Custom(v.clone()),
                    #[cfg(feature = "jwt")]
                    Check::Jwt(config) => Verifier::Custom(Arc::new(jwt::JwtVerifier::new(
                        config.clone(),
                        spec.resource.clone().unwrap_or_default(),
                    ))),
                };
                Arc::new(Shared {
                    verifier,
                    cache: VerifiedCache::new(spec.cache_capacity, spec.cache_ttl),
                    resource: spec.resource.clone(),
                    authorization_servers: spec.authorization_servers.clone(),
                    scopes: spec.scopes.clone(),
                    endpoint: OnceLock::new(),
                    sessions: quick_cache::sync::Cache::new(SESSION_BINDINGS),
                })
            })
            .clone()
    }

    /// Checks what can be checked before serving: a JWT check needs an audience, static
    /// tokens must not be empty.
    pub(crate) fn check(&self) -> Result<(), String> {
        match &self.spec.check {
            Check::Static(tokens) if tokens.is_empty() => {
                Err("Auth::bearer_tokens got no tokens: nobody could call this server".to_owned())
            }
            #[cfg(feature = "jwt")]
            Check::Jwt(config) if self.spec.resource.is_none() => Err(format!(
                "Auth::jwt({:?}) needs .audience(\"https://…/mcp\"): this server's resource URL, which tokens must be meant for",
                config.issuer
            )),
            _ => Ok(()),
        }
    }
}

impl Shared {
    /// Tells the metadata which path the MCP endpoint is on (the server does when built).
    pub(crate) fn set_endpoint(&self, path: &str) {
        let _ = self.endpoint.set(path.to_owned());
    }

    fn endpoint(&self) -> &str {
        self.endpoint
            .get()
            .map_or(crate::settings::DEFAULT_PATH, String::as_str)
    }
}
