//! Skills from a directory: every directory under the root that holds a `SKILL.md` is a
//! skill, its path under the root its `skill-path`, and every file below it one of its
//! files (nested skills' files included, as the spec asks). Hidden entries (`.git`,
//! `.DS_Store`) are skipped.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{SKILL_MD, Skill, SkillError};

/// How deep directories are followed: bounds a symbolic-link loop.
const MAX_DEPTH: usize = 32;

/// Every skill under `root`, sorted by URI. A root that is itself a skill (holds a
/// `SKILL.md`) is served as `skill://<name>`.
pub fn load_dir(root: impl AsRef<Path>) -> Result<Vec<Skill>, SkillError> {
    let root = root.as_ref();
    if !root.is_dir() {
        return Err(SkillError::new(format!(
            "the skills directory {} does not exist or is not a directory",
            root.display()
        )));
    }
    let mut skill_dirs = Vec::new();
    find_skills(root, 0, &mut skill_dirs)?;
    let mut skills = Vec::with_capacity(skill_dirs.len());
    for dir in skill_dirs {
        let relative = dir.strip_prefix(root).unwrap_or(Path::new(""));
        skills.push(load_skill(&dir, relative)?);
    }
    skills.sort_by_key(Skill::uri);
    Ok(skills)
}

/// The directories under `dir` (itself included) that hold a `SKILL.md`.
fn find_skills(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), SkillError> {
    if depth > MAX_DEPTH {
        return Err(SkillError::new(format!(
            "{} is nested more than {MAX_DEPTH} levels deep (a symbolic-link loop?)",
            dir.display()
        )));
    }
    if dir.join(SKILL_MD).is_file() {
        found.push(dir.to_owned());
    }
    for (path, is_dir) in entries(dir)? {
        if is_dir {
            find_skills(&path, depth + 1, found)?;
        }
    }
    Ok(())
}

/// The visible entries of `dir` (name order) and whether each is a directory.
fn entries(dir: &Path) -> Result<Vec<(PathBuf, bool)>, SkillError> {
    let read = fs::read_dir(dir)
        .map_err(|e| SkillError::new(format!("cannot read {}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for entry in read {
        let entry =
            entry.map_err(|e| SkillError::new(format!("cannot read {}: {e}", dir.display())))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Follows symbolic links, as a skill author who links a shared file expects.
        let meta = fs::metadata(&path)
            .map_err(|e| SkillError::new(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() || meta.is_file() {
            out.push((path, meta.is_dir()));
        }
    }
    out.sort();
    Ok(out)
}

/// The skill in `dir`, found at `relative` under the skills root.
fn load_skill(dir: &Path, relative: &Path) -> Result<Skill, SkillError> {
    let skill_md = dir.join(SKILL_MD);
    let text = fs::read_to_string(&skill_md)
        .map_err(|e| SkillError::new(format!("cannot read {}: {e}", skill_md.display())))?;
    let mut skill =
        Skill::new(text).map_err(|e| SkillError::new(format!("{}: {e}", skill_md.display())))?;
    let segments = segments(relative)?;
    if let Some((last, prefix)) = segments.split_last() {
        if last != skill.name() {
            return Err(SkillError::new(format!(
                "{}: the skill is named {:?} but its directory is {last:?}; they must match",
                skill_md.display(),
                skill.name()
            )));
        }
        skill = skill.prefix(prefix.join("/"));
    }
    let mut files = Vec::new();
    collect_files(dir, dir, 0, &mut files)?;
    for (path, bytes) in files {
        if path != SKILL_MD {
            skill = skill.file(path, bytes);
        }
    }
    skill
        .validate()
        .map_err(|e| SkillError::new(format!("{}: {e}", dir.display())))?;
    Ok(skill)
}

/// Every file below `dir`, as (`/`-separated path relative to `root`, bytes).
fn collect_files(
    root: &Path,
    dir: &Path,
    depth: usize,
    out: &mut Vec<(String, Bytes)>,
) -> Result<(), SkillError> {
    if depth > MAX_DEPTH {
        return Err(SkillError::new(format!(
            "{} is nested more than {MAX_DEPTH} levels deep",
            dir.display()
        )));
    }
    for (path, is_dir) in entries(dir)? {
        if is_dir {
            collect_files(root, &path, depth + 1, out)?;
        } else {
            let bytes = fs::read(&path)
                .map_err(|e| SkillError::new(format!("cannot read {}: {e}", path.display())))?;
            let relative = path.strip_prefix(root).unwrap_or(&path);
            out.push((segments(relative)?.join("/"), Bytes::from(bytes)));
        }
    }
    Ok(())
}

/// The UTF-8 segments of a relative path.
fn segments(path: &Path) -> Result<Vec<String>, SkillError> {
    path.components()
        .map(|c| {
            c.as_os_str()
                .to_str()
                .map(str::to_owned)
                .ok_or_else(|| SkillError::new(format!("{} is not a UTF-8 path", path.display())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mcp-skills-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn write(path: PathBuf, text: &str) {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    #[test]
    fn finds_skills_with_their_files_and_prefixes() {
        let root = temp_dir("load");
        write(
            root.join("pdf/SKILL.md"),
            "---\nname: pdf\ndescription: PDFs\n---\n",
        );
        write(root.join("pdf/templates/a.md"), "A");
        write(root.join("pdf/.hidden"), "no");
        write(
            root.join("acme/billing/refunds/SKILL.md"),
            "---\nname: refunds\ndescription: Refunds\n---\n",
        );
        let skills = load_dir(&root).expect("skills");
        let uris: Vec<_> = skills.iter().map(Skill::uri).collect();
        assert_eq!(
            uris,
            [
                "skill://acme/billing/refunds/SKILL.md",
                "skill://pdf/SKILL.md"
            ]
        );
        let files: Vec<_> = skills[1].files().iter().map(|f| f.path()).collect();
        assert_eq!(files, ["SKILL.md", "templates/a.md"]);
        let _ = fs::remove_dir_all(root);
    }

    #[test]
    fn a_name_that_differs_from_its_directory_is_refused() {
        let root = temp_dir("mismatch");
        write(
            root.join("pdf/SKILL.md"),
            "---\nname: docs\ndescription: d\n---\n",
        );
        let error = load_dir(&root).expect_err("mismatch").to_string();
        assert!(error.contains("must match"), "{error}");
        let _ = fs::remove_dir_all(root);
        let error = load_dir("/nonexistent/skills")
            .expect_err("missing")
            .to_string();
        assert!(error.contains("does not exist"), "{error}");
    }
}
