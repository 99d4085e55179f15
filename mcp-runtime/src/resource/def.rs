//! The definitions of resources and resource templates: what `resources/list` and
//! `resources/templates/list` show, and the function `resources/read` runs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::{ReadResourceResult, ResourceError, UriTemplate};
use crate::completion::{CompleteFn, Completer};
use crate::tool::descriptor::descriptor_builders;
use crate::tool::{Arguments, Descriptor, Icon};

/// The future a read runs.
pub type ResourceFuture =
    Pin<Box<dyn Future<Output = Result<ReadResourceResult, ResourceError>> + Send + 'static>>;

/// Reads one URI; the arguments are the template's variables (none for a fixed resource).
type Reader = Arc<dyn Fn(String, Arguments) -> ResourceFuture + Send + Sync>;

/// Hints about a resource for clients (all optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Annotations {
    /// Who it is meant for: `"user"`, `"assistant"` or both.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audience: Vec<String>,
    /// How important it is, from 0 (least) to 1 (most).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<f64>,
    /// When it last changed (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// What resources and templates share in their list entries.
#[derive(Clone)]
#[non_exhaustive]
pub struct ResourceInfo {
    /// Name (unique among resources; the function's name by default), title, description,
    /// icons, `_meta`, required scopes: what every definition has (also reachable as
    /// `info.name`, …).
    pub descriptor: Descriptor,
    /// The MIME type of its contents.
    pub mime_type: Option<String>,
    /// Hints for clients.
    pub annotations: Option<Annotations>,
    reader: Reader,
}

// `info.name` reads the descriptor's name, as on the other definitions.
impl std::ops::Deref for ResourceInfo {
    type Target = Descriptor;
    fn deref(&self) -> &Descriptor {
        &self.descriptor
    }
}

impl std::ops::DerefMut for ResourceInfo {
    fn deref_mut(&mut self) -> &mut Descriptor {
        &mut self.descriptor
    }
}

/// Its part of a `resources/list` (or `resources/templates/list`) entry, in the spec's
/// field order.
impl Serialize for ResourceInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            title: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            mime_type: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            annotations: Option<&'a Annotations>,
            #[serde(skip_serializing_if = "<[Icon]>::is_empty")]
            icons: &'a [Icon],
            #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
            meta: Option<&'a Map<String, Value>>,
        }
        let d = &self.descriptor;
        Wire {
            name: &d.name,
            title: d.title.as_deref(),
            description: d.description.as_deref(),
            mime_type: self.mime_type.as_deref(),
            annotations: self.annotations.as_ref(),
            icons: &d.icons,
            meta: d.meta.as_ref(),
        }
        .serialize(serializer)
    }
}

impl ResourceInfo {
    fn new<F, Fut>(name: String, read: F) -> Self
    where
        F: Fn(String, Arguments) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ResourceError>> + Send + 'static,
    {
        Self {
            descriptor: Descriptor::new(name),
            mime_type: None,
            annotations: None,
            reader: Arc::new(move |uri, args| Box::pin(read(uri, args))),
        }
    }
}

impl fmt::Debug for ResourceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceInfo")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("mime_type", &self.mime_type)
            .field("defined_at", &self.defined_at)
            .finish_non_exhaustive()
    }
}

/// The builder methods both definitions have besides the descriptor's.
macro_rules! info_builders {
    () => {
        /// Sets the MIME type (also the default of the contents read).
        pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
            self.info.mime_type = Some(mime_type.into());
            self
        }

        /// Sets the hints for clients.
        pub fn annotations(mut self, annotations: Annotations) -> Self {
            self.info.annotations = Some(annotations);
            self
        }
    };
}

/// A resource with a fixed URI: listed by `resources/list`.
///
/// `#[resource]` builds these (`my_resource_resource()` returns it); by hand:
///
/// ```
/// use mcp_runtime::resource::{ResourceContents, ResourceDef};
///
/// let readme = ResourceDef::new("docs://readme", "readme", |uri| async move {
///     Ok(vec![ResourceContents::text(uri, "# Read me")].into())
/// })
/// .mime_type("text/markdown");
/// assert_eq!(readme.uri, "docs://readme");
/// ```
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ResourceDef {
    /// Its URI.
    pub uri: String,
    /// Its size in bytes, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The rest of its list entry.
    #[serde(flatten)]
    pub info: ResourceInfo,
}

descriptor_builders!(ResourceDef, info.descriptor);

impl ResourceDef {
    /// A resource from its URI, name and an async function that reads it (given the URI).
    pub fn new<F, Fut>(uri: impl Into<String>, name: impl Into<String>, read: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ResourceError>> + Send + 'static,
    {
        Self {
            uri: uri.into(),
            size: None,
            info: ResourceInfo::new(name.into(), move |uri, _| read(uri)),
        }
    }

    /// Sets the size in bytes.
    pub fn size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    info_builders!();

    /// Reads the resource.
    pub fn read(&self) -> ResourceFuture {
        (self.info.reader)(self.uri.clone(), Arguments::default())
    }
}

impl From<Vec<super::ResourceContents>> for ReadResourceResult {
    fn from(contents: Vec<super::ResourceContents>) -> Self {
        Self { contents }
    }
}

/// A resource template: a URI with variables (`notes://{id}`), listed by
/// `resources/templates/list`; `resources/read` of a matching URI runs its function with the
/// variables as arguments.
///
/// ```
/// use mcp_runtime::resource::{ResourceContents, ResourceTemplateDef, UriTemplate};
///
/// let template = UriTemplate::parse("notes://{id}").unwrap();
/// let note = ResourceTemplateDef::new(template, "note", |uri, args| async move {
///     let id = args.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
///     Ok(vec![ResourceContents::text(uri, format!("note {id}"))].into())
/// });
/// assert!(note.matches("notes://7").is_some());
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceTemplateDef {
    /// Its URI template.
    pub uri_template: UriTemplate,
    /// The rest of its list entry.
    #[serde(flatten)]
    pub info: ResourceInfo,
    /// Completion functions of its variables.
    #[serde(skip)]
    pub(crate) completions: Vec<(String, Completer)>,
}

descriptor_builders!(ResourceTemplateDef, info.descriptor);

impl ResourceTemplateDef {
    /// A template from its URI template, name and an async function that reads a matching
    /// URI (given the URI and the variables' values, as strings).
    pub fn new<F, Fut>(uri_template: UriTemplate, name: impl Into<String>, read: F) -> Self
    where
        F: Fn(String, Arguments) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ResourceError>> + Send + 'static,
    {
        Self {
            uri_template,
            info: ResourceInfo::new(name.into(), read),
            completions: Vec::new(),
        }
    }

    info_builders!();

    /// Completes the variable `name` with `function` (`completion/complete`).
    pub fn complete<F, Args>(mut self, name: impl Into<String>, function: F) -> Self
    where
        F: CompleteFn<Args>,
    {
        self.completions
            .push((name.into(), Completer::new(function)));
        self
    }

    /// The completion function of variable `name`.
    pub fn completer(&self, name: &str) -> Option<&Completer> {
        self.completions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }

    /// The variables' values if `uri` matches the template.
    pub fn matches(&self, uri: &str) -> Option<Arguments> {
        let values = self.uri_template.matches(uri)?;
        Some(Arguments::from_text(
            values
                .into_iter()
                .map(|(name, value)| (name, Value::String(value)))
                .collect(),
        ))
    }

    /// Reads `uri` if it matches the template.
    pub fn read(&self, uri: &str) -> Option<ResourceFuture> {
        let arguments = self.matches(uri)?;
        Some((self.info.reader)(uri.to_owned(), arguments))
    }
}
