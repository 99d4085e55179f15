//! What a resource read returns: [`ResourceContents`] (text or a base64 blob), and the
//! [`IntoResourceResult`] conversions that let a `#[resource]` function return plain values.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::ResourceError;

/// The contents of an embedded resource: text or a base64 blob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ResourceContents {
    /// Text contents.
    Text {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        #[serde(default, rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// The text.
        text: String,
        /// Extra metadata (`_meta`), e.g. an app's `ui` settings.
        #[serde(default, rename = "_meta", skip_serializing_if = "Option::is_none")]
        meta: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// Binary contents.
    Blob {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        #[serde(default, rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// Base64 of the bytes.
        blob: String,
        /// Extra metadata (`_meta`).
        #[serde(default, rename = "_meta", skip_serializing_if = "Option::is_none")]
        meta: Option<serde_json::Map<String, serde_json::Value>>,
    },
}

impl ResourceContents {
    /// Text contents of `uri`.
    pub fn text(uri: impl Into<String>, text: impl Into<String>) -> Self {
        Self::Text {
            uri: uri.into(),
            mime_type: None,
            text: text.into(),
            meta: None,
        }
    }

    /// Binary contents of `uri` (encoded to base64 here).
    pub fn blob(uri: impl Into<String>, bytes: impl AsRef<[u8]>) -> Self {
        Self::Blob {
            uri: uri.into(),
            mime_type: None,
            blob: BASE64.encode(bytes),
            meta: None,
        }
    }

    /// Sets the MIME type.
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        match &mut self {
            Self::Text { mime_type, .. } | Self::Blob { mime_type, .. } => {
                *mime_type = Some(mime.into());
            }
        }
        self
    }

    /// Adds `extra`'s keys to `_meta`, keeping the others.
    pub(crate) fn merge_meta(&mut self, extra: &serde_json::Map<String, serde_json::Value>) {
        match self {
            Self::Text { meta, .. } | Self::Blob { meta, .. } => meta
                .get_or_insert_with(Default::default)
                .extend(extra.iter().map(|(k, v)| (k.clone(), v.clone()))),
        }
    }

    /// Sets `_meta`.
    pub fn meta(mut self, meta: serde_json::Map<String, serde_json::Value>) -> Self {
        match &mut self {
            Self::Text { meta: slot, .. } | Self::Blob { meta: slot, .. } => *slot = Some(meta),
        }
        self
    }

    fn with_default_mime(mut self, mime: Option<&str>) -> Self {
        if let (Self::Text { mime_type, .. } | Self::Blob { mime_type, .. }, Some(mime)) =
            (&mut self, mime)
        {
            mime_type.get_or_insert_with(|| mime.to_owned());
        }
        self
    }
}

/// Bytes a resource returns: served as a base64 `blob`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

/// The result of `resources/read`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadResourceResult {
    /// The contents: one, or several (a directory's files, say).
    pub contents: Vec<ResourceContents>,
}

/// Turns what a resource function returns into a [`ReadResourceResult`].
///
/// `String` and `&'static str` are text, [`Blob`] and `Vec<u8>` a base64 blob, both of the
/// URI read and with the resource's MIME type; [`ResourceContents`] and `Vec`s of them are
/// served as they are (a missing MIME type is filled in); `Result<T, E>` with
/// `E: Into<ResourceError>` fails the read with the error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "not a resource result",
    note = "return `String`, `&'static str`, `Blob`, `Vec<u8>`, `ResourceContents`, `Vec<ResourceContents>`, `ReadResourceResult`, or a `Result<T, ResourceError>` of one of these"
)]
pub trait IntoResourceResult {
    /// Converts the value; `uri` is the URI read, `mime_type` the resource's.
    fn into_resource_result(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError>;
}

fn one(contents: ResourceContents) -> Result<ReadResourceResult, ResourceError> {
    Ok(ReadResourceResult {
        contents: vec![contents],
    })
}

impl IntoResourceResult for String {
    fn into_resource_result(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        one(ResourceContents::text(uri, self).with_default_mime(mime))
    }
}

impl IntoResourceResult for &'static str {
    fn into_resource_result(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        self.to_owned().into_resource_result(uri, mime)
    }
}

impl IntoResourceResult for Blob {
    fn into_resource_result(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        one(ResourceContents::blob(uri, self.0).with_default_mime(mime))
    }
}

impl IntoResourceResult for Vec<u8> {
    fn into_resource_result(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        Blob(self).into_resource_result(uri, mime)
    }
}

impl IntoResourceResult for ResourceContents {
    fn into_resource_result(
        self,
        _uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        one(self.with_default_mime(mime))
    }
}

impl IntoResourceResult for Vec<ResourceContents> {
    fn into_resource_result(
        self,
        _uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        Ok(ReadResourceResult {
            contents: self
                .into_iter()
                .map(|c| c.with_default_mime(mime))
                .collect(),
        })
    }
}

impl IntoResourceResult for ReadResourceResult {
    fn into_resource_result(
        self,
        _uri: &str,
        _mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        Ok(self)
    }
}

impl<T: IntoResourceResult, E: Into<ResourceError>> IntoResourceResult for Result<T, E> {
    fn into_resource_result(
        self,
        uri: &str,
        mime: Option<&str>,
    ) -> Result<ReadResourceResult, ResourceError> {
        self.map_err(Into::into)?.into_resource_result(uri, mime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: impl IntoResourceResult) -> serde_json::Value {
        serde_json::to_value(
            value
                .into_resource_result("notes://1", Some("text/markdown"))
                .expect("a result"),
        )
        .expect("serializes")
    }

    #[test]
    fn plain_values_become_contents_of_the_uri_read() {
        assert_eq!(
            read("# One"),
            json!({"contents": [{"uri": "notes://1", "mimeType": "text/markdown", "text": "# One"}]})
        );
        assert_eq!(
            read(vec![1u8, 2, 3]),
            json!({"contents": [{"uri": "notes://1", "mimeType": "text/markdown", "blob": "AQID"}]})
        );
        assert_eq!(
            read(vec![
                ResourceContents::text("notes://1/a", "a").mime_type("text/plain"),
                ResourceContents::blob("notes://1/b", b"b"),
            ]),
            json!({"contents": [
                {"uri": "notes://1/a", "mimeType": "text/plain", "text": "a"},
                {"uri": "notes://1/b", "mimeType": "text/markdown", "blob": "Yg=="}
            ]})
        );
        let failed: Result<String, ResourceError> = Err(ResourceError::not_found("notes://1"));
        assert_eq!(
            failed.into_resource_result("notes://1", None),
            Err(ResourceError::not_found("notes://1"))
        );
    }
}
