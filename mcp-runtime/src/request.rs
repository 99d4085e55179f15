//! What a transport learned about a request besides its message, as typed facts: who sent it
//! (the verified [`Identity`]), the credential it came with, and the metadata tools may read.
//! The engine and the features read these; only the transport that made them knows where
//! they came from (HTTP headers and request extensions; stdio has none).

use std::sync::Arc;

use http::{Extensions, HeaderMap};

use crate::identity::Identity;

/// The facts of one request from a transport that has per-request metadata (HTTP).
#[derive(Debug)]
pub(crate) struct RequestMeta {
    parts: http::request::Parts,
    session_id: Option<Arc<str>>,
}

impl RequestMeta {
    /// The facts of an HTTP request; its body is read separately.
    pub(crate) fn from_http(parts: http::request::Parts) -> Self {
        Self {
            parts,
            session_id: None,
        }
    }

    /// The same facts, for a transport that chose the id of the session this request's
    /// `initialize` opens (the legacy HTTP+SSE transport: unguessable, derived from an id
    /// the store made).
    pub(crate) fn with_session_id(mut self, id: Arc<str>) -> Self {
        self.session_id = Some(id);
        self
    }

    /// The id the session opened by this request's `initialize` must have, if the
    /// transport chose one.
    pub(crate) fn preset_session_id(&self) -> Option<&Arc<str>> {
        self.session_id.as_ref()
    }

    /// The verified bearer of the request's token; `None` without auth.
    pub(crate) fn identity(&self) -> Option<&Identity> {
        self.parts.extensions.get::<Identity>()
    }

    /// The credential the request carried (its `Authorization` value): what binds state
    /// the server hands out (tasks, multi-round-trip request states) to one caller.
    pub(crate) fn credential(&self) -> Option<&[u8]> {
        self.parts
            .headers
            .get(http::header::AUTHORIZATION)
            .map(http::HeaderValue::as_bytes)
    }

    /// The request's headers, for tools that read them.
    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// What layers in front of the server learned about the request, for tools.
    pub(crate) fn extensions(&self) -> &Extensions {
        &self.parts.extensions
    }
}
