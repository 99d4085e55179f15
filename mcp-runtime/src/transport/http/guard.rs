//! DNS rebinding protection: `Host` and `Origin` checked against allow-lists before any
//! request reaches the endpoint.
//!
//! A web page on an attacker's domain can make a browser send requests to a server on
//! `127.0.0.1` by rebinding its DNS name there; the browser then sends the attacker's name as
//! `Host` and its page as `Origin`. Refusing names we do not serve stops that.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures_util::future::Either;
use http::{HeaderMap, StatusCode};

use super::headers::Intake;
use super::reply::Rejection;
use crate::observe;

/// Which `Host` and `Origin` values are accepted.
#[derive(Debug, Clone)]
pub(crate) struct HostPolicy {
    /// Allowed host names (`name` matches any port, `name:port` only that port); `None`:
    /// any host.
    pub(crate) hosts: Option<Vec<String>>,
    /// Allowed origins (`scheme://host[:port]`); an origin whose host is an allowed host is
    /// accepted too. `None`: any origin.
    pub(crate) origins: Option<Vec<String>>,
}

const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

impl Default for HostPolicy {
    /// Loopback only: right for a server bound to `127.0.0.1`, the default.
    fn default() -> Self {
        Self {
            hosts: Some(LOOPBACK.iter().map(|h| (*h).to_owned()).collect()),
            origins: Some(Vec::new()),
        }
    }
}

impl HostPolicy {
    /// The policy of `allowed_hosts` and `allowed_origins` (`*`: any). Without
    /// `allowed_hosts`: loopback names when bound to a loopback address (or not bound yet:
    /// a router), any host when bound to another address, since the server cannot know
    /// its public names. Setting only the origins never changes the hosts.
    pub(crate) fn new(
        hosts: Option<&[String]>,
        origins: &[String],
        bound: Option<std::net::SocketAddr>,
    ) -> Self {
        let any = |list: &[String]| list.iter().any(|h| h == "*");
        let hosts = match hosts {
            Some(list) if any(list) => None,
            Some(list) => Some(list.to_vec()),
            None if bound.is_none_or(|addr| addr.ip().is_loopback()) => {
                Some(LOOPBACK.iter().map(|h| (*h).to_owned()).collect())
            }
            None => None,
        };
        let origins = (!any(origins)).then(|| origins.to_vec());
        Self { hosts, origins }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let Some(allowed) = &self.hosts else {
            return true;
        };
        // Case-insensitive without lowercased copies: this runs on every request.
        let name = strip_port(host);
        // An allowed name without a port matches any port: checked only once the name
        // matches, so a request costs a length comparison per entry that differs.
        allowed.iter().any(|a| {
            a.eq_ignore_ascii_case(host) || (a.eq_ignore_ascii_case(name) && strip_port(a) == a)
        })
    }

    /// Whether a browser page from `origin` may call (the `Origin` check and CORS alike).
    pub(crate) fn origin_allowed(&self, origin: &str) -> bool {
        let Some(allowed) = &self.origins else {
            return true;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if allowed
            .iter()
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(&origin))
        {
            return true;
        }
        // An origin on an allowed host is the server's own pages (or a local tool).
        match origin.split_once("://") {
            Some(("http" | "https", authority)) => {
                self.hosts.is_some() && self.host_allowed(authority)
            }
            _ => false,
        }
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        // [v6]:port
        return rest
            .split_once(']')
            .map_or(host, |(addr, _)| &host[..addr.len() + 2]);
    }
    // Bytes, not a `str` pattern search: this runs on every request.
    let bytes = host.as_bytes();
    match bytes.iter().rposition(|&b| b == b':') {
        Some(colon) if bytes[colon + 1..].iter().all(u8::is_ascii_digit) => &host[..colon],
        _ => host,
    }
}

/// The middleware: 403 with a JSON-RPC error body for a `Host` or `Origin` not allowed.
///
/// A plain tower layer rather than `axum::middleware::from_fn`, which clones the inner
/// service and boxes two futures on every request: this check runs on all of them.
#[derive(Debug, Clone)]
pub(crate) struct GuardLayer(Arc<HostPolicy>, bool);

impl GuardLayer {
    pub(crate) fn new(policy: HostPolicy) -> Self {
        Self(Arc::new(policy), true)
    }

    /// The Host/Origin check alone, for routes whose POSTs are not MCP messages (the
    /// plain-HTTP tool interface, whose clients may accept NDJSON).
    pub(crate) fn hosts_only(policy: HostPolicy) -> Self {
        Self(Arc::new(policy), false)
    }
}

impl<S> tower_layer::Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            policy: self.0.clone(),
            media: self.1,
            inner,
        }
    }
}

/// The service [`GuardLayer`] wraps around a route.
#[derive(Debug, Clone)]
pub(crate) struct Guard<S> {
    policy: Arc<HostPolicy>,
    /// Whether a POST's media types are checked too.
    media: bool,
    inner: S,
}

