//! A handle to a running server: what a program (or a tool, through its context) changes
//! while the server serves.

use std::sync::Arc;

use super::Engine;
use super::bus;
use super::features;
use super::lists::{ListEdit, ListKind};
use crate::context::CallContext;
use crate::prompt::PromptDef;
use crate::resource::{ResourceDef, ResourceTemplateDef};
use crate::tool::ToolDef;

/// A handle to a running server: change its tools while it serves.
///
/// Every change sends `notifications/tools/list_changed` to every session (on its `GET`
/// stream, or kept for it until the client opens or resumes one).
#[derive(Clone)]
pub struct ServerHandle {
    pub(super) engine: Arc<Engine>,
}

impl ServerHandle {
    pub(crate) fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }

    /// Begins a graceful shutdown: `GET` streams and subscriptions end (they would keep
    /// connections open for ever), calls in flight run to their end. [`Server::serve`](crate::Server::serve) does
    /// this on Ctrl-C; call it from your own shutdown signal when you serve
    /// [`Server::router`](crate::Server::router) yourself with `axum::serve(..).with_graceful_shutdown(..)`.
    pub fn shutdown(&self) {
        self.engine.begin_shutdown();
    }

    /// Adds a tool (replacing one with the same name). With the Redis store every replica
    /// adds it too (by name, from its own catalog: every `#[tool]` in the binary and every
    /// tool it was given), and so does a replica started later.
    pub fn add_tool(&self, tool: ToolDef) {
        self.engine.catalog.tool(&tool);
        self.share(ListKind::Tools, &tool.name, true);
        let change = self.engine.tools().update(|tools| {
            tools.retain(|t| t.name != tool.name);
            tools.push(tool);
        });
        self.engine.announce(change);
    }

    /// Removes a tool; `false` if there was none by that name.
    pub fn remove_tool(&self, name: &str) -> bool {
        let mut removed = false;
        let change = self.engine.tools().update(|tools| {
            let before = tools.len();
            tools.retain(|t| t.name != name);
            removed = tools.len() != before;
        });
        if removed {
            self.share(ListKind::Tools, name, false);
            self.engine.announce(change);
        }
        removed
    }

    /// Tells the clients subscribed to the resource `uri` that it changed
    /// (`notifications/resources/updated`: on their `GET` stream in the handshake era, on
    /// `subscriptions/listen` streams that name it in 2026-07-28).
    ///
    /// ```
    /// use mcp_runtime::{Context, tool};
    ///
    /// /// Save the note and tell whoever watches it.
    /// #[tool]
    /// async fn save_note(ctx: Context, id: String, text: String) -> String {
    ///     let _ = text; // … store it …
    ///     if let Some(server) = ctx.server() {
    ///         server.resource_updated(format!("notes://{id}"));
    ///     }
    ///     "saved".into()
    /// }
    /// ```
    pub fn resource_updated(&self, uri: impl Into<String>) {
        self.engine
            .announce(bus::Change::ResourceUpdated(uri.into()));
    }

    /// Adds a resource (replacing one with the same URI) and tells clients the list
    /// changed; `false` (nothing done) on a server built without resources or templates,
    /// whose capabilities did not offer them.
    pub fn add_resource(&self, resource: ResourceDef) -> bool {
        self.engine.catalog.resource(&resource);
        let uri = resource.uri.clone();
        self.change::<features::resources::Resources>(|resources| {
            resources.update(|all| {
                all.retain(|r| r.uri != resource.uri);
                all.push(resource);
            })
        }) && self.share(ListKind::Resources, &uri, true)
    }

    /// Removes the resource with this URI; `false` if there was none.
    pub fn remove_resource(&self, uri: &str) -> bool {
        let mut removed = false;
        self.change::<features::resources::Resources>(|resources| {
            resources.update(|all| {
                let before = all.len();
                all.retain(|r| r.uri != uri);
                removed = all.len() != before;
            })
        }) && removed
            && self.share(ListKind::Resources, uri, false)
    }

    /// Adds a resource template (replacing one with the same name); `false` on a server
    /// built without resources or templates.
    pub fn add_resource_template(&self, template: ResourceTemplateDef) -> bool {
        self.change::<features::resources::Resources>(|resources| {
            resources.update_templates(|all| {
                all.retain(|t| t.info.name != template.info.name);
                all.push(template);
            })
        })
    }

    /// Adds a prompt (replacing one with the same name) and tells clients the list
    /// changed; `false` on a server built without prompts.
    pub fn add_prompt(&self, prompt: PromptDef) -> bool {
        self.engine.catalog.prompt(&prompt);
        let name = prompt.name.clone();
        self.change::<features::prompts::Prompts>(|prompts| {
            prompts.update(|all| {
                all.retain(|p| p.name != prompt.name);
                all.push(prompt);
            })
        }) && self.share(ListKind::Prompts, &name, true)
    }

    /// Removes the prompt with this name; `false` if there was none.
    pub fn remove_prompt(&self, name: &str) -> bool {
        let mut removed = false;
        self.change::<features::prompts::Prompts>(|prompts| {
            prompts.update(|all| {
                let before = all.len();
                all.retain(|p| p.name != name);
                removed = all.len() != before;
            })
        }) && removed
            && self.share(ListKind::Prompts, name, false)
    }

    /// Shares a list edit with the other replicas (see `lists`); `true`, for chaining.
    fn share(&self, kind: ListKind, name: &str, present: bool) -> bool {
        self.engine.store.share_list_edit(ListEdit {
            kind,
            name: name.to_owned(),
            present,
        });
        true
    }

    /// Applies a change to feature `F` and announces it; `false` if the server lacks `F`.
    fn change<F: features::Feature>(&self, apply: impl FnOnce(&F) -> bus::Change) -> bool {
        match self.engine.feature::<F>() {
            Some(feature) => {
                let change = apply(feature);
                self.engine.announce(change);
                true
            }
            None => false,
        }
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.engine.store.len()
    }

    /// Ends sessions that have been idle too long now, instead of at the next background
    /// sweep.
    pub fn expire_idle_sessions(&self) {
        self.engine.store.sweep();
    }
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("tools", &self.engine.tools().len())
            .finish()
    }
}

// Here, not in `context`: the context sits below the engine and carries it without naming it.
impl CallContext {
    /// The running server, to change what it serves from inside a tool (add or remove
    /// tools; clients are told the list changed). `None` only while the server is going away.
    ///
    /// ```
    /// use mcp_runtime::{Context, tool};
    ///
    /// /// A tool that only exists until it is first used.
    /// #[tool]
    /// async fn once(ctx: Context) -> &'static str {
    ///     if let Some(server) = ctx.server() {
    ///         server.remove_tool("once");
    ///     }
    ///     "gone now"
    /// }
    /// ```
    pub fn server(&self) -> Option<ServerHandle> {
        let engine = self.engine()?.downcast::<Engine>().ok()?;
        Some(ServerHandle::new(engine))
    }
}
