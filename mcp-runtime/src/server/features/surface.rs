//! The rest of the server surface besides tools: resources, resource templates, prompts and
//! their completions, as the builder collected them, turned into features.

use std::sync::Arc;

use super::Feature;
use super::completion::Completions;
use super::prompts::Prompts;
use super::resources::Resources;
use super::tools::CacheHints;
use crate::prompt::PromptDef;
use crate::resource::{ResourceDef, ResourceTemplateDef};

/// What a server serves besides tools.
#[derive(Debug, Clone, Default)]
pub(crate) struct Surface {
    pub(crate) resources: Vec<ResourceDef>,
    pub(crate) templates: Vec<ResourceTemplateDef>,
    pub(crate) prompts: Vec<PromptDef>,
}

impl Surface {
    /// The features for what is there: a server without prompts has no prompts feature
    /// (and declares no `prompts` capability).
    pub(crate) fn into_features(
        self,
        page_size: usize,
        hints: CacheHints,
    ) -> Vec<Arc<dyn Feature>> {
        let mut parts: Vec<Arc<dyn Feature>> = Vec::new();
        if let Some(completions) = Completions::new(&self.templates, &self.prompts) {
            parts.push(Arc::new(completions));
        }
        if !self.resources.is_empty() || !self.templates.is_empty() {
            parts.push(Arc::new(Resources::new(
                self.resources,
                self.templates,
                page_size,
                hints,
            )));
        }
        if !self.prompts.is_empty() {
            parts.push(Arc::new(Prompts::new(self.prompts, page_size, hints)));
        }
        parts
    }
}
