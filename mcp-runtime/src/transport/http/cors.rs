//! CORS for browser clients, driven by the same allowed origins as the `Origin` check, so
//! one setting says which pages may call.

use std::time::Duration;

use http::{HeaderName, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer, ExposeHeaders};

use super::guard::HostPolicy;
use super::headers;

/// Answers preflights from allowed origins, and lets their pages read the headers an MCP
/// client needs (`Mcp-Session-Id`, `MCP-Protocol-Version`, `WWW-Authenticate`).
///
/// The request headers a preflight asks for are allowed as asked: the origin is what is
/// checked, and MCP clients send `Mcp-Param-*` headers whose names depend on the tool.
/// No credentials mode: tokens travel in `Authorization`, never in cookies.
pub(crate) fn layer(policy: &HostPolicy) -> CorsLayer {
    let origins = match &policy.origins {
        None => AllowOrigin::any(),
        Some(_) => {
            let policy = policy.clone();
            AllowOrigin::predicate(move |origin, _| {
                origin.to_str().is_ok_and(|o| policy.origin_allowed(o))
            })
        }
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(ExposeHeaders::list([
            headers::SESSION_ID,
            headers::PROTOCOL_VERSION,
            http::header::WWW_AUTHENTICATE,
            HeaderName::from_static("retry-after"),
        ]))
        .max_age(Duration::from_secs(60 * 60))
}
