//! The link-time registry: every `#[resource]` in the binary submits one [`Registration`].

use super::{ResourceDef, ResourceTemplateDef};

/// What one `#[resource]` function defines: a fixed resource or a template.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Registered {
    /// A fixed URI.
    Resource(ResourceDef),
    /// A URI template.
    Template(ResourceTemplateDef),
}

/// One `#[resource]` function, found at link time. Created by the macro; not for direct use.
pub struct Registration {
    make: fn() -> Registered,
}

impl Registration {
    #[doc(hidden)]
    pub const fn new(make: fn() -> Registered) -> Self {
        Self { make }
    }
}

inventory::collect!(Registration);

/// Every `#[resource]` with a fixed URI linked into this binary, sorted by URI.
pub fn resources() -> Vec<ResourceDef> {
    let mut out: Vec<ResourceDef> = registered()
        .filter_map(|r| match r {
            Registered::Resource(def) => Some(def),
            Registered::Template(_) => None,
        })
        .collect();
    out.sort_by(|a, b| a.uri.cmp(&b.uri));
    out
}

/// Every `#[resource]` with a URI template linked into this binary, sorted by name.
pub fn resource_templates() -> Vec<ResourceTemplateDef> {
    let mut out: Vec<ResourceTemplateDef> = registered()
        .filter_map(|r| match r {
            Registered::Template(def) => Some(def),
            Registered::Resource(_) => None,
        })
        .collect();
    out.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    out
}

fn registered() -> impl Iterator<Item = Registered> {
    inventory::iter::<Registration>
        .into_iter()
        .map(|r| (r.make)())
}
