//! Prompts: `prompts/list` and `prompts/get` in both eras, and the `prompts` capability.
//! Present only on servers that have prompts.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::scopes;
use super::tools::CacheHints;
use futures_util::future::BoxFuture;

use super::{Eras, Feature, Handled, Method, Request, listing, now, scoped};
use crate::prompt::{PromptDef, PromptError};
use crate::protocol::RpcError;
use crate::protocol::methods::{PROMPTS_GET, PROMPTS_LIST};
use crate::server::bus::Change;

/// The prompts feature.
pub(crate) struct Prompts {
    prompts: ArcSwap<Vec<PromptDef>>,
    page_size: usize,
    hints: CacheHints,
}

impl Prompts {
    pub(crate) fn new(prompts: Vec<PromptDef>, page_size: usize, hints: CacheHints) -> Self {
        Self {
            prompts: ArcSwap::from_pointee(prompts),
            page_size,
            hints,
        }
    }

    /// The prompts served.
    pub(crate) fn defs(&self) -> Vec<PromptDef> {
        self.prompts.load().as_ref().clone()
    }

    /// Whether a prompt by this name is served.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.prompts.load().iter().any(|p| p.name == name)
    }

    /// Applies `change` to the prompts; the caller announces it.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Vec<PromptDef>)) -> Change {
        let mut prompts = self.prompts.load().as_ref().clone();
        change(&mut prompts);
        self.prompts.store(Arc::new(prompts));
        Change::PromptsListChanged
    }

    fn get(&self, request: Request<'_>) -> Handled {
        #[derive(Deserialize)]
        struct GetParams {
            name: String,
            #[serde(default)]
            arguments: Option<HashMap<String, String>>,
        }
        let params = match request.params::<GetParams>() {
            Ok(params) => params,
            Err(e) => return Handled::error(e),
        };
        let prompts = self.prompts.load();
        let Some(prompt) = prompts.iter().find(|p| p.name == params.name) else {
            return Handled::error(RpcError::invalid_params(format!(
                "unknown prompt `{}`",
                params.name
            )));
        };
        // Auth: the token must grant every scope the prompt requires (403 otherwise).
        // Inline, not in a `let`: a `format_args!` kept in a variable needs Rust 1.89 (MSRV).
        let refused = scopes::check(
            request.identity(),
            &format_args!("prompt `{}`", prompt.name),
            &prompt.required_scopes,
        );
        if let Some(refusal) = refused {
            return Handled::Refused(refusal);
        }
        let arguments: Map<String, Value> = params
            .arguments
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        if let Err(error) = prompt.check_arguments(&arguments) {
            return Handled::error(rpc_error(error));
        }
        let asking = scoped::Asking {
            method: PROMPTS_GET,
            arguments: &arguments,
        };
        let name = prompt.name.clone();
        let rendering = prompt.get(arguments.clone());
        scoped::respond(request, name, None, Some(asking), move || async move {
            rendering.await.map_err(rpc_error)
        })
    }
}

fn rpc_error(error: PromptError) -> RpcError {
    match error {
        PromptError::InvalidArguments(message) => RpcError::invalid_params(message),
        other => scoped::internal(format!("rendering the prompt failed: {other}")),
    }
}

impl Feature for Prompts {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        capabilities.insert("prompts".into(), json!({"listChanged": true}));
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[
            Method::new(PROMPTS_LIST, Eras::Both),
            Method::new(PROMPTS_GET, Eras::Both),
        ];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        now(match request.method {
            PROMPTS_LIST => listing::list(
                &request,
                "prompts",
                &self.prompts.load(),
                self.page_size,
                self.hints,
            ),
            _ => self.get(request),
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
