//! The builder call that puts auth on a [`Server`] description: auth sits above the core,
//! so the description keeps it among the values it carries for the layers above.

use super::Auth;
use crate::server::Server;

impl Server {
    /// Requires a valid access token on every request to the endpoint (`POST`, `GET`,
    /// `DELETE`; stdio is exempt), and publishes the RFC 9728 metadata; see [`Auth`].
    /// Without it, `MCP_AUTH_TOKENS` or `MCP_AUTH_ISSUER` turn auth on.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.attachments.insert(auth);
        self
    }
}
