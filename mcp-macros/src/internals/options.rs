//! The options of `#[tool]`, `#[resource]`, `#[prompt]` and `#[arg]`, as written: one
//! [`Table`] per attribute names each option and says how its value is read. The options the
//! three macros share are defined once ([`common`]).

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprArray, LitStr, Token};

use super::attr::{Opt, Table, flag, string, string_list, string_list_like};
use super::errors::Errors;

/// The options `#[tool]`, `#[resource]` and `#[prompt]` share, as written.
#[derive(Default)]
pub struct CommonArgs {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub icons: Vec<LitStr>,
    pub scopes: Vec<LitStr>,
}

/// Arguments that include the shared options.
pub trait HasCommon {
    fn common(&mut self) -> &mut CommonArgs;
}

/// The shared options, each for any attribute whose arguments include them.
pub mod common {
    use super::*;

    pub const fn name<A: HasCommon>() -> Opt<A> {
        Opt {
            name: "name",
            read: |a, meta, errors| {
                a.common().name = string(meta, errors)?;
                Ok(())
            },
        }
    }

    pub const fn title<A: HasCommon>() -> Opt<A> {
        Opt {
            name: "title",
            read: |a, meta, errors| {
                a.common().title = string(meta, errors)?;
                Ok(())
            },
        }
    }

    pub const fn description<A: HasCommon>() -> Opt<A> {
        Opt {
            name: "description",
            read: |a, meta, errors| {
                a.common().description = string(meta, errors)?;
                Ok(())
            },
        }
    }

    pub const fn icon<A: HasCommon>() -> Opt<A> {
        Opt {
            name: "icon",
            read: |a, meta, errors| {
                a.common().icons.extend(string(meta, errors)?);
                Ok(())
            },
        }
    }

    pub const fn scopes<A: HasCommon>() -> Opt<A> {
        Opt {
            name: "scopes",
            read: |a, meta, errors| {
                a.common()
                    .scopes
                    .extend(string_list(meta, errors)?.unwrap_or_default());
                Ok(())
            },
        }
    }
}

/// `#[tool(...)]` options as written.
#[derive(Default)]
pub struct ToolArgs {
    pub common: CommonArgs,
    /// `None`: not written; `Some(b)`: `flag`, `flag = true` or `flag = false`.
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    /// `task = optional | required | forbidden`, as written.
    pub task: Option<Expr>,
    /// `timeout = "30s"`, as written (checked with the rest of the model).
    pub timeout: Option<LitStr>,
    /// `ui = "ui://…"` or `ui(uri = "ui://…", visibility = [...])`: the tool's MCP Apps view.
    pub ui: Option<UiArgs>,
}

/// The `ui` option of `#[tool]` as written: `ui = "ui://…"` sets `uri` only.
pub struct UiArgs {
    /// The `ui` keyword, where a missing `uri` is reported.
    pub span: Span,
    pub uri: Option<LitStr>,
    /// Whether `uri` was written (when it was but is not a literal, that is the only error).
    pub uri_written: bool,
    /// `visibility = ["model", "app"]`, its elements checked with the model.
    pub visibility: Option<ExprArray>,
}

impl UiArgs {
    fn new(span: Span) -> Self {
        Self {
            span,
            uri: None,
            uri_written: false,
            visibility: None,
        }
    }
}

