//! The builder and handle calls of the extensions a server may serve: skills
//! (`io.modelcontextprotocol/skills`) and MCP Apps (`io.modelcontextprotocol/ui`).

use std::path::PathBuf;

use super::features::resources::Resources;
use super::features::skills::{self, Skills};
use super::{Server, ServerError, ServerHandle};
use crate::app::App;
use crate::skill::Skill;

impl Server {
    /// Serves a skill defined in code (see [`Skill`]). A skill whose URI another one has, or
    /// that breaks the spec's rules, is a start-up error.
    pub fn skill(mut self, skill: Skill) -> Self {
        let check = skill
            .validate()
            .map_err(|e| ServerError::Skill(e.to_string()))
            .and_then(|()| unique_skill(&self.surface.skills, &skill));
        if self.record(check) {
            self.surface.skills.push(skill);
        }
        self
    }

    /// Serves every skill under `dir`: each directory holding a `SKILL.md` is a skill, named
    /// by its front matter (which must match the directory's name), with every file below
    /// it; `dir/acme/refunds/SKILL.md` is `skill://acme/refunds/SKILL.md`. The directory is
    /// read once, when the server starts; a mistake in it is a start-up error. The same as
    /// the setting `skills_dir` (`MCP_SKILLS_DIR`).
    ///
    /// Every replica that reads the same directory serves the same skills, with the same
    /// digests: skills keep nothing in the session store.
    pub fn skills_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.skills_dir = Some(dir.into());
        self
    }

    /// Serves an MCP Apps view: `html` as the `ui://` resource `uri`, of MIME type
    /// `text/html;profile=mcp-app`. Link tools to it with [`ToolDef::ui`](crate::ToolDef::ui).
    /// For CSP domains, permissions or a border preference, build an [`App`] and use
    /// [`app_resource`](Self::app_resource).
    pub fn app(self, uri: impl Into<String>, html: impl Into<String>) -> Self {
        self.app_resource(App::new(uri, html))
    }

    /// Serves an MCP Apps view with its settings (see [`App`]).
    pub fn app_resource(self, app: App) -> Self {
        self.resource(app.into_resource())
    }

    /// Reads the skills directory of the settings, once.
    pub(super) fn load_skills_dir(&mut self) -> Result<(), ServerError> {
        let Some(dir) = self.settings.skills_dir.clone() else {
            return Ok(());
        };
        if self.surface.skills_dir_loaded.as_ref() == Some(&dir) {
            return Ok(());
        }
        let loaded = crate::skill::load_dir(&dir).map_err(|e| ServerError::Skill(e.to_string()))?;
        for skill in loaded {
            unique_skill(&self.surface.skills, &skill)?;
            self.surface.skills.push(skill);
        }
        self.surface.skills_dir_loaded = Some(dir);
        Ok(())
    }
}

fn unique_skill(skills: &[Skill], skill: &Skill) -> Result<(), ServerError> {
    let uri = skill.uri();
    if skills.iter().any(|s| s.uri() == uri) {
        return Err(ServerError::Skill(format!(
            "two skills are both served at {uri}: skill URIs must be unique"
        )));
    }
    Ok(())
}

impl ServerHandle {
    /// Adds a skill (replacing one with the same URI) and announces the change of the
    /// resource list (its files are resources); `false` (nothing done) on a server built
    /// without skills, or when the skill breaks the spec's rules.
    ///
    /// Like every change through a handle, it applies to this process only: with replicas,
    /// make the same change on each (or serve a skills directory they share).
    pub fn add_skill(&self, skill: Skill) -> bool {
        if skill.validate().is_err() {
            return false;
        }
        let uri = skill.uri();
        self.change_skills(|all| {
            all.retain(|s| s.uri() != uri);
            all.push(skill);
        })
    }

    /// Removes the skill whose `SKILL.md` is at `uri`; `false` if there was none.
    pub fn remove_skill(&self, uri: &str) -> bool {
        let Some(feature) = self.engine.feature::<Skills>() else {
            return false;
        };
        if !feature.skills().iter().any(|s| s.uri() == uri) {
            return false;
        }
        self.change_skills(|all| all.retain(|s| s.uri() != uri))
    }

    fn change_skills(&self, change: impl FnOnce(&mut Vec<Skill>)) -> bool {
        let (Some(feature), Some(resources)) = (
            self.engine.feature::<Skills>(),
            self.engine.feature::<Resources>(),
        ) else {
            return false;
        };
        let before = feature.skills();
        feature.update(change);
        let (old_listed, old_unlisted) = skills::resource_defs(&before);
        let (listed, unlisted) = skills::resource_defs(&feature.skills());
        let announce = resources.update(|all| {
            all.retain(|r| !old_listed.iter().any(|o| o.uri == r.uri));
            all.extend(listed);
        });
        resources.update_unlisted(|all| {
            all.retain(|r| !old_unlisted.iter().any(|o| o.uri == r.uri));
            all.extend(unlisted);
        });
        self.engine.announce(announce);
        true
    }
}
