//! List edits shared between replicas: a tool, prompt or resource that
//! [`ServerHandle`](crate::ServerHandle) adds or removes on one replica is added or removed
//! on every replica, and a replica started later catches up.
//!
//! A definition holds its handler, which cannot cross processes, so what crosses is the
//! name (the URI for a resource) and whether it is now present; each replica finds the
//! definition in its catalog: every `#[tool]`, `#[prompt]` and `#[resource]` linked into
//! the binary, what the server was built with, and whatever was added here. (Replicas run
//! the same binary; a definition none of those name cannot be applied elsewhere, which is
//! logged.) Edits from other replicas are applied without a second announcement: the
//! replica that made the change announced it to every session already.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use super::Engine;
use super::features;
use crate::prompt::PromptDef;
use crate::resource::ResourceDef;
use crate::tool::ToolDef;

/// Which list an edit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ListKind {
    Tools,
    Prompts,
    Resources,
}

#[cfg_attr(
    not(feature = "redis"),
    allow(dead_code, reason = "the Redis store stores edits under these tags")
)]
impl ListKind {
    /// The one-letter tag edits are stored under.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Self::Tools => "t",
            Self::Prompts => "p",
            Self::Resources => "r",
        }
    }

    /// The kind a tag names.
    pub(crate) fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "t" => Some(Self::Tools),
            "p" => Some(Self::Prompts),
            "r" => Some(Self::Resources),
            _ => None,
        }
    }
}

/// One entry of a list, present or removed, as every replica should have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListEdit {
    pub(crate) kind: ListKind,
    /// The tool's or prompt's name, the resource's URI.
    pub(crate) name: String,
    pub(crate) present: bool,
}

/// The definitions this replica can apply by name.
#[derive(Default)]
pub(crate) struct Catalog {
    tools: Mutex<HashMap<String, ToolDef>>,
    prompts: Mutex<HashMap<String, PromptDef>>,
    resources: Mutex<HashMap<String, ResourceDef>>,
    seeded: std::sync::OnceLock<()>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Catalog {
    /// Remembers a tool given to this replica.
    pub(crate) fn tool(&self, def: &ToolDef) {
        lock(&self.tools).insert(def.name.clone(), def.clone());
    }

    /// Remembers a prompt given to this replica.
    pub(crate) fn prompt(&self, def: &PromptDef) {
        lock(&self.prompts).insert(def.name.clone(), def.clone());
    }

    /// Remembers a resource given to this replica.
    pub(crate) fn resource(&self, def: &ResourceDef) {
        lock(&self.resources).insert(def.uri.clone(), def.clone());
    }

    /// Seeds the catalog (once) with what the binary registers and the server serves.
    fn seed(&self, engine: &Engine) {
        self.seeded.get_or_init(|| {
            let mut tools = lock(&self.tools);
            for def in crate::tool::tools()
                .into_iter()
                .chain(engine.tools().defs())
            {
                tools.entry(def.name.clone()).or_insert(def);
            }
            let mut prompts = lock(&self.prompts);
            let served = engine
                .feature::<features::prompts::Prompts>()
                .map(features::prompts::Prompts::defs)
                .unwrap_or_default();
            for def in crate::prompt::prompts().into_iter().chain(served) {
                prompts.entry(def.name.clone()).or_insert(def);
            }
            let mut resources = lock(&self.resources);
            let served = engine
                .feature::<features::resources::Resources>()
                .map(features::resources::Resources::defs)
                .unwrap_or_default();
            for def in crate::resource::resources().into_iter().chain(served) {
                resources.entry(def.uri.clone()).or_insert(def);
            }
        });
    }
}

/// Applies other replicas' edits to this engine's lists as they come, until the engine
/// ends. Without a Tokio runtime, or with a store that has no other replicas, nothing.
pub(crate) fn follow(engine: &Arc<Engine>) {
    let Some(mut edits) = engine.store.list_edits() else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let engine: Weak<Engine> = Arc::downgrade(engine);
    runtime.spawn(async move {
        use futures_util::StreamExt as _;
        while let Some(table) = edits.next().await {
            let Some(engine) = engine.upgrade() else {
                return;
            };
            engine.catalog.seed(&engine);
            for edit in table {
                apply(&engine, &edit);
            }
        }
    });
}

/// Makes one entry of this replica's list as the edit says, if it is not so already.
fn apply(engine: &Engine, edit: &ListEdit) {
    let name = edit.name.as_str();
    match edit.kind {
        ListKind::Tools => {
            let tools = engine.tools();
            if tools.contains(name) == edit.present {
                return;
            }
            if !edit.present {
                tools.update(|all| all.retain(|t| t.name != name));
                return;
            }
            match lock(&engine.catalog.tools).get(name).cloned() {
                Some(def) => {
                    tools.update(|all| all.push(def));
                }
                None => unknown(edit),
            }
        }
        ListKind::Prompts => {
            let Some(prompts) = engine.feature::<features::prompts::Prompts>() else {
                return;
            };
            if prompts.contains(name) == edit.present {
                return;
            }
            if !edit.present {
                prompts.update(|all| all.retain(|p| p.name != name));
                return;
            }
            match lock(&engine.catalog.prompts).get(name).cloned() {
                Some(def) => {
                    prompts.update(|all| all.push(def));
                }
                None => unknown(edit),
            }
        }
        ListKind::Resources => {
            let Some(resources) = engine.feature::<features::resources::Resources>() else {
                return;
            };
            if resources.contains(name) == edit.present {
                return;
            }
            if !edit.present {
                resources.update(|all| all.retain(|r| r.uri != name));
                return;
            }
            match lock(&engine.catalog.resources).get(name).cloned() {
                Some(def) => {
                    resources.update(|all| all.push(def));
                }
                None => unknown(edit),
            }
        }
    }
}

fn unknown(edit: &ListEdit) {
    tracing::warn!(
        name = %edit.name,
        "another replica added a {:?} entry this binary does not know: the lists differ",
        edit.kind
    );
}