/// `ui = "ui://…"` or `ui(...)` (read through [`TOOL_UI`]).
fn read_ui(a: &mut ToolArgs, meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<()> {
    let span = meta.path.span();
    let mut ui = UiArgs::new(span);
    if meta.input.peek(Token![=]) {
        ui.uri = string(meta, errors)?;
        ui.uri_written = true;
    } else if meta.input.peek(syn::token::Paren) {
        TOOL_UI.parse_nested(meta, &mut ui, errors)?;
    } else {
        errors.at(
            span,
            "`ui` names the tool's view: `ui = \"ui://…\"` or `ui(uri = \"ui://…\", visibility = [\"app\"])`",
        );
        return Ok(());
    }
    a.ui = Some(ui);
    Ok(())
}

/// The options inside `#[tool(ui(...))]`.
pub const TOOL_UI: Table<UiArgs> = Table {
    attribute: "`ui(...)`",
    options: &[
        Opt {
            name: "uri",
            read: |a, meta, errors| {
                a.uri = string(meta, errors)?;
                a.uri_written = true;
                Ok(())
            },
        },
        Opt {
            name: "visibility",
            read: |a, meta, errors| {
                let value: Expr = meta.value()?.parse()?;
                match value {
                    Expr::Array(array) => a.visibility = Some(array),
                    other => errors.spanned(
                        &other,
                        "`visibility` takes a list: `visibility = [\"model\", \"app\"]` (or one of them)",
                    ),
                }
                Ok(())
            },
        },
    ],
};

impl HasCommon for ToolArgs {
    fn common(&mut self) -> &mut CommonArgs {
        &mut self.common
    }
}

pub const TOOL: Table<ToolArgs> = Table {
    attribute: "`#[tool]`",
    options: &[
        common::name(),
        common::title(),
        common::description(),
        Opt {
            name: "read_only",
            read: |a, meta, errors| {
                a.read_only = flag(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "destructive",
            read: |a, meta, errors| {
                a.destructive = flag(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "idempotent",
            read: |a, meta, errors| {
                a.idempotent = flag(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "open_world",
            read: |a, meta, errors| {
                a.open_world = flag(meta, errors)?;
                Ok(())
            },
        },
        common::icon(),
        common::scopes(),
        Opt {
            name: "task",
            read: |a, meta, _| {
                a.task = Some(meta.value()?.parse()?);
                Ok(())
            },
        },
        Opt {
            name: "timeout",
            read: |a, meta, errors| {
                a.timeout = string(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "ui",
            read: read_ui,
        },
    ],
};

/// `#[resource(...)]` options as written.
#[derive(Default)]
pub struct ResourceArgs {
    pub uri: Option<LitStr>,
    pub mime: Option<LitStr>,
    pub common: CommonArgs,
    /// `app`: the `app` keyword, when the resource is an MCP Apps view.
    pub app: Option<Span>,
    /// `prefers_border[ = bool]`, with its keyword (an app's setting).
    pub prefers_border: Option<(Span, bool)>,
    /// `csp(...)`, with its keyword (an app's setting).
    pub csp: Option<(Span, CspArgs)>,
}

/// `csp(connect_domains = [...], ...)` of an app view: the origins it may reach.
#[derive(Default)]
pub struct CspArgs {
    pub connect_domains: Vec<LitStr>,
    pub resource_domains: Vec<LitStr>,
    pub frame_domains: Vec<LitStr>,
    pub base_uri_domains: Vec<LitStr>,
}

/// A list of origins, e.g. `connect_domains = ["https://api.example.com"]`.
fn origins(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Vec<LitStr>> {
    let example = "[\"https://api.example.com\"]";
    Ok(string_list_like(meta, errors, example)?.unwrap_or_default())
}

/// The options inside `#[resource(csp(...))]`: `AppCsp`'s lists.
pub const CSP: Table<CspArgs> = Table {
    attribute: "`csp(...)`",
    options: &[
        Opt {
            name: "connect_domains",
            read: |a, meta, errors| {
                a.connect_domains.extend(origins(meta, errors)?);
                Ok(())
            },
        },
        Opt {
            name: "resource_domains",
            read: |a, meta, errors| {
                a.resource_domains.extend(origins(meta, errors)?);
                Ok(())
            },
        },
        Opt {
            name: "frame_domains",
            read: |a, meta, errors| {
                a.frame_domains.extend(origins(meta, errors)?);
                Ok(())
            },
        },
        Opt {
            name: "base_uri_domains",
            read: |a, meta, errors| {
                a.base_uri_domains.extend(origins(meta, errors)?);
                Ok(())
            },
        },
    ],
};

impl HasCommon for ResourceArgs {
    fn common(&mut self) -> &mut CommonArgs {
        &mut self.common
    }
}

pub const RESOURCE: Table<ResourceArgs> = Table {
    attribute: "`#[resource]`",
    options: &[
        Opt {
            name: "uri",
            read: |a, meta, errors| {
                a.uri = string(meta, errors)?;
                Ok(())
            },
        },
        common::name(),
        common::title(),
        common::description(),
        Opt {
            name: "mime",
            read: |a, meta, errors| {
                a.mime = string(meta, errors)?;
                Ok(())
            },
        },
        common::icon(),
        common::scopes(),
        Opt {
            name: "app",
            read: |a, meta, errors| {
                let span = meta.path.span();
                a.app = flag(meta, errors)?.and_then(|on| on.then_some(span));
                Ok(())
            },
        },
        Opt {
            name: "prefers_border",
            read: |a, meta, errors| {
                let span = meta.path.span();
                a.prefers_border = flag(meta, errors)?.map(|on| (span, on));
                Ok(())
            },
        },
        Opt {
            name: "csp",
            read: |a, meta, errors| {
                let span = meta.path.span();
                let mut csp = CspArgs::default();
                CSP.parse_nested(meta, &mut csp, errors)?;
                a.csp = Some((span, csp));
                Ok(())
            },
        },
    ],
};

/// `#[prompt(...)]` options as written: only the shared ones.
#[derive(Default)]
pub struct PromptArgs {
    pub common: CommonArgs,
}

impl HasCommon for PromptArgs {
    fn common(&mut self) -> &mut CommonArgs {
        &mut self.common
    }
}

pub const PROMPT: Table<PromptArgs> = Table {
    attribute: "`#[prompt]`",
    options: &[
        common::name(),
        common::title(),
        common::description(),
        common::icon(),
        common::scopes(),
    ],
};

/// `#[arg(...)]` options of one parameter, as written.
#[derive(Default)]
pub struct ArgOptions {
    /// `Some(None)` for a bare `default`.
    pub default: Option<Option<Expr>>,
    pub rename: Option<LitStr>,
    pub header: Option<LitStr>,
    pub description: Option<LitStr>,
    pub examples: Vec<Expr>,
    pub min: Option<Expr>,
    pub max: Option<Expr>,
    pub min_length: Option<Expr>,
    pub max_length: Option<Expr>,
    pub pattern: Option<LitStr>,
    /// `complete = path`: the completion function of a template variable or prompt argument.
    pub complete: Option<syn::Path>,
    /// The `#[arg]` attribute, when there is one.
    pub span: Option<proc_macro2::Span>,
}

pub const ARG: Table<ArgOptions> = Table {
    attribute: "`#[arg]`",
    options: &[
        Opt {
            name: "default",
            read: |a, meta, _| {
                let expr = if meta.input.peek(Token![=]) {
                    Some(meta.value()?.parse()?)
                } else {
                    None
                };
                a.default = Some(expr);
                Ok(())
            },
        },
        Opt {
            name: "rename",
            read: |a, meta, errors| {
                a.rename = string(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "description",
            read: |a, meta, errors| {
                a.description = string(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "example",
            read: |a, meta, _| {
                a.examples.push(meta.value()?.parse()?);
                Ok(())
            },
        },
        Opt {
            name: "min",
            read: |a, meta, _| {
                a.min = Some(meta.value()?.parse()?);
                Ok(())
            },
        },
        Opt {
            name: "max",
            read: |a, meta, _| {
                a.max = Some(meta.value()?.parse()?);
                Ok(())
            },
        },
        Opt {
            name: "min_length",
            read: |a, meta, _| {
                a.min_length = Some(meta.value()?.parse()?);
                Ok(())
            },
        },
        Opt {
            name: "max_length",
            read: |a, meta, _| {
                a.max_length = Some(meta.value()?.parse()?);
                Ok(())
            },
        },
        Opt {
            name: "pattern",
            read: |a, meta, errors| {
                a.pattern = string(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "header",
            read: |a, meta, errors| {
                a.header = string(meta, errors)?;
                Ok(())
            },
        },
        Opt {
            name: "complete",
            read: |a, meta, _| {
                a.complete = Some(meta.value()?.parse()?);
                Ok(())
            },
        },
    ],
};