impl<S> tower_service::Service<Request> for Guard<S>
where
    S: tower_service::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let headers = request.headers();
        let seen = super::headers::Intake::read(headers);
        let refused = refusal(&self.policy, headers, &seen).or_else(|| {
            // A POST's media types are checked here, before its body is read.
            (self.media && request.method() == http::Method::POST)
                .then(|| super::post::media_refusal(headers, &seen))
                .flatten()
        });
        match refused {
            None => Either::Right(self.inner.call(request)),
            Some(refused) => Either::Left(ready(Ok(refused))),
        }
    }
}

/// The 403 for a request the policy refuses (400 for a repeated single-valued MCP
/// header or a malformed session id); `None` lets it through.
fn refusal(policy: &HostPolicy, headers: &HeaderMap, seen: &Intake<'_>) -> Option<Response> {
    if let Some(name) = super::headers::duplicated(headers) {
        return Some(
            Rejection::new(
                StatusCode::BAD_REQUEST,
                format!("the {name} header was sent more than once; send it once"),
            )
            .into_response(None),
        );
    }
    if let Some(message) = seen
        .session_id
        .and_then(super::headers::malformed_session_id_value)
    {
        return Some(Rejection::new(StatusCode::BAD_REQUEST, message).into_response(None));
    }
    let host = seen
        .host
        .map(|v| v.to_str().unwrap_or("(not visible ASCII)"));
    match host {
        Some(host) if !policy.host_allowed(host) => {
            observe::rejected(observe::Reason::Host);
            return Some(forbidden(format!(
                "Host {host:?} is not allowed (DNS rebinding protection); configure the server's allowed hosts to serve it"
            )));
        }
        None if policy.hosts.is_some() => {
            observe::rejected(observe::Reason::Host);
            return Some(forbidden("missing Host header".to_owned()));
        }
        _ => {}
    }
    if let Some(origin) = seen.origin {
        let origin = origin.to_str().unwrap_or("(not visible ASCII)");
        if !policy.origin_allowed(origin) {
            observe::rejected(observe::Reason::Origin);
            return Some(forbidden(format!(
                "Origin {origin:?} is not allowed (DNS rebinding protection); configure the server's allowed origins to accept it"
            )));
        }
    }
    None
}

fn forbidden(message: String) -> Response {
    Rejection::new(StatusCode::FORBIDDEN, message).into_response(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_by_default() {
        let p = HostPolicy::default();
        for host in [
            "localhost",
            "localhost:8000",
            "127.0.0.1:3000",
            "[::1]:80",
            "LOCALHOST",
        ] {
            assert!(p.host_allowed(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8000",
            "127.0.0.2",
            "localhost.evil.example",
        ] {
            assert!(!p.host_allowed(host), "{host}");
        }
        assert!(p.origin_allowed("http://localhost:5173"));
        assert!(p.origin_allowed("https://127.0.0.1"));
        assert!(!p.origin_allowed("http://evil.example"));
        assert!(!p.origin_allowed("null"));
    }

    #[test]
    fn origins_alone_keep_the_hosts_of_the_address() {
        // The bug: allowed_origins on a server bound to 0.0.0.0 made the Host check
        // loopback-only, so requests through a proxy got 403.
        let origins = ["https://app.example.com".to_owned()];
        let public: std::net::SocketAddr = "0.0.0.0:8000".parse().expect("address");
        let p = HostPolicy::new(None, &origins, Some(public));
        assert!(p.host_allowed("mcp.example.com"));
        assert!(p.origin_allowed("https://app.example.com"));
        assert!(!p.origin_allowed("https://evil.example"));
        let loopback: std::net::SocketAddr = "127.0.0.1:8000".parse().expect("address");
        let p = HostPolicy::new(None, &origins, Some(loopback));
        assert!(!p.host_allowed("mcp.example.com"));
        assert!(p.host_allowed("localhost:8000"));
        let star = ["*".to_owned()];
        let p = HostPolicy::new(Some(&star), &star, Some(loopback));
        assert!(p.host_allowed("anything") && p.origin_allowed("https://anything"));
    }

    #[test]
    fn configured_hosts_and_origins() {
        let p = HostPolicy {
            hosts: Some(vec![
                "mcp.example.com".into(),
                "api.example.com:8443".into(),
            ]),
            origins: Some(vec!["https://app.example.com".into()]),
        };
        assert!(p.host_allowed("mcp.example.com:443"));
        assert!(p.host_allowed("api.example.com:8443"));
        assert!(!p.host_allowed("api.example.com:9000"));
        assert!(p.origin_allowed("https://app.example.com/"));
        assert!(p.origin_allowed("https://mcp.example.com"));
        assert!(!p.origin_allowed("https://other.example.com"));
        let open = HostPolicy {
            hosts: None,
            origins: None,
        };
        assert!(open.host_allowed("anything") && open.origin_allowed("http://anything"));
    }
}
