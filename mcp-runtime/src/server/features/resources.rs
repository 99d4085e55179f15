//! Resources: `resources/list`, `resources/templates/list` and `resources/read` in both
//! eras, and the `resources` capability. Present only on servers that have resources.

use std::any::Any;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::tools::CacheHints;
use futures_util::future::BoxFuture;

use super::{Eras, Feature, Handled, Method, Request, listing, now, scoped};
use crate::protocol::RpcError;
use crate::protocol::methods::{RESOURCES_LIST, RESOURCES_READ, RESOURCES_TEMPLATES_LIST};
use crate::resource::{ResourceDef, ResourceError, ResourceFuture, ResourceTemplateDef};

/// The resources feature.
pub(crate) struct Resources {
    resources: Arc<[ResourceDef]>,
    templates: Arc<[ResourceTemplateDef]>,
    page_size: usize,
    hints: CacheHints,
}

impl Resources {
    pub(crate) fn new(
        resources: Vec<ResourceDef>,
        templates: Vec<ResourceTemplateDef>,
        page_size: usize,
        hints: CacheHints,
    ) -> Self {
        Self {
            resources: resources.into(),
            templates: templates.into(),
            page_size,
            hints,
        }
    }

    /// The read of `uri`: a fixed resource with that URI, else the first template it
    /// matches.
    fn reader(&self, uri: &str) -> Option<(String, ResourceFuture)> {
        if let Some(resource) = self.resources.iter().find(|r| r.uri == uri) {
            return Some((resource.info.name.clone(), resource.read()));
        }
        self.templates
            .iter()
            .find_map(|t| Some((t.info.name.clone(), t.read(uri)?)))
    }

    fn read(&self, request: Request<'_>) -> Handled {
        #[derive(Deserialize)]
        struct ReadParams {
            uri: String,
        }
        let uri = match request.params::<ReadParams>() {
            Ok(params) => params.uri,
            Err(e) => return Handled::error(e),
        };
        let Some((name, read)) = self.reader(&uri) else {
            return Handled::error(scoped::resource_not_found(&uri));
        };
        // What a read returns may depend on who asks (state, identity): private to them.
        let hints = CacheHints {
            cache_scope: "private",
            ..self.hints
        };
        scoped::respond(request, name, Some(hints), move || async move {
            read.await.map_err(rpc_error)
        })
    }
}

/// A failed read as the JSON-RPC error the client gets.
fn rpc_error(error: ResourceError) -> RpcError {
    match error {
        ResourceError::NotFound { uri } => scoped::resource_not_found(&uri),
        ResourceError::InvalidUri { uri, reason } => {
            RpcError::invalid_params(format!("invalid resource URI {uri}: {reason}"))
                .with_data(json!({"uri": uri}))
        }
        other => scoped::internal(format!("reading the resource failed: {other}")),
    }
}

impl Feature for Resources {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        // No `subscribe` and no `listChanged` yet: the set is fixed at start-up.
        capabilities.insert("resources".into(), json!({}));
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[
            Method::new(RESOURCES_LIST, Eras::Both),
            Method::new(RESOURCES_TEMPLATES_LIST, Eras::Both),
            Method::new(RESOURCES_READ, Eras::Both),
        ];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        now(match request.method {
            RESOURCES_LIST => listing::list(
                &request,
                "resources",
                &self.resources,
                self.page_size,
                self.hints,
            ),
            RESOURCES_TEMPLATES_LIST => listing::list(
                &request,
                "resourceTemplates",
                &self.templates,
                self.page_size,
                self.hints,
            ),
            _ => self.read(request),
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
