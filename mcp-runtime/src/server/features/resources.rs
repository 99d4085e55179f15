//! Resources: `resources/list`, `resources/templates/list` and `resources/read` in both
//! eras, `resources/subscribe` and `resources/unsubscribe` in the handshake era (2026-07-28
//! subscribes through `subscriptions/listen`), the `resources` capability, and changes of
//! the set at run time. Present only on servers that have resources.

use std::any::Any;
use std::sync::Arc;

use arc_swap::ArcSwap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::tools::CacheHints;
use futures_util::future::BoxFuture;

use super::{Eras, Feature, Handled, Method, Request, listing, now, scoped};
use crate::protocol::RpcError;
use crate::protocol::methods::{
    RESOURCES_LIST, RESOURCES_READ, RESOURCES_SUBSCRIBE, RESOURCES_TEMPLATES_LIST,
    RESOURCES_UNSUBSCRIBE,
};
use crate::protocol::{ErrorCode, RpcError as Error};
use crate::resource::{ResourceDef, ResourceError, ResourceFuture, ResourceTemplateDef};
use crate::server::bus::Change;

/// The resources feature.
pub(crate) struct Resources {
    resources: ArcSwap<Vec<ResourceDef>>,
    templates: ArcSwap<Vec<ResourceTemplateDef>>,
    /// Readable but left out of `resources/list` (a skill's supporting files).
    unlisted: ArcSwap<Vec<ResourceDef>>,
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
            resources: ArcSwap::from_pointee(resources),
            templates: ArcSwap::from_pointee(templates),
            unlisted: ArcSwap::default(),
            page_size,
            hints,
        }
    }

    /// The fixed resources served.
    pub(crate) fn defs(&self) -> Vec<ResourceDef> {
        self.resources.load().as_ref().clone()
    }

    /// Whether a fixed resource with this URI is served.
    pub(crate) fn contains(&self, uri: &str) -> bool {
        self.resources.load().iter().any(|r| r.uri == uri)
    }

    /// Applies `change` to the fixed resources; the caller announces it.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Vec<ResourceDef>)) -> Change {
        let mut resources = self.resources.load().as_ref().clone();
        change(&mut resources);
        self.resources.store(Arc::new(resources));
        Change::ResourcesListChanged
    }

    /// Applies `change` to the resources that are readable but not listed; the caller
    /// announces it.
    pub(crate) fn update_unlisted(&self, change: impl FnOnce(&mut Vec<ResourceDef>)) {
        let mut unlisted = self.unlisted.load().as_ref().clone();
        change(&mut unlisted);
        self.unlisted.store(Arc::new(unlisted));
    }

    /// Applies `change` to the templates; the caller announces it.
    pub(crate) fn update_templates(
        &self,
        change: impl FnOnce(&mut Vec<ResourceTemplateDef>),
    ) -> Change {
        let mut templates = self.templates.load().as_ref().clone();
        change(&mut templates);
        self.templates.store(Arc::new(templates));
        Change::ResourcesListChanged
    }

    /// `resources/subscribe` and `resources/unsubscribe`: any URI may be watched, one
    /// that exists only later included.
    async fn subscribe(&self, request: Request<'_>, on: bool) -> Handled {
        #[derive(Deserialize)]
        struct SubscribeParams {
            uri: String,
        }
        let uri = match request.params::<SubscribeParams>() {
            Ok(params) => params.uri,
            Err(e) => return Handled::error(e),
        };
        let Some(session) = request.session() else {
            return Handled::error(Error::invalid_request("subscriptions belong to a session"));
        };
        match session.subscribe_resource(&uri, on).await {
            Ok(()) => request.reply(&json!({})),
            Err(e) => Handled::error(Error::new(ErrorCode::INTERNAL_ERROR, e.to_string())),
        }
    }

    /// The read of `uri`: a fixed resource with that URI, else the first template it
    /// matches.
    fn reader(&self, uri: &str) -> Option<(String, Vec<String>, ResourceFuture)> {
        let fixed = self.resources.load();
        let unlisted = self.unlisted.load();
        if let Some(resource) = fixed.iter().chain(unlisted.iter()).find(|r| r.uri == uri) {
            let info = &resource.info;
            return Some((
                info.name.clone(),
                info.required_scopes.clone(),
                resource.read(),
            ));
        }
        self.templates.load().iter().find_map(|t| {
            let read = t.read(uri)?;
            Some((t.info.name.clone(), t.info.required_scopes.clone(), read))
        })
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
        let Some((name, scopes, read)) = self.reader(&uri) else {
            return Handled::error(scoped::resource_not_found(&uri));
        };
        // Auth: the token must grant every scope the resource requires (403 otherwise).
        // Inline, not in a `let`: a `format_args!` kept in a variable needs Rust 1.89 (MSRV).
        let refused = super::scopes::check(
            request.identity(),
            &format_args!("resource `{uri}`"),
            &scopes,
        );
        if let Some(refusal) = refused {
            return Handled::Refused(refusal);
        }
        // What a read returns may depend on who asks (state, identity): private to them.
        let hints = CacheHints {
            cache_scope: "private",
            ..self.hints
        };
        scoped::respond(request, name, Some(hints), None, move || async move {
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
        capabilities.insert(
            "resources".into(),
            json!({"subscribe": true, "listChanged": true}),
        );
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[
            Method::new(RESOURCES_LIST, Eras::Both),
            Method::new(RESOURCES_TEMPLATES_LIST, Eras::Both),
            Method::new(RESOURCES_READ, Eras::Both),
            Method::new(RESOURCES_SUBSCRIBE, Eras::Handshake),
            Method::new(RESOURCES_UNSUBSCRIBE, Eras::Handshake),
        ];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        match request.method {
            RESOURCES_SUBSCRIBE => Box::pin(self.subscribe(request, true)),
            RESOURCES_UNSUBSCRIBE => Box::pin(self.subscribe(request, false)),
            RESOURCES_LIST => now(listing::list(
                &request,
                "resources",
                &self.resources.load(),
                self.page_size,
                self.hints,
            )),
            RESOURCES_TEMPLATES_LIST => now(listing::list(
                &request,
                "resourceTemplates",
                &self.templates.load(),
                self.page_size,
                self.hints,
            )),
            _ => now(self.read(request)),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
