//! Completion: `completion/complete` for resource template variables and prompt
//! arguments that have a completion function (`#[arg(complete = f)]`), and the
//! `completions` capability. Present only on servers with a completion function.

use std::any::Any;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use futures_util::future::BoxFuture;

use super::{Eras, Feature, Handled, Method, Request, now, scoped};
use crate::completion::{Completer, Completion, CompletionArguments};
use crate::prompt::PromptDef;
use crate::protocol::RpcError;
use crate::protocol::methods::COMPLETION_COMPLETE;
use crate::resource::ResourceTemplateDef;

/// What a completion refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    Prompt(String),
    Template(String),
}

/// The completion feature: every completion function, by what it completes.
pub(crate) struct Completions {
    completers: HashMap<(Target, String), Completer>,
    /// What exists, so an unknown reference is told apart from one without completion.
    known: Vec<Target>,
}

impl Completions {
    /// `None` when nothing has a completion function (the feature is then left out).
    pub(crate) fn new(templates: &[ResourceTemplateDef], prompts: &[PromptDef]) -> Option<Self> {
        let mut completers = HashMap::new();
        let mut known = Vec::new();
        for template in templates {
            let target = Target::Template(template.uri_template.as_str().to_owned());
            for (name, completer) in &template.completions {
                completers.insert((target.clone(), name.clone()), completer.clone());
            }
            known.push(target);
        }
        for prompt in prompts {
            let target = Target::Prompt(prompt.name.clone());
            for (name, completer) in &prompt.completions {
                completers.insert((target.clone(), name.clone()), completer.clone());
            }
            known.push(target);
        }
        (!completers.is_empty()).then_some(Self { completers, known })
    }

    fn complete(&self, request: Request<'_>) -> Handled {
        let params = match request.params::<CompleteParams>() {
            Ok(params) => params,
            Err(e) => return Handled::error(e),
        };
        let target = match params.reference {
            Reference::Prompt { name } => Target::Prompt(name),
            Reference::Resource { uri } => Target::Template(uri),
        };
        if !self.known.contains(&target) {
            return Handled::error(RpcError::invalid_params(match &target {
                Target::Prompt(name) => format!("unknown prompt `{name}`"),
                Target::Template(uri) => format!("no resource template `{uri}`"),
            }));
        }
        let argument = params.argument;
        let Some(completer) = self
            .completers
            .get(&(target.clone(), argument.name.clone()))
            .cloned()
        else {
            // Nothing to suggest for this argument: an empty completion, not an error.
            return request.reply(&json!({"completion": Completion::capped(Vec::new())}));
        };
        let given = params.context.map(|c| c.arguments).unwrap_or_default();
        let name = match &target {
            Target::Prompt(name) | Target::Template(name) => name.clone(),
        };
        scoped::respond(request, name, None, None, move || async move {
            // The function's parameters are taken when it is called: inside the scope.
            let completing = async move { completer.complete(argument.value).await };
            let values = CompletionArguments::scope(given, completing)
                .await
                .map_err(|why| scoped::internal(format!("completion failed: {why}")))?;
            Ok(json!({"completion": Completion::capped(values)}))
        })
    }
}

#[derive(Deserialize)]
struct CompleteParams {
    #[serde(rename = "ref")]
    reference: Reference,
    argument: ArgumentParam,
    #[serde(default)]
    context: Option<ContextParam>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Reference {
    #[serde(rename = "ref/prompt")]
    Prompt { name: String },
    #[serde(rename = "ref/resource")]
    Resource { uri: String },
}

#[derive(Deserialize)]
struct ArgumentParam {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct ContextParam {
    #[serde(default)]
    arguments: HashMap<String, String>,
}

impl Feature for Completions {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        capabilities.insert("completions".into(), json!({}));
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[Method::new(COMPLETION_COMPLETE, Eras::Both)];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        now(self.complete(request))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
