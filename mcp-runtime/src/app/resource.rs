//! An app's view: a `ui://` resource of MIME type `text/html;profile=mcp-app`, with the
//! sandbox settings (`_meta.ui`: CSP domains, permissions, dedicated domain, border) the
//! host applies when it renders it.

use serde::Serialize;
use serde_json::{Map, Value};

use super::MIME_TYPE;
use crate::resource::{ResourceContents, ResourceDef};

/// The origins a view may reach, which the host turns into its Content Security Policy.
/// Empty lists (the default) allow nothing external.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppCsp {
    /// Origins for fetch, XHR and WebSocket (`connect-src`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connect_domains: Vec<String>,
    /// Origins for scripts, styles, images, fonts and media.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_domains: Vec<String>,
    /// Origins for nested iframes (`frame-src`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frame_domains: Vec<String>,
    /// Allowed base URIs of the document (`base-uri`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub base_uri_domains: Vec<String>,
}

fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl AppCsp {
    /// Origins for network requests.
    pub fn connect_domains<I: IntoIterator<Item = S>, S: Into<String>>(mut self, d: I) -> Self {
        self.connect_domains = strings(d);
        self
    }

    /// Origins for static resources.
    pub fn resource_domains<I: IntoIterator<Item = S>, S: Into<String>>(mut self, d: I) -> Self {
        self.resource_domains = strings(d);
        self
    }

    /// Origins for nested iframes.
    pub fn frame_domains<I: IntoIterator<Item = S>, S: Into<String>>(mut self, d: I) -> Self {
        self.frame_domains = strings(d);
        self
    }

    /// Allowed base URIs.
    pub fn base_uri_domains<I: IntoIterator<Item = S>, S: Into<String>>(mut self, d: I) -> Self {
        self.base_uri_domains = strings(d);
        self
    }
}

/// Browser permissions a view asks for; hosts may grant them (the view must still detect
/// the feature).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppPermissions {
    /// The camera.
    pub camera: bool,
    /// The microphone.
    pub microphone: bool,
    /// Geolocation.
    pub geolocation: bool,
    /// Writing to the clipboard.
    pub clipboard_write: bool,
}

impl AppPermissions {
    /// Asks for the camera.
    pub fn camera(mut self, on: bool) -> Self {
        self.camera = on;
        self
    }

    /// Asks for the microphone.
    pub fn microphone(mut self, on: bool) -> Self {
        self.microphone = on;
        self
    }

    /// Asks for geolocation.
    pub fn geolocation(mut self, on: bool) -> Self {
        self.geolocation = on;
        self
    }

    /// Asks for writing to the clipboard.
    pub fn clipboard_write(mut self, on: bool) -> Self {
        self.clipboard_write = on;
        self
    }

    fn to_json(self) -> Map<String, Value> {
        [
            ("camera", self.camera),
            ("microphone", self.microphone),
            ("geolocation", self.geolocation),
            ("clipboardWrite", self.clipboard_write),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| (name.to_owned(), Value::Object(Map::new())))
        .collect()
    }
}

/// A view: HTML served as a `ui://` resource of MIME type `text/html;profile=mcp-app`.
/// Turn it into a resource with [`Server::app_resource`](crate::Server::app_resource) (or
/// [`into_resource`](Self::into_resource)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct App {
    uri: String,
    html: String,
    name: Option<String>,
    description: Option<String>,
    csp: Option<AppCsp>,
    permissions: AppPermissions,
    domain: Option<String>,
    prefers_border: Option<bool>,
}

impl App {
    /// The view at `uri` (should start with `ui://`) with this HTML document.
    pub fn new(uri: impl Into<String>, html: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            html: html.into(),
            name: None,
            description: None,
            csp: None,
            permissions: AppPermissions::default(),
            domain: None,
            prefers_border: None,
        }
    }

    /// Its name in `resources/list` (default: the URI without `ui://`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// What the view shows.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The origins it may reach (none by default).
    pub fn csp(mut self, csp: AppCsp) -> Self {
        self.csp = Some(csp);
        self
    }

    /// The browser permissions it asks for.
    pub fn permissions(mut self, permissions: AppPermissions) -> Self {
        self.permissions = permissions;
        self
    }

    /// A dedicated sandbox origin (its format is the host's).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Whether the host should draw a border and background around it.
    pub fn prefers_border(mut self, border: bool) -> Self {
        self.prefers_border = Some(border);
        self
    }

    /// `_meta` with the `ui` settings, if any is set.
    pub(crate) fn meta(&self) -> Option<Map<String, Value>> {
        let mut ui = Map::new();
        if let Some(csp) = &self.csp {
            ui.insert("csp".into(), serde_json::to_value(csp).unwrap_or_default());
        }
        let permissions = self.permissions.to_json();
        if !permissions.is_empty() {
            ui.insert("permissions".into(), Value::Object(permissions));
        }
        if let Some(domain) = &self.domain {
            ui.insert("domain".into(), Value::String(domain.clone()));
        }
        if let Some(border) = self.prefers_border {
            ui.insert("prefersBorder".into(), Value::Bool(border));
        }
        if ui.is_empty() {
            return None;
        }
        let mut meta = Map::new();
        meta.insert("ui".into(), Value::Object(ui));
        Some(meta)
    }

    /// The resource serving the view: listed, of MIME type `text/html;profile=mcp-app`, its
    /// `_meta.ui` both in the list entry and on the contents read.
    pub fn into_resource(self) -> ResourceDef {
        let meta = self.meta();
        let name =
            (self.name.clone()).unwrap_or_else(|| self.uri.trim_start_matches("ui://").to_owned());
        let html = self.html.clone();
        let content_meta = meta.clone();
        let size = html.len() as u64;
        let mut def = ResourceDef::new(self.uri, name, move |uri| {
            let html = html.clone();
            let meta = content_meta.clone();
            async move {
                let mut contents = ResourceContents::text(uri, html).mime_type(MIME_TYPE);
                if let Some(meta) = meta {
                    contents = contents.meta(meta);
                }
                Ok(vec![contents].into())
            }
        })
        .mime_type(MIME_TYPE)
        .size(size);
        if let Some(description) = self.description {
            def = def.description(description);
        }
        if let Some(meta) = meta {
            def = def.meta(meta);
        }
        def
    }
}
