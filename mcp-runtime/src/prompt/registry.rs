//! The link-time registry: every `#[prompt]` in the binary submits one [`Registration`].

use super::PromptDef;

/// One `#[prompt]` function, found at link time. Created by the macro; not for direct use.
pub struct Registration {
    make: fn() -> PromptDef,
}

impl Registration {
    #[doc(hidden)]
    pub const fn new(make: fn() -> PromptDef) -> Self {
        Self { make }
    }
}

inventory::collect!(Registration);

/// The definitions of every `#[prompt]` linked into this binary, sorted by name.
pub fn prompts() -> Vec<PromptDef> {
    let mut out: Vec<PromptDef> = inventory::iter::<Registration>
        .into_iter()
        .map(|r| (r.make)())
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
