//! The HTTP header names MCP defines (Streamable HTTP), for the server's transport and the
//! client alike. `HeaderName`s, not `&str`: a lookup by string parses the name first, on
//! every request.

use http::HeaderName;

/// The session header, as the spec spells it (header names are case-insensitive).
pub(crate) const SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");

/// The protocol revision a request speaks.
pub(crate) const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");

/// The stateless era's mirror of the body's `method`.
pub(crate) const MCP_METHOD: HeaderName = HeaderName::from_static("mcp-method");

/// The stateless era's mirror of the body's `params.name` (or `params.uri`).
pub(crate) const MCP_NAME: HeaderName = HeaderName::from_static("mcp-name");

/// Where a resumed SSE stream picks up.
pub(crate) const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");
