//! Roots: the places in the client's world the server may work in (`roots/list`).

use serde::Deserialize;

/// One root of the client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Root {
    /// A `file://` URI.
    pub uri: String,
    /// A name to show.
    #[serde(default)]
    pub name: Option<String>,
}
