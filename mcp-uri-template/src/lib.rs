//! The syntax of URI templates (RFC 6570): level 1 (`{var}`) and reserved expansion
//! (`{+var}`, level 2), which covers paths such as `file:///{+path}`.
//!
//! Shared by `mcp-runtime` (which matches URIs against templates) and its macro crate
//! `mcp-runtime-macros` (which checks a `#[resource(uri = "…")]` template at compile time),
//! so the two cannot disagree about what is valid. A proc-macro crate can export only
//! macros, so the parser the two share lives here, as `serde_derive_internals` does for serde.
//!
//! Not a public API of its own: use `mcp_runtime::resource::UriTemplate`. Its version moves
//! with `mcp-runtime`'s.

// Published: every public item is documented (the workspace only warns, for the
// unpublished crates).
#![deny(missing_docs)]

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text matched as written.
    Literal(String),
    /// A variable: `{name}` (`reserved: false`) or `{+name}` (`reserved: true`, whose value
    /// may contain `/`, `?` and other reserved characters).
    Variable {
        /// The variable's name.
        name: String,
        /// `{+name}`.
        reserved: bool,
    },
}

/// Why a template is not valid; `at` is the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset in the template.
    pub at: usize,
    /// What is wrong, and what to write instead.
    pub message: String,
}

/// The parts of `template`, or why it is not a valid template.
pub fn parse(template: &str) -> Result<Vec<Part>, SyntaxError> {
    let error = |at: usize, message: String| Err(SyntaxError { at, message });
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = template.char_indices();
    while let Some((at, c)) = rest.next() {
        match c {
            '{' => {
                let body_start = at + 1;
                let Some(len) = template[body_start..].find('}') else {
                    return error(at, "unclosed `{`: close the variable with `}`".to_owned());
                };
                let body = &template[body_start..body_start + len];
                for _ in 0..body.chars().count() + 1 {
                    rest.next();
                }
                let (reserved, name) = match body.strip_prefix('+') {
                    Some(name) => (true, name),
                    None => (false, body),
                };
                if let Some(op) = name.chars().next().filter(|c| "#./;?&=,!@|".contains(*c)) {
                    return error(
                        at,
                        format!(
                            "the operator `{op}` in `{{{body}}}` is not supported; use `{{name}}` or `{{+name}}`"
                        ),
                    );
                }
                if name.is_empty() {
                    return error(
                        at,
                        "an empty variable `{}`: name it, e.g. `{id}`".to_owned(),
                    );
                }
                if name.contains(',') || name.contains('*') || name.contains(':') {
                    return error(
                        at,
                        format!(
                            "`{{{body}}}`: lists, `*` and `:` prefixes are not supported; use one variable per `{{}}`"
                        ),
                    );
                }
                if let Some(bad) = name
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
                {
                    return error(
                        at,
                        format!(
                            "invalid variable name `{name}`: {bad:?} is not allowed; use letters, digits and `_`"
                        ),
                    );
                }
                if parts
                    .iter()
                    .any(|p| matches!(p, Part::Variable { name: n, .. } if n == name))
                {
                    return error(at, format!("the variable `{name}` appears twice"));
                }
                if literal.is_empty() && matches!(parts.last(), Some(Part::Variable { .. })) {
                    return error(
                        at,
                        format!(
                            "`{{{body}}}` follows another variable directly: separate them with text (e.g. `/`) so a URI can be split between them"
                        ),
                    );
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Variable {
                    name: name.to_owned(),
                    reserved,
                });
            }
            '}' => return error(at, "a `}` without its `{`".to_owned()),
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

/// The names of the template's variables, in order.
pub fn variables(parts: &[Part]) -> impl Iterator<Item = &str> {
    parts.iter().filter_map(|p| match p {
        Part::Variable { name, .. } => Some(name.as_str()),
        Part::Literal(_) => None,
    })
}
