//! Skills (extension `io.modelcontextprotocol/skills`, SEP-2640): `skills/list`,
//! `skills/get` and `resources/directory/read` in both eras, and the extension's entry in
//! the capabilities. The skills' files themselves are resources (see [`resource_defs`]), read
//! with `resources/read` like any other. Present only on servers that have skills.
//!
//! Everything here is the server's static data, the same on every replica that loads the
//! same skills: nothing lives in the session store, and a list cursor is a plain index.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::tools::CacheHints;
use super::{Eras, Feature, Handled, Method, Request, listing, now};
use crate::protocol::RpcError;
use crate::protocol::methods::{RESOURCES_DIRECTORY_READ, SKILLS_GET, SKILLS_LIST};
use crate::resource::{ResourceContents, ResourceDef};
use crate::skill::{EXTENSION, SKILL_MD, Skill, SkillFile};

/// The MIME type of a directory resource.
const DIRECTORY: &str = "inode/directory";

/// The skills feature.
pub(crate) struct Skills {
    catalog: ArcSwap<Catalog>,
    page_size: usize,
    hints: CacheHints,
}

/// The skills and their entries, built together.
struct Catalog {
    skills: Vec<Skill>,
    entries: Vec<crate::skill::SkillEntry>,
}

impl Catalog {
    fn new(skills: Vec<Skill>) -> Self {
        let entries = skills.iter().map(Skill::entry).collect();
        Self { skills, entries }
    }
}

impl Skills {
    pub(crate) fn new(skills: Vec<Skill>, page_size: usize, hints: CacheHints) -> Self {
        Self {
            catalog: ArcSwap::from_pointee(Catalog::new(skills)),
            page_size,
            hints,
        }
    }

    /// The skills served now.
    pub(crate) fn skills(&self) -> Vec<Skill> {
        self.catalog.load().skills.clone()
    }

    /// Applies `change` to the skills; the caller updates the resources and announces it.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Vec<Skill>)) {
        let mut skills = self.skills();
        change(&mut skills);
        self.catalog.store(Arc::new(Catalog::new(skills)));
    }

    fn get(&self, request: &Request<'_>) -> Handled {
        #[derive(Deserialize)]
        struct GetParams {
            uri: String,
        }
        let uri = match request.params::<GetParams>() {
            Ok(params) => params.uri,
            Err(e) => return Handled::error(e),
        };
        let catalog = self.catalog.load();
        let Some(entry) = catalog.entries.iter().find(|e| e.uri == uri) else {
            return Handled::error(
                RpcError::invalid_params(format!("No skill is served at {uri}"))
                    .with_data(json!({"uri": uri})),
            );
        };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct GetResult<'a, E> {
            skill: &'a E,
            #[serde(flatten, skip_serializing_if = "Option::is_none")]
            hints: Option<CacheHints>,
        }
        request.reply(&GetResult {
            skill: entry,
            hints: request.is_stateless().then_some(self.hints),
        })
    }

    fn read_directory(&self, request: &Request<'_>) -> Handled {
        #[derive(Deserialize)]
        struct DirectoryParams {
            uri: String,
        }
        let uri = match request.params::<DirectoryParams>() {
            Ok(params) => params.uri,
            Err(e) => return Handled::error(e),
        };
        match children(&self.catalog.load().skills, &uri) {
            Ok(children) => {
                listing::list(request, "resources", &children, self.page_size, self.hints)
            }
            Err(error) => Handled::error(error),
        }
    }
}

/// A directory's direct children, as `resources/directory/read` lists them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Child {
    uri: String,
    name: String,
    mime_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

/// The direct children of the directory `uri` of the skills' namespace, or -32602 when
/// `uri` is a file or nothing served.
fn children(skills: &[Skill], uri: &str) -> Result<Vec<Child>, RpcError> {
    let not_directory =
        |why: String| Err(RpcError::invalid_params(why).with_data(json!({"uri": uri})));
    let dir = uri.trim_end_matches('/');
    let prefix = format!("{dir}/");
    let mut found: BTreeMap<String, Child> = BTreeMap::new();
    let mut is_file = false;
    for skill in skills {
        for file in skill.files() {
            let file_uri = skill.file_uri(file.path());
            if file_uri == uri {
                is_file = true;
            }
            let Some(rest) = file_uri.strip_prefix(&prefix) else {
                continue;
            };
            let child = match rest.split_once('/') {
                Some((segment, _)) => Child {
                    uri: format!("{prefix}{segment}"),
                    name: segment.to_owned(),
                    mime_type: DIRECTORY,
                    size: None,
                },
                None => Child {
                    uri: file_uri.clone(),
                    name: rest.to_owned(),
                    mime_type: file.mime_type(),
                    size: Some(file.bytes().len() as u64),
                },
            };
            found.entry(child.uri.clone()).or_insert(child);
        }
    }
    if is_file {
        return not_directory(format!("{uri} is not a directory resource"));
    }
    if found.is_empty() || !dir.starts_with("skill://") || dir.len() <= "skill://".len() {
        return not_directory(format!("No directory resource is served at {uri}"));
    }
    Ok(found.into_values().collect())
}

