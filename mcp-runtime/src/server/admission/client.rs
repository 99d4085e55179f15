//! Who a client is, for its quotas: the verified identity when auth is on, else the address
//! it connects from (or, behind a trusted proxy, the address the proxy names).

use std::sync::Arc;

/// The key a client's sessions are counted under: `id:<subject>` for a verified identity,
/// `ip:<address>` otherwise. The transport puts it in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey(pub(crate) Arc<str>);

impl ClientKey {
    /// The key of a verified identity's subject.
    pub(crate) fn identity(subject: &str) -> Self {
        Self(format!("id:{subject}").into())
    }

    /// The key of a network address.
    pub(crate) fn address(ip: std::net::IpAddr) -> Self {
        Self(format!("ip:{ip}").into())
    }
}
