//! RFC 9728 protected resource metadata, and the `WWW-Authenticate` challenges that point
//! clients at it.

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use http::header::{CONTENT_TYPE, HOST, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::json;

use super::Shared;

const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// `GET /.well-known/oauth-protected-resource` and its form suffixed with the endpoint's
/// path (`…/oauth-protected-resource/mcp`), which MCP clients try first.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    shared: Arc<Shared>,
    tool_scopes: Vec<String>,
) -> Router<S> {
    let mut scopes = shared.scopes.clone();
    scopes.extend(tool_scopes);
    scopes.sort();
    scopes.dedup();
    let scopes = Arc::new(scopes);
    let suffixed = match path_of(&endpoint_resource(&shared)) {
        "" | "/" => None,
        path => Some(format!("{WELL_KNOWN}{path}")),
    };
    let document = move |headers: HeaderMap| {
        let shared = shared.clone();
        let scopes = scopes.clone();
        async move {
            let body = json!({
                "resource": resource_url(&shared, &headers),
                "authorization_servers": shared.authorization_servers,
                "scopes_supported": *scopes,
                "bearer_methods_supported": ["header"],
            });
            (
                [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                body.to_string(),
            )
                .into_response()
        }
    };
    let router = Router::new().route(WELL_KNOWN, get(document.clone()));
    match suffixed {
        Some(path) => router.route(&path, get(document)),
        None => router,
    }
}

/// The resource URL this server is known by: the configured one, else the request's
/// scheme (`X-Forwarded-Proto`, else `http`), `Host` and the endpoint's path.
pub(crate) fn resource_url(shared: &Shared, headers: &HeaderMap) -> String {
    if let Some(resource) = &shared.resource {
        return resource.clone();
    }
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let scheme = text(http::HeaderName::from_static("x-forwarded-proto"))
        .and_then(|p| p.split(',').next())
        .map_or("http", str::trim);
    let host = text(HOST).unwrap_or("localhost");
    format!("{scheme}://{host}{}", shared.endpoint())
}

fn endpoint_resource(shared: &Shared) -> String {
    shared
        .resource
        .clone()
        .unwrap_or_else(|| format!("http://localhost{}", shared.endpoint()))
}

/// A URL's `scheme://authority` and its path without a trailing `/`.
fn split_url(url: &str) -> (&str, &str) {
    let start = url.find("://").map_or(0, |at| at + 3);
    let end = url[start..].find('/').map_or(url.len(), |at| start + at);
    (&url[..end], url[end..].trim_end_matches('/'))
}

/// The path of a URL (`/mcp` of `https://host/mcp`), `""` when it has none.
fn path_of(url: &str) -> &str {
    split_url(url).1
}

/// Where the metadata of `resource` is: the well-known path inserted before its path.
pub(crate) fn metadata_url(resource: &str) -> String {
    let (origin, path) = split_url(resource);
    format!("{origin}{WELL_KNOWN}{path}")
}

/// Why a request is refused, for its challenge.
pub(crate) enum Refusal<'a> {
    /// No token: 401 with only the metadata URL.
    Missing,
    /// A token that did not verify: 401 `invalid_token`.
    Invalid(&'a str),
    /// The issuer's keys are unreachable: 503.
    Unavailable(&'a str),
    /// A valid token without these scopes: 403 `insufficient_scope`.
    Scope(&'a [String]),
}

/// The response refusing a request, with its `WWW-Authenticate` challenge and a body that
/// says the same in JSON (`body` overrides it, e.g. with a JSON-RPC error).
pub(crate) fn refuse(
    shared: &Shared,
    headers: &HeaderMap,
    why: &Refusal<'_>,
    body: Option<String>,
) -> Response {
    let metadata = metadata_url(&resource_url(shared, headers));
    let clean = |text: &str| text.replace(['"', '\\'], "'");
    let (status, challenge, error, description) = match why {
        Refusal::Missing => (
            StatusCode::UNAUTHORIZED,
            format!("Bearer resource_metadata=\"{metadata}\""),
            "invalid_request",
            "this server needs an access token: send Authorization: Bearer <token>".to_owned(),
        ),
        Refusal::Invalid(why) => (
            StatusCode::UNAUTHORIZED,
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\", resource_metadata=\"{metadata}\"",
                clean(why)
            ),
            "invalid_token",
            (*why).to_owned(),
        ),
        Refusal::Unavailable(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Bearer resource_metadata=\"{metadata}\""),
            "temporarily_unavailable",
            (*why).to_owned(),
        ),
        Refusal::Scope(scopes) => {
            let needed = scopes.join(" ");
            (
                StatusCode::FORBIDDEN,
                format!(
                    "Bearer error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{metadata}\"",
                    clean(&needed)
                ),
                "insufficient_scope",
                format!("this needs the scope(s) {needed}, which the token does not grant"),
            )
        }
    };
    let body = body
        .unwrap_or_else(|| json!({"error": error, "error_description": description}).to_string());
    let mut response = (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_urls() {
        assert_eq!(
            metadata_url("https://notes.example.com/mcp"),
            "https://notes.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8000"),
            "http://127.0.0.1:8000/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            metadata_url("https://a.example/x/mcp/"),
            "https://a.example/.well-known/oauth-protected-resource/x/mcp"
        );
    }
}
