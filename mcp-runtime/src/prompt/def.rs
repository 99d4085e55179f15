//! The definition of one prompt: what `prompts/list` shows and the function `prompts/get`
//! runs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::{GetPromptResult, PromptError};
use crate::completion::{CompleteFn, Completer};
use crate::tool::descriptor::descriptor_builders;
use crate::tool::{Arguments, Descriptor, Icon};

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
#[derive(Clone)]
#[non_exhaustive]
pub struct PromptDef {
    /// Name, title, description, icons, `_meta`, required scopes: what every definition has
    /// (also reachable as `def.name`, …).
    pub descriptor: Descriptor,
    /// Its arguments.
    pub arguments: Vec<PromptArgument>,
    pub(crate) completions: Vec<(String, Completer)>,
    handler: Handler,
}

descriptor_builders!(PromptDef, descriptor);

/// The `prompts/list` entry, in the spec's field order.
impl Serialize for PromptDef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            title: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<&'a str>,
            #[serde(skip_serializing_if = "<[PromptArgument]>::is_empty")]
            arguments: &'a [PromptArgument],
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
            arguments: &self.arguments,
            icons: &d.icons,
            meta: d.meta.as_ref(),
        }
        .serialize(serializer)
    }
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
            descriptor: Descriptor::new(name),
            arguments: Vec::new(),
            completions: Vec::new(),
            handler: Arc::new(move |args| Box::pin(handler(args))),
        }
    }

    /// Adds an argument.
    pub fn argument(mut self, argument: PromptArgument) -> Self {
        self.arguments.push(argument);
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
