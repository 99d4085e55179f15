//! The definition of one prompt: what `prompts/list` shows and the function `prompts/get`
//! runs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{GetPromptResult, PromptError};
use crate::completion::{CompleteFn, Completer};
use crate::tool::{Arguments, DefinedAt, Icon, StateRequirement};

/// The future a `prompts/get` runs.
pub type PromptFuture =
    Pin<Box<dyn Future<Output = Result<GetPromptResult, PromptError>> + Send + 'static>>;

type Handler = Arc<dyn Fn(Arguments) -> PromptFuture + Send + Sync>;

/// One argument of a prompt (prompt arguments are strings on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PromptArgument {
    /// Its name.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What to give.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether `prompts/get` must give it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
}

impl PromptArgument {
    /// An argument.
    pub fn new(name: impl Into<String>, description: Option<&str>, required: bool) -> Self {
        Self {
            name: name.into(),
            title: None,
            description: description.map(str::to_owned),
            required,
        }
    }
}

/// One prompt: its `prompts/list` entry and the function that renders it.
///
/// `#[prompt]` builds these (`my_prompt_prompt()` returns it); by hand:
///
/// ```
/// use mcp_runtime::prompt::{PromptArgument, PromptDef, PromptMessage};
///
/// let greet = PromptDef::new("greet", |args| async move {
///     let name = args.get("name").and_then(|v| v.as_str()).unwrap_or("you").to_owned();
///     Ok(vec![PromptMessage::user(format!("Say hello to {name}."))].into())
/// })
/// .argument(PromptArgument::new("name", Some("Who to greet."), true));
/// assert_eq!(greet.arguments[0].name, "name");
/// ```
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct PromptDef {
    /// Unique name.
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<PromptArgument>,
    /// Icons clients may show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Icon>,
    /// Extra metadata (`_meta`).
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
    /// Where it is defined (`#[prompt]` fills it in).
    #[serde(skip)]
    pub defined_at: Option<DefinedAt>,
    /// OAuth scopes a caller's token must carry to get it (enforced by the server's
    /// authorization; see [`scopes`](PromptDef::scopes)).
    #[serde(skip)]
    pub required_scopes: Vec<String>,
    #[serde(skip)]
    pub(crate) required_states: Vec<StateRequirement>,
    #[serde(skip)]
    pub(crate) completions: Vec<(String, Completer)>,
    #[serde(skip)]
    handler: Handler,
}

impl From<Vec<super::PromptMessage>> for GetPromptResult {
    fn from(messages: Vec<super::PromptMessage>) -> Self {
        Self {
            description: None,
            messages,
        }
    }
}

impl PromptDef {
    /// A prompt from a name and an async function of its arguments (strings).
    pub fn new<F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Arguments) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<GetPromptResult, PromptError>> + Send + 'static,
    {
        Self {
            name: name.into(),
            title: None,
            description: None,
            arguments: Vec::new(),
            icons: Vec::new(),
            meta: None,
            defined_at: None,
            required_scopes: Vec::new(),
            required_states: Vec::new(),
            completions: Vec::new(),
            handler: Arc::new(move |args| Box::pin(handler(args))),
        }
    }

    /// Sets the display title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds an argument.
    pub fn argument(mut self, argument: PromptArgument) -> Self {
        self.arguments.push(argument);
        self
    }

    /// Adds an icon.
    pub fn icon(mut self, icon: Icon) -> Self {
        self.icons.push(icon);
        self
    }

    /// OAuth scopes a caller's token must carry to get it; without them the server's
    /// authorization answers 403 `insufficient_scope`.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `_meta`.
    pub fn meta(mut self, meta: Map<String, Value>) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Completes the argument `name` with `function` (`completion/complete`).
    pub fn complete<F, Args>(mut self, name: impl Into<String>, function: F) -> Self
    where
        F: CompleteFn<Args>,
    {
        self.completions
            .push((name.into(), Completer::new(function)));
        self
    }

    /// The completion function of argument `name`.
    pub fn completer(&self, name: &str) -> Option<&Completer> {
        self.completions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }

    /// Records where it is defined (the macro does this), for start-up errors.
    pub fn defined_at(mut self, module_path: &'static str, function: &'static str) -> Self {
        self.defined_at = Some(DefinedAt {
            module_path,
            function,
        });
        self
    }

    /// Records that the prompt takes `State<T>`, so a server without it fails at start-up.
    #[doc(hidden)]
    pub fn requires_state(mut self, requirement: StateRequirement) -> Self {
        self.required_states.push(requirement);
        self
    }

    /// Whether `arguments` has every required argument; else an error naming the first
    /// missing one.
    pub fn check_arguments(&self, arguments: &Map<String, Value>) -> Result<(), PromptError> {
        match self
            .arguments
            .iter()
            .find(|a| a.required && !arguments.contains_key(&a.name))
        {
            Some(missing) => Err(PromptError::InvalidArguments(format!(
                "missing required argument `{}` of prompt `{}`",
                missing.name, self.name
            ))),
            None => Ok(()),
        }
    }

    /// Renders the prompt. A required argument that is missing is an error naming it
    /// (-32602), checked before the function runs.
    pub fn get(&self, arguments: Map<String, Value>) -> PromptFuture {
        if let Err(error) = self.check_arguments(&arguments) {
            return Box::pin(async move { Err(error) });
        }
        (self.handler)(Arguments::from_text(arguments))
    }
}

impl fmt::Debug for PromptDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptDef")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("description", &self.description)
            .field("arguments", &self.arguments)
            .field("defined_at", &self.defined_at)
            .finish_non_exhaustive()
    }
}
