//! A skill as the server holds it: its place in the `skill://` namespace, its front matter,
//! and its files with their digests, computed once when it is built.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{MAX_FILES, MAX_TOTAL_BYTES, SKILL_MD, SkillError, digest, frontmatter, mime};

/// One file of a skill: its path in the skill, its bytes, and what the manifest says of them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SkillFile {
    path: String,
    bytes: Bytes,
    digest: String,
    mime_type: &'static str,
}

impl SkillFile {
    fn new(path: String, bytes: Bytes) -> Self {
        Self {
            digest: digest(&bytes),
            mime_type: mime::guess(&path, &bytes),
            path,
            bytes,
        }
    }

    /// Its path relative to the skill's root, `/`-separated (`SKILL.md`, `references/a.md`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Its raw bytes, which the digest and size cover.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// `sha256:` and 64 lowercase hex digits.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The MIME type it is served with.
    pub fn mime_type(&self) -> &'static str {
        self.mime_type
    }

    /// Whether it is served as text (else as a base64 blob).
    pub(crate) fn is_text(&self) -> bool {
        mime::is_text(self.mime_type, &self.bytes)
    }
}

/// A skill: a `SKILL.md` with YAML front matter and the files beside it.
///
/// Its `skill-path` is its `name`, or `prefix/name` with [`prefix`](Self::prefix); every file
/// is served as `skill://<skill-path>/<file>`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Skill {
    prefix: String,
    frontmatter: Arc<Map<String, Value>>,
    files: Vec<SkillFile>,
}

impl Skill {
    /// A skill from the text of its `SKILL.md`; fails when the front matter is missing, is
    /// not YAML, lacks `name` or `description`, or the name breaks the naming rule.
    pub fn new(skill_md: impl Into<String>) -> Result<Self, SkillError> {
        let text = skill_md.into();
        let fields = frontmatter::parse(&text)?;
        let name = fields
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !super::is_valid_name(name) {
            return Err(SkillError::new(format!(
                "invalid skill name {name:?}: use 1-64 lowercase letters, digits and single hyphens, not at either end"
            )));
        }
        Ok(Self {
            prefix: String::new(),
            frontmatter: Arc::new(fields),
            files: vec![SkillFile::new(SKILL_MD.to_owned(), Bytes::from(text))],
        })
    }

    /// Places the skill under a `/`-separated organizational prefix: `prefix("acme/billing")`
    /// serves skill `refunds` as `skill://acme/billing/refunds/SKILL.md`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().trim_matches('/').to_owned();
        self
    }

    /// Adds (or replaces) a supporting file at `path`, relative to the skill's root.
    pub fn file(mut self, path: impl Into<String>, contents: impl Into<Bytes>) -> Self {
        let path = path.into();
        self.files.retain(|f| f.path != path);
        self.files.push(SkillFile::new(path, contents.into()));
        self
    }

    /// The skill's name (its front matter's `name`).
    pub fn name(&self) -> &str {
        self.frontmatter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The skill's description (its front matter's `description`).
    pub fn description(&self) -> &str {
        self.frontmatter
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The front matter, every field as written.
    pub fn frontmatter(&self) -> &Map<String, Value> {
        &self.frontmatter
    }

    /// Its files, `SKILL.md` first.
    pub fn files(&self) -> &[SkillFile] {
        &self.files
    }

    /// `skill://<skill-path>`: the skill's root directory.
    pub fn root(&self) -> String {
        if self.prefix.is_empty() {
            format!("skill://{}", self.name())
        } else {
            format!("skill://{}/{}", self.prefix, self.name())
        }
    }

    /// The URI of its `SKILL.md`, which names the skill.
    pub fn uri(&self) -> String {
        self.file_uri(SKILL_MD)
    }

    /// The URI of the file at `path` in this skill.
    pub fn file_uri(&self, path: &str) -> String {
        format!("{}/{path}", self.root())
    }

    /// Whether the skill can be served: file paths relative and clean, within the spec's
    /// limits (512 files, 16 MiB), the prefix made of plain segments.
    pub fn validate(&self) -> Result<(), SkillError> {
        let what = self.uri();
        if !self.prefix.is_empty() {
            check_path(&self.prefix).map_err(|why| {
                SkillError::new(format!("skill {what}: prefix {:?} {why}", self.prefix))
            })?;
        }
        for file in &self.files {
            check_path(&file.path).map_err(|why| {
                SkillError::new(format!("skill {what}: file path {:?} {why}", file.path))
            })?;
        }
        if self.files.len() > MAX_FILES {
            return Err(SkillError::new(format!(
                "skill {what} has {} files; a skill may have at most {MAX_FILES}",
                self.files.len()
            )));
        }
        let total: u64 = self.files.iter().map(|f| f.bytes.len() as u64).sum();
        if total > MAX_TOTAL_BYTES {
            return Err(SkillError::new(format!(
                "skill {what} holds {total} bytes; a skill may hold at most {MAX_TOTAL_BYTES} (16 MiB)"
            )));
        }
        Ok(())
    }

    /// The skill's entry, as `skills/list` and `skills/get` show it.
    pub(crate) fn entry(&self) -> SkillEntry {
        SkillEntry {
            uri: self.uri(),
            frontmatter: self.frontmatter.as_ref().clone(),
            resources: (self.files.iter())
                .map(|f| SkillResource {
                    uri: self.file_uri(&f.path),
                    digest: f.digest.clone(),
                    size: f.bytes.len() as u64,
                })
                .collect(),
        }
    }
}