/// The resources that serve the skills' files: each skill's `SKILL.md` listed (named and
/// described from its front matter), every other file readable but left out of
/// `resources/list`, so a large skill does not flood it. A file two skills share (a nested
/// skill's) is served once.
pub(crate) fn resource_defs(skills: &[Skill]) -> (Vec<ResourceDef>, Vec<ResourceDef>) {
    let mut listed = Vec::new();
    let mut unlisted: Vec<ResourceDef> = Vec::new();
    for skill in skills {
        listed.push(
            file_resource(skill.uri(), skill.name().to_owned(), &skill.files()[0])
                .description(skill.description()),
        );
    }
    for skill in skills {
        for file in &skill.files()[1..] {
            let uri = skill.file_uri(file.path());
            let name = file.path().rsplit('/').next().unwrap_or(file.path());
            if !listed.iter().chain(&unlisted).any(|r| r.uri == uri) {
                unlisted.push(file_resource(uri, name.to_owned(), file));
            }
        }
    }
    (listed, unlisted)
}

/// A resource serving one file's bytes as they are (text when they are UTF-8 text).
fn file_resource(uri: String, name: String, file: &SkillFile) -> ResourceDef {
    let bytes = file.bytes().clone();
    let mime = file.mime_type();
    let text = file.is_text();
    debug_assert!(file.path() != SKILL_MD || mime == "text/markdown");
    ResourceDef::new(uri, name, move |uri| {
        let bytes = bytes.clone();
        async move {
            let contents = if text {
                ResourceContents::text(uri, String::from_utf8_lossy(&bytes).into_owned())
            } else {
                ResourceContents::blob(uri, &bytes)
            };
            Ok(vec![contents.mime_type(mime)].into())
        }
    })
    .mime_type(mime)
    .size(file.bytes().len() as u64)
}

impl Feature for Skills {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        let extensions = capabilities
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(extensions) = extensions.as_object_mut() {
            extensions.insert(EXTENSION.into(), json!({"directoryRead": true}));
        }
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[
            Method::new(SKILLS_LIST, Eras::Both),
            Method::new(SKILLS_GET, Eras::Both),
            Method::new(RESOURCES_DIRECTORY_READ, Eras::Both),
        ];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        now(match request.method {
            SKILLS_LIST => listing::list(
                &request,
                "skills",
                &self.catalog.load().entries,
                self.page_size,
                self.hints,
            ),
            SKILLS_GET => self.get(&request),
            _ => self.read_directory(&request),
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skills() -> Vec<Skill> {
        vec![
            Skill::new("---\nname: pdf\ndescription: PDFs\n---\n")
                .expect("skill")
                .file("templates/a.md", "A")
                .file("templates/regional/eu.md", "EU"),
        ]
    }

    #[test]
    fn a_directory_lists_its_direct_children() {
        let names = |uri| -> Vec<(String, &'static str)> {
            children(&skills(), uri)
                .expect("directory")
                .into_iter()
                .map(|c| (c.uri, c.mime_type))
                .collect()
        };
        assert_eq!(
            names("skill://pdf"),
            [
                ("skill://pdf/SKILL.md".to_owned(), "text/markdown"),
                ("skill://pdf/templates".to_owned(), DIRECTORY)
            ]
        );
        assert_eq!(
            names("skill://pdf/templates"),
            [
                ("skill://pdf/templates/a.md".to_owned(), "text/markdown"),
                ("skill://pdf/templates/regional".to_owned(), DIRECTORY)
            ]
        );
    }

    #[test]
    fn files_and_unknown_uris_are_invalid_params() {
        for (uri, says) in [
            ("skill://pdf/SKILL.md", "is not a directory resource"),
            ("skill://nothing", "No directory resource"),
            ("skill://", "No directory resource"),
        ] {
            let error = children(&skills(), uri).expect_err(uri);
            assert_eq!(error.code, crate::protocol::ErrorCode::INVALID_PARAMS);
            assert!(error.message.contains(says), "{uri}: {}", error.message);
        }
    }
}
