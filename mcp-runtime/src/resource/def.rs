//! The definitions of resources and resource templates: what `resources/list` and
//! `resources/templates/list` show, and the function `resources/read` runs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{ReadResourceResult, ResourceError, UriTemplate};
use crate::completion::{CompleteFn, Completer};
use crate::tool::{Arguments, DefinedAt, Icon, StateRequirement};

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
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceInfo {
    /// Its name (unique among resources; the function's name by default).
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The MIME type of its contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Hints for clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Icons clients may show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Icon>,
    /// Extra metadata (`_meta`).
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
    /// Where it is defined (`#[resource]` fills it in).
    #[serde(skip)]
    pub defined_at: Option<DefinedAt>,
    /// OAuth scopes a caller's token must carry to read it (enforced by the server's
    /// authorization; see [`scopes`](ResourceDef::scopes)).
    #[serde(skip)]
    pub required_scopes: Vec<String>,
    #[serde(skip)]
    pub(crate) required_states: Vec<StateRequirement>,
    #[serde(skip)]
    reader: Reader,
}

impl ResourceInfo {
    fn new<F, Fut>(name: String, read: F) -> Self
    where
        F: Fn(String, Arguments) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ResourceError>> + Send + 'static,
    {
        Self {
            name,
            title: None,
            description: None,
            mime_type: None,
            annotations: None,
            icons: Vec::new(),
            meta: None,
            defined_at: None,
            required_scopes: Vec::new(),
            required_states: Vec::new(),
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

/// The builder methods both definitions share.
macro_rules! info_builders {
    () => {
        /// Sets the display title.
        pub fn title(mut self, title: impl Into<String>) -> Self {
            self.info.title = Some(title.into());
            self
        }

        /// Sets the description.
        pub fn description(mut self, description: impl Into<String>) -> Self {
            self.info.description = Some(description.into());
            self
        }

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

        /// Adds an icon.
        pub fn icon(mut self, icon: Icon) -> Self {
            self.info.icons.push(icon);
            self
        }

        /// OAuth scopes a caller's token must carry to read it; without them the server's
        /// authorization answers 403 `insufficient_scope`.
        pub fn scopes<I, S>(mut self, scopes: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.info.required_scopes = scopes.into_iter().map(Into::into).collect();
            self
        }

        /// Sets `_meta`.
        pub fn meta(mut self, meta: Map<String, Value>) -> Self {
            self.info.meta = Some(meta);
            self
        }

        /// Records where it is defined (the macro does this), for start-up errors.
        pub fn defined_at(mut self, module_path: &'static str, function: &'static str) -> Self {
            self.info.defined_at = Some(DefinedAt {
                module_path,
                function,
            });
            self
        }

        /// Records that reading takes `State<T>`, so a server without it fails at start-up.
        #[doc(hidden)]
        pub fn requires_state(mut self, requirement: StateRequirement) -> Self {
            self.info.required_states.push(requirement);
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