/// Why a `/`-separated path cannot name a file in a skill, if it cannot.
fn check_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() || path.starts_with('/') || path.ends_with('/') {
        return Err("must be relative, without a leading or trailing `/`");
    }
    let bad_segment = |s: &str| s.is_empty() || s == "." || s == "..";
    if path.split('/').any(bad_segment) {
        return Err("must not have empty, `.` or `..` segments");
    }
    if path.contains(['\\', '?', '#']) || path.chars().any(char::is_control) {
        return Err("must not contain `\\`, `?`, `#` or control characters");
    }
    Ok(())
}

/// A skill's entry on the wire.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SkillEntry {
    pub(crate) uri: String,
    pub(crate) frontmatter: Map<String, Value>,
    pub(crate) resources: Vec<SkillResource>,
}

/// One file of an entry's manifest.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SkillResource {
    pub(crate) uri: String,
    pub(crate) digest: String,
    pub(crate) size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refunds() -> Skill {
        Skill::new("---\nname: refunds\ndescription: Process refunds\n---\nBody\n").expect("skill")
    }

    #[test]
    fn the_entry_lists_every_file_with_its_digest_and_size() {
        let skill = refunds()
            .prefix("acme/billing")
            .file("examples/email.md", "Dear customer\n");
        let entry = skill.entry();
        assert_eq!(entry.uri, "skill://acme/billing/refunds/SKILL.md");
        let uris: Vec<_> = entry.resources.iter().map(|r| r.uri.as_str()).collect();
        assert_eq!(
            uris,
            [
                "skill://acme/billing/refunds/SKILL.md",
                "skill://acme/billing/refunds/examples/email.md"
            ]
        );
        assert_eq!(entry.resources[1].size, 14);
        assert_eq!(entry.resources[1].digest, digest(b"Dear customer\n"));
        skill.validate().expect("valid");
    }

    #[test]
    fn bad_paths_and_names_are_refused() {
        for path in ["../secret", "/etc/passwd", "a//b", "a/./b", "dir/"] {
            let error = refunds().file(path, "x").validate().expect_err(path);
            assert!(error.to_string().contains("file path"), "{error}");
        }
        let error = Skill::new("---\nname: Bad_Name\ndescription: d\n---\n").expect_err("name");
        assert!(error.to_string().contains("invalid skill name"), "{error}");
    }

    #[test]
    fn limits_are_enforced() {
        let many = (0..MAX_FILES).fold(refunds(), |s, i| s.file(format!("f{i}.txt"), "x"));
        let error = many.validate().expect_err("too many files");
        assert!(error.to_string().contains("at most 512"), "{error}");
    }
}
