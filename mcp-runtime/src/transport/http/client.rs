//! Naming the client of a request for its quotas ([`ClientKey`]): the verified identity,
//! else the peer address, else (when the peer is a trusted proxy) the left-most
//! `X-Forwarded-For` hop. The left-most hop is the original client only because every proxy
//! in between is trusted to append, never pass through, what it was sent; so a peer that is
//! not in `trusted_proxies` is never believed.

use std::net::{IpAddr, SocketAddr};

use http::HeaderName;
use http::request::Parts;

use crate::auth::Identity;
use crate::server::admission::ClientKey;

/// The address a connection comes from, put in each request's extensions by the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The key `request` is counted under; `None` when nothing names the client (a router
/// mounted without our accept loop or axum's `ConnectInfo`).
pub(crate) fn key(request: &Parts, trusted_proxies: &[IpAddr]) -> Option<ClientKey> {
    if let Some(identity) = request.extensions.get::<Identity>() {
        return Some(ClientKey::identity(identity.subject()));
    }
    let peer = request
        .extensions
        .get::<Peer>()
        .map(|p| p.0)
        .or_else(|| {
            request
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|c| c.0)
        })?
        .ip();
    let ip = if trusted_proxies.contains(&peer) {
        forwarded_client(request).unwrap_or(peer)
    } else {
        peer
    };
    Some(ClientKey::address(ip))
}

/// The left-most address of the (possibly repeated) `X-Forwarded-For` header, if it is one.
fn forwarded_client(request: &Parts) -> Option<IpAddr> {
    let first = request.headers.get(X_FORWARDED_FOR)?.to_str().ok()?;
    let hop = first.split(',').next()?.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut builder = http::Request::builder();
        if let Some(f) = forwarded {
            builder = builder.header("x-forwarded-for", f);
        }
        let (mut parts, ()) = builder.body(()).expect("request").into_parts();
        parts
            .extensions
            .insert(Peer(peer.parse().expect("socket address")));
        parts
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_nobody_else_does() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let key = |p: &Parts, trusted: &[IpAddr]| key(p, trusted).map(|k| k.0.to_string());
        let via = parts("10.0.0.1:4000", Some("203.0.113.7, 10.0.0.9"));
        assert_eq!(key(&via, &[proxy]).as_deref(), Some("ip:203.0.113.7"));
        assert_eq!(key(&via, &[]).as_deref(), Some("ip:10.0.0.1"), "untrusted");
        let garbage = parts("10.0.0.1:4000", Some("nonsense"));
        assert_eq!(key(&garbage, &[proxy]).as_deref(), Some("ip:10.0.0.1"));
        let mut signed = parts("10.0.0.1:4000", Some("203.0.113.7"));
        signed.extensions.insert(Identity::new("alice"));
        assert_eq!(key(&signed, &[proxy]).as_deref(), Some("id:alice"));
    }
}
