//! The link-time registry: every `#[tool]` in the binary submits one [`Registration`].

use super::ToolDef;

/// One `#[tool]` function, found at link time. Created by the macro; not for direct use.
pub struct Registration {
    make: fn() -> ToolDef,
}

impl Registration {
    #[doc(hidden)]
    pub const fn new(make: fn() -> ToolDef) -> Self {
        Self { make }
    }
}

inventory::collect!(Registration);

/// The definitions of every `#[tool]` linked into this binary, sorted by name.
///
/// ```
/// for tool in mcp_runtime::tool::tools() {
///     println!("{}: {}", tool.descriptor.name, serde_json::Value::Object(tool.input_schema));
/// }
/// ```
pub fn tools() -> Vec<ToolDef> {
    let mut tools: Vec<ToolDef> = inventory::iter::<Registration>
        .into_iter()
        .map(|r| (r.make)())
        .collect();
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    tools
}
