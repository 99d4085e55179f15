//! [`Descriptor`]: what tools, resources and prompts have in common, and the builder methods
//! for it, written once ([`descriptor_builders!`]).

use serde_json::{Map, Value};

use super::{DefinedAt, Icon, StateRequirement};

/// What a tool, a resource (or template) and a prompt have in common: the names and words a
/// client shows, and what the server checks before running it.
///
/// Each definition embeds one ([`ToolDef`](crate::ToolDef), [`PromptDef`](crate::PromptDef),
/// [`ResourceInfo`](crate::resource::ResourceInfo)) and dereferences to it, so `def.name`
/// reads it directly; the definitions' builders (`title`, `description`, `icon`, `meta`,
/// `scopes`) set it.
///
/// ```
/// use mcp_runtime::{CallToolResult, ToolDef};
///
/// let def = ToolDef::new("wipe", serde_json::json!({"type": "object"}), |_| async {
///     CallToolResult::text("wiped")
/// })
/// .title("Wipe")
/// .scopes(["notes:write", "notes:admin"]);
/// assert_eq!(def.name, "wipe");
/// assert_eq!(def.descriptor.title.as_deref(), Some("Wipe"));
/// assert_eq!(def.required_scopes, ["notes:write", "notes:admin"]);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Descriptor {
    /// Its name: unique among its kind.
    pub name: String,
    /// Display name.
    pub title: Option<String>,
    /// What it is or does, for the model and the user.
    pub description: Option<String>,
    /// Icons clients may show.
    pub icons: Vec<Icon>,
    /// Extra metadata for clients (`_meta`).
    pub meta: Option<Map<String, Value>>,
    /// OAuth scopes a caller's token must carry to use it. Enforced by the server's
    /// authorization (403 `insufficient_scope`), not by the function.
    pub required_scopes: Vec<String>,
    /// Where it is defined: filled in by the attribute macros, `None` for hand-built
    /// definitions. Start-up errors (two definitions with one name) name it.
    pub defined_at: Option<DefinedAt>,
    /// Server state its function takes (`State<T>` parameters), checked at start-up.
    pub(crate) required_states: Vec<StateRequirement>,
}

impl Descriptor {
    /// A descriptor with only a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            title: None,
            description: None,
            icons: Vec::new(),
            meta: None,
            required_scopes: Vec::new(),
            defined_at: None,
            required_states: Vec::new(),
        }
    }
}

/// The builder methods of a definition that embeds a [`Descriptor`] at `self.$path`, and
/// its `Deref` to it: one set of methods for tools, resources and prompts.
macro_rules! descriptor_builders {
    ($def:ty, $($path:ident).+) => {
        impl ::std::ops::Deref for $def {
            type Target = $crate::tool::Descriptor;
            fn deref(&self) -> &$crate::tool::Descriptor {
                &self.$($path).+
            }
        }

        impl ::std::ops::DerefMut for $def {
            fn deref_mut(&mut self) -> &mut $crate::tool::Descriptor {
                &mut self.$($path).+
            }
        }

        impl $def {
            /// Sets the display title.
            pub fn title(mut self, title: impl Into<String>) -> Self {
                self.$($path).+.title = Some(title.into());
                self
            }

            /// Sets the description.
            pub fn description(mut self, description: impl Into<String>) -> Self {
                self.$($path).+.description = Some(description.into());
                self
            }

            /// Adds an icon.
            pub fn icon(mut self, icon: $crate::tool::Icon) -> Self {
                self.$($path).+.icons.push(icon);
                self
            }

            /// Sets `_meta`.
            pub fn meta(mut self, meta: ::serde_json::Map<String, ::serde_json::Value>) -> Self {
                self.$($path).+.meta = Some(meta);
                self
            }

            /// Sets the OAuth scopes a caller's token must carry
            /// ([`required_scopes`]($crate::tool::Descriptor::required_scopes)); without them
            /// the server's authorization answers 403 `insufficient_scope`.
            pub fn scopes<I, S>(mut self, scopes: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.$($path).+.required_scopes = scopes.into_iter().map(Into::into).collect();
                self
            }

            /// Records where it is defined (the attribute macros do this), for start-up
            /// errors.
            pub fn defined_at(mut self, module_path: &'static str, function: &'static str) -> Self {
                self.$($path).+.defined_at = Some($crate::tool::DefinedAt {
                    module_path,
                    function,
                });
                self
            }

            /// Records that its function takes `State<T>`, so a server without it fails at
            /// start-up.
            #[doc(hidden)]
            pub fn requires_state(mut self, requirement: $crate::tool::StateRequirement) -> Self {
                self.$($path).+.required_states.push(requirement);
                self
            }
        }
    };
}
pub(crate) use descriptor_builders;
