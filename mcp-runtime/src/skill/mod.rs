//! Skills (the `io.modelcontextprotocol/skills` extension, SEP-2640): a directory holding a
//! `SKILL.md` (YAML front matter with at least `name` and `description`, then instructions)
//! and the files beside it, served as `skill://<skill-path>/<file>` resources with a manifest
//! of every file's size and SHA-256 digest (`skills/list`, `skills/get`), and its directories
//! readable with `resources/directory/read`.
//!
//! Serve a directory of skills with [`Server::skills_dir`](crate::Server::skills_dir) (or the
//! `MCP_SKILLS_DIR` setting), or build them in code:
//!
//! ```
//! use mcp_runtime::{Server, skill::Skill};
//!
//! let skill = Skill::new("---\nname: git-workflow\ndescription: Our Git conventions\n---\n# Git\n")
//!     .expect("valid front matter")
//!     .file("references/branches.md", "Branch from main.\n");
//! assert_eq!(skill.uri(), "skill://git-workflow/SKILL.md");
//! let _server = Server::new("docs").skill(skill);
//! ```

mod def;
mod dir;
mod frontmatter;
mod mime;

pub(crate) use def::SkillEntry;
pub use def::{Skill, SkillFile};
pub use dir::load_dir;
pub use frontmatter::parse as parse_frontmatter;

/// The extension's identifier, under `capabilities.extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/skills";

/// The file every skill has at its root.
pub const SKILL_MD: &str = "SKILL.md";

/// The most files a skill may have (the spec's per-skill limit, `SKILL.md` included).
pub const MAX_FILES: usize = 512;

/// The most bytes a skill's files may hold together (the spec's per-skill limit: 16 MiB).
pub const MAX_TOTAL_BYTES: u64 = 16 * 1024 * 1024;

/// Why a skill cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SkillError(pub(crate) String);

impl SkillError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// `sha256:` and the 64 lowercase hex digits of the SHA-256 of `bytes`: the digest format of
/// the manifest.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hash {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Whether `name` follows the Agent Skills naming rule: 1-64 characters of lowercase
/// letters, digits and hyphens, with no leading, trailing or doubled hyphen.
pub fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_in_lowercase_hex() {
        assert_eq!(
            digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn names_follow_the_agent_skills_rule() {
        for good in ["a", "git-workflow", "pdf2", &"x".repeat(64)] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "Git", "a_b", "a b", &"x".repeat(65)] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }
}
