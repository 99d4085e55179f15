//! The rest of the server surface besides tools: resources, resource templates, prompts and
//! their completions, as the builder collected them, turned into features.

use std::sync::Arc;

use super::Feature;
use super::completion::Completions;
use super::prompts::Prompts;
use super::resources::Resources;
use super::skills;
use super::tools::CacheHints;
use crate::prompt::PromptDef;
use crate::resource::{ResourceDef, ResourceTemplateDef};

/// What a server serves besides tools.
#[derive(Debug, Clone, Default)]
pub(crate) struct Surface {
    pub(crate) resources: Vec<ResourceDef>,
    pub(crate) templates: Vec<ResourceTemplateDef>,
    pub(crate) prompts: Vec<PromptDef>,
    /// Skills (extension `io.modelcontextprotocol/skills`); their files are resources.
    pub(crate) skills: Vec<crate::skill::Skill>,
    /// The skills directory whose skills are in `skills` (so it is read once).
    pub(crate) skills_dir_loaded: Option<std::path::PathBuf>,
}

impl Surface {
    /// Everything served, as the list methods show it: `tools`, `resources`,
    /// `resourceTemplates` and `prompts` (the empty ones left out).
    pub(crate) fn listing(&self, tools: &[crate::tool::ToolDef]) -> serde_json::Value {
        let mut all = serde_json::Map::new();
        let mut put = |key: &str, value: serde_json::Result<serde_json::Value>, empty: bool| {
            if let (false, Ok(value)) = (empty, value) {
                all.insert(key.to_owned(), value);
            }
        };
        put("tools", serde_json::to_value(tools), false);
        put(
            "resources",
            serde_json::to_value(&self.resources),
            self.resources.is_empty(),
        );
        put(
            "resourceTemplates",
            serde_json::to_value(&self.templates),
            self.templates.is_empty(),
        );
        put(
            "prompts",
            serde_json::to_value(&self.prompts),
            self.prompts.is_empty(),
        );
        let skills: Vec<_> = self.skills.iter().map(crate::skill::Skill::entry).collect();
        put("skills", serde_json::to_value(&skills), skills.is_empty());
        serde_json::Value::Object(all)
    }

    /// The features for what is there: a server without prompts has no prompts feature
    /// (and declares no `prompts` capability).
    pub(crate) fn into_features(
        mut self,
        tools: &[crate::tool::ToolDef],
        page_size: usize,
        hints: CacheHints,
    ) -> Vec<Arc<dyn Feature>> {
        let mut parts: Vec<Arc<dyn Feature>> = Vec::new();
        if crate::app::used(tools, &self.resources, &self.templates) {
            parts.push(Arc::new(super::apps::Apps));
        }
        let mut unlisted = Vec::new();
        if !self.skills.is_empty() {
            let (listed, hidden) = skills::resource_defs(&self.skills);
            self.resources.extend(listed);
            unlisted = hidden;
            parts.push(Arc::new(skills::Skills::new(
                std::mem::take(&mut self.skills),
                page_size,
                hints,
            )));
        }
        if let Some(completions) = Completions::new(&self.templates, &self.prompts) {
            parts.push(Arc::new(completions));
        }
        if !self.resources.is_empty() || !self.templates.is_empty() {
            let resources = Resources::new(self.resources, self.templates, page_size, hints);
            resources.update_unlisted(|all| *all = unlisted);
            parts.push(Arc::new(resources));
        }
        if !self.prompts.is_empty() {
            parts.push(Arc::new(Prompts::new(self.prompts, page_size, hints)));
        }
        parts
    }
}
