//! Skills (extension `io.modelcontextprotocol/skills`) from the client's side: list them,
//! get one by URI, read its files verified against the entry's size and digest, and read
//! directories.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::types::Resource;
use super::{Client, ClientError, lists};
use crate::resource::ResourceContents;
use crate::skill::{EXTENSION, SKILL_MD, digest, parse_frontmatter};

/// A skill as a server lists it (`skills/list`, `skills/get`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SkillEntry {
    /// The URI of its `SKILL.md`.
    pub uri: String,
    /// Its `SKILL.md` front matter, every field as written.
    pub frontmatter: Map<String, Value>,
    /// Its files, or `"dynamic"`.
    pub resources: SkillResources,
}

impl SkillEntry {
    /// The front matter's `name`.
    pub fn name(&self) -> &str {
        self.frontmatter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The front matter's `description`.
    pub fn description(&self) -> &str {
        self.frontmatter
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// The files of a skill entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum SkillResources {
    /// Every file, with its digest and size.
    Files(Vec<SkillResource>),
    /// Generated content with no stable digests (the string `"dynamic"`).
    Dynamic(DynamicMarker),
}

/// The string `"dynamic"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DynamicMarker {
    /// `"dynamic"`.
    Dynamic,
}

/// One file of a skill entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SkillResource {
    /// Its resource URI.
    pub uri: String,
    /// `sha256:` and 64 lowercase hex digits of its bytes.
    pub digest: String,
    /// Its length in bytes.
    pub size: u64,
}

impl Client {
    /// Whether the server declared the skills extension.
    pub fn supports_skills(&self) -> bool {
        self.server_info()
            .capabilities
            .get("extensions")
            .and_then(|e| e.get(EXTENSION))
            .is_some()
    }

    /// Every skill the server lists (all pages).
    pub async fn list_skills(&self) -> Result<Vec<SkillEntry>, ClientError> {
        lists::all(&self.shared, "skills/list", "skills").await
    }

    /// The entry of the skill whose `SKILL.md` is at `uri` (`-32602` from the server when it
    /// serves none there).
    pub async fn get_skill(&self, uri: &str) -> Result<SkillEntry, ClientError> {
        let mut params = Map::new();
        params.insert("uri".into(), json!(uri));
        let mut result = self.run("skills/get", params, None).await?;
        let skill = result.get_mut("skill").map(Value::take).unwrap_or_default();
        serde_json::from_value(skill).map_err(|e| {
            ClientError::Protocol(format!("skills/get returned an unexpected `skill`: {e}"))
        })
    }

    /// Reads the file `uri` of `skill` and returns its bytes once they match the entry: a
    /// file the entry does not list, or whose size or digest differs, is refused
    /// ([`ClientError::Protocol`] saying which); a `SKILL.md` must also carry the entry's
    /// front matter. A `"dynamic"` skill's files cannot be verified and are refused too.
    pub async fn read_skill_file(
        &self,
        skill: &SkillEntry,
        uri: &str,
    ) -> Result<Vec<u8>, ClientError> {
        let refuse = |why: String| Err(ClientError::Protocol(format!("skill file {uri}: {why}")));
        let SkillResources::Files(files) = &skill.resources else {
            return refuse(format!(
                "the skill {} is dynamic: its files have no digests to verify",
                skill.uri
            ));
        };
        let Some(expected) = files.iter().find(|f| f.uri == uri) else {
            return refuse(format!("not listed in the entry of {}", skill.uri));
        };
        let result = self.read_resource(uri).await?;
        let Some(contents) = result.contents.into_iter().next() else {
            return refuse("the server returned no contents".to_owned());
        };
        let bytes = match contents {
            ResourceContents::Text { text, .. } => text.into_bytes(),
            ResourceContents::Blob { blob, .. } => match BASE64.decode(blob) {
                Ok(bytes) => bytes,
                Err(e) => return refuse(format!("its blob is not base64: {e}")),
            },
        };
        if bytes.len() as u64 != expected.size {
            return refuse(format!(
                "{} bytes read, the entry says {}",
                bytes.len(),
                expected.size
            ));
        }
        let actual = digest(&bytes);
        if actual != expected.digest {
            return refuse(format!(
                "digest {actual} read, the entry says {}",
                expected.digest
            ));
        }
        if uri == skill.uri && uri.ends_with(SKILL_MD) {
            let text = String::from_utf8_lossy(&bytes);
            match parse_frontmatter(&text) {
                Ok(fields) if fields == skill.frontmatter => {}
                Ok(_) => return refuse("its front matter differs from the entry's".to_owned()),
                Err(e) => return refuse(e.to_string()),
            }
        }
        Ok(bytes)
    }

    /// The direct children of the directory resource `uri` (all pages); subdirectories
    /// have the MIME type `inode/directory`. Only for servers whose skills extension
    /// declares `directoryRead`.
    pub async fn read_directory(&self, uri: &str) -> Result<Vec<Resource>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..lists::MAX_PAGES {
            let mut params = Map::new();
            params.insert("uri".into(), json!(uri));
            if let Some(cursor) = &cursor {
                params.insert("cursor".into(), json!(cursor));
            }
            let mut page = self.run("resources/directory/read", params, None).await?;
            let list = page
                .get_mut("resources")
                .map(Value::take)
                .unwrap_or(json!([]));
            let list: Vec<Resource> = serde_json::from_value(list).map_err(|e| {
                ClientError::Protocol(format!(
                    "resources/directory/read returned unexpected `resources`: {e}"
                ))
            })?;
            items.extend(list);
            let next = page
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if next.is_none() || next == cursor {
                return Ok(items);
            }
            cursor = next;
        }
        Err(ClientError::Protocol(
            "resources/directory/read: too many pages".to_owned(),
        ))
    }
}
