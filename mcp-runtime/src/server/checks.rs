//! The checks a server description must pass before it serves, and the errors they give.
//!
//! [`Server::tool`](super::Server::tool) records what is wrong instead of panicking, so a
//! mistake (two tools with one name, a missing `State<T>`) reaches the caller of
//! [`Server::serve`](super::Server::serve) or [`Server::try_router`](super::Server::try_router)
//! as an error that names where each definition lives.

use crate::tool::{DefinedAt, StateMap, StateRequirement, ToolDef};

/// Why a server cannot start with what it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Two tools have one name.
    #[error("two tools are named `{name}` ({} and {}): tool names must be unique; rename one with `#[tool(name = \"...\")]`", site(.first), site(.second))]
    DuplicateTool {
        /// The name.
        name: String,
        /// Where the tool added first is defined (`None`: a hand-built definition).
        first: Option<DefinedAt>,
        /// Where the tool added second is defined.
        second: Option<DefinedAt>,
    },
    /// A tool name breaks the spec's rule.
    #[error("invalid tool name `{name}` ({}): use 1-128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`", site(.defined_at))]
    InvalidToolName {
        /// The name.
        name: String,
        /// Where the tool is defined.
        defined_at: Option<DefinedAt>,
    },
    /// A tool's `x-mcp-header` annotations break the spec's rules.
    #[error("tool `{tool}` ({}): {reason}", site(.defined_at))]
    InvalidHeaderAnnotation {
        /// The tool.
        tool: String,
        /// Where the tool is defined.
        defined_at: Option<DefinedAt>,
        /// What is wrong.
        reason: String,
    },
    /// Two resources have one URI, two templates one URI template, or two prompts one
    /// name.
    #[error("two {kind}s are both `{key}` ({} and {}): they must be unique", site(.first), site(.second))]
    Duplicate {
        /// `"resource"`, `"resource template"` or `"prompt"`.
        kind: &'static str,
        /// The URI, URI template or name they share.
        key: String,
        /// Where the one added first is defined (`None`: built by hand).
        first: Option<DefinedAt>,
        /// Where the one added second is defined.
        second: Option<DefinedAt>,
    },
    /// A skill cannot be served: its front matter, its files, or the skills directory.
    #[error("{0}")]
    Skill(String),
    /// A tool, resource or prompt takes a `State<T>` the server was not given.
    #[error(
        "{needed_by} takes State<{type_name}>, but the server has none: add it with `Server::state(...)`"
    )]
    MissingState {
        /// What takes it, e.g. "tool `bump`".
        needed_by: String,
        /// The state's type.
        type_name: &'static str,
    },
}

impl From<ServerError> for std::io::Error {
    fn from(error: ServerError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, error)
    }
}

/// Where a definition comes from, for messages: its function, or "built by hand".
fn site(defined_at: &Option<DefinedAt>) -> String {
    match defined_at {
        Some(at) => format!("`{at}`"),
        None => "built by hand".to_owned(),
    }
}

/// Whether `tool` may join `tools`: a valid, unused name and valid header annotations.
pub(crate) fn check_tool(tools: &[ToolDef], tool: &ToolDef) -> Result<(), ServerError> {
    let defined_at = tool.defined_at;
    if !crate::tool::is_valid_tool_name(&tool.name) {
        return Err(ServerError::InvalidToolName {
            name: tool.name.clone(),
            defined_at,
        });
    }
    if let Some(first) = tools.iter().find(|t| t.name == tool.name) {
        return Err(ServerError::DuplicateTool {
            name: tool.name.clone(),
            first: first.defined_at,
            second: defined_at,
        });
    }
    super::envelope::check_header_annotations(&tool.input_schema).map_err(|reason| {
        ServerError::InvalidHeaderAnnotation {
            tool: tool.name.clone(),
            defined_at,
            reason,
        }
    })
}

/// Whether a definition keyed `key` (a resource's URI, a prompt's name) may join those
/// already there, given as `(key, defined_at)`.
pub(crate) fn check_unique<'a>(
    kind: &'static str,
    existing: impl IntoIterator<Item = (&'a str, Option<DefinedAt>)>,
    key: &str,
    defined_at: Option<DefinedAt>,
) -> Result<(), ServerError> {
    match existing.into_iter().find(|(k, _)| *k == key) {
        Some((_, first)) => Err(ServerError::Duplicate {
            kind,
            key: key.to_owned(),
            first,
            second: defined_at,
        }),
        None => Ok(()),
    }
}

/// Every `State<T>` a definition takes must be provided; `needs` lists, for each
/// definition, what it is ("tool `x`") and the states it takes.
pub(crate) fn check_states<'a>(
    needs: impl IntoIterator<Item = (String, &'a [StateRequirement])>,
    states: &StateMap,
) -> Result<(), ServerError> {
    for (needed_by, required) in needs {
        if let Some(needed) = required.iter().find(|n| !states.contains(n)) {
            return Err(ServerError::MissingState {
                needed_by,
                type_name: needed.type_name,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::CallToolResult;

    fn tool(name: &str) -> ToolDef {
        ToolDef::new(name, serde_json::json!({"type": "object"}), |_| async {
            CallToolResult::default()
        })
    }

    #[test]
    fn a_duplicate_names_both_definitions() {
        let first = tool("add").defined_at("calc::basic", "add");
        let second = tool("add").defined_at("calc::extra", "plus");
        let error = check_tool(&[first], &second).expect_err("duplicate");
        assert_eq!(
            error.to_string(),
            "two tools are named `add` (`calc::basic::add` and `calc::extra::plus`): tool names must be unique; rename one with `#[tool(name = \"...\")]`"
        );
        let error = check_tool(&[tool("x")], &tool("x")).expect_err("duplicate");
        assert!(
            error
                .to_string()
                .contains("(built by hand and built by hand)"),
            "{error}"
        );
    }

    #[test]
    fn bad_names_and_headers_are_errors() {
        let error = check_tool(&[], &tool("no spaces")).expect_err("invalid name");
        assert!(matches!(error, ServerError::InvalidToolName { .. }));
        let bad_header = ToolDef::new(
            "h",
            serde_json::json!({"type": "object", "properties": {"a": {"type": "array", "x-mcp-header": "A"}}}),
            |_| async { CallToolResult::default() },
        );
        let error = check_tool(&[], &bad_header).expect_err("array header");
        assert!(
            error
                .to_string()
                .starts_with("tool `h` (built by hand): parameter `a`"),
            "{error}"
        );
        let io: std::io::Error = error.into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
    }
}
