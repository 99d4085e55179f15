//! What a tool is made of, checked: the names are valid, the parameters described.
//!
//! Whether a parameter is an argument or injected by the server (`State<T>`, `Context`) is
//! not decided here: the expansion leaves it to the type system (see
//! `mcp_runtime::FromCallContext`), so every parameter is described as a possible argument.

use syn::{Expr, GenericArgument, Ident, ItemFn, PathArguments, Type};

use crate::errors::Errors;
use crate::parse::{ArgOptions, ParsedParam, ToolArgs};

pub struct Tool {
    /// The function as the user wrote it, minus our helper attributes.
    pub function: ItemFn,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    pub icons: Vec<String>,
    pub scopes: Vec<String>,
    /// `timeout = "…"`, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The `TaskSupport` variant, when `task = …` was given.
    pub task: Option<Ident>,
    pub params: Vec<Param>,
}

/// A parameter: an argument the client sends, unless its type is injected by the server.
pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    /// The argument's name on the wire (after `rename`).
    pub name: String,
    pub description: Option<String>,
    /// `#[arg(header = "...")]`: mirrored into `Mcp-Param-{header}` (2026-07-28).
    pub header: Option<String>,
    pub examples: Vec<Expr>,
    pub min: Option<Expr>,
    pub max: Option<Expr>,
    pub min_length: Option<Expr>,
    pub max_length: Option<Expr>,
    pub pattern: Option<String>,
    /// `#[arg(complete = f)]`: its completion function (resources and prompts).
    pub complete: Option<syn::Path>,
    pub kind: ArgumentKind,
    /// The `#[arg]` attribute, if any: an injected type rejects it at compile time.
    pub arg_span: Option<proc_macro2::Span>,
}

impl Param {
    pub fn has_constraints(&self) -> bool {
        self.min.is_some()
            || self.max.is_some()
            || self.min_length.is_some()
            || self.max_length.is_some()
            || self.pattern.is_some()
    }

    /// The type the schema describes: `T` for `Option<T>`, else the parameter's type.
    pub fn schema_ty(&self) -> &Type {
        match &self.kind {
            ArgumentKind::Optional { inner } => inner,
            _ => &self.ty,
        }
    }
}

pub enum ArgumentKind {
    /// Must be present.
    Required,
    /// `Option<T>`: may be absent; `inner` is `T`, whose schema describes the argument.
    Optional { inner: Type },
    /// `#[arg(default)]` (`None`: `Default::default()`) or `#[arg(default = EXPR)]`.
    Defaulted(Option<Expr>),
}

impl Tool {
    pub fn new(
        args: ToolArgs,
        function: ItemFn,
        docs: Option<String>,
        params: Vec<ParsedParam>,
        errors: &mut Errors,
    ) -> Self {
        let name = match &args.common.name {
            Some(lit) => {
                let name = lit.value();
                if let Err(why) = check_tool_name(&name) {
                    errors.at(lit.span(), why);
                }
                name
            }
            None => {
                let name = unraw(&function.sig.ident);
                if let Err(why) = check_tool_name(&name) {
                    errors.at(
                        function.sig.ident.span(),
                        format!("{why}; give the tool a valid name with `#[tool(name = \"...\")]`"),
                    );
                }
                name
            }
        };
        let mut checked: Vec<Param> = Vec::with_capacity(params.len());
        for param in params {
            if let Some(path) = &param.options.complete {
                errors.at(
                    syn::spanned::Spanned::span(path),
                    "`complete` applies to resource template variables and prompt arguments; tool arguments have no completion",
                );
            }
            if let Some(param) = describe(param, &checked, errors) {
                checked.push(param);
            }
        }
        Tool {
            function,
            name,
            title: args.common.title.map(|t| t.value()),
            description: args.common.description.map(|d| d.value()).or(docs),
            read_only: args.read_only,
            destructive: args.destructive,
            idempotent: args.idempotent,
            open_world: args.open_world,
            icons: args.common.icons.iter().map(|i| i.value()).collect(),
            scopes: args.common.scopes.iter().map(|s| s.value()).collect(),
            timeout_ms: args.timeout_ms,
            task: args.task,
            params: checked,
        }
    }
}

/// A parameter with its options checked; `None` (error recorded) when they are wrong.
pub fn describe(param: ParsedParam, earlier: &[Param], errors: &mut Errors) -> Option<Param> {
    let ParsedParam {
        ident,
        ty,
        docs,
        options,
    } = param;
    let ArgOptions {
        default,
        rename,
        header,
        description,
        examples,
        min,
        max,
        min_length,
        max_length,
        pattern,
        complete,
        span: arg_span,
    } = options;
    let arguments = || earlier.iter();
    let mut ok = true;

    let name = match &rename {
        Some(lit) if lit.value().is_empty() => {
            errors.at(lit.span(), "an argument name cannot be empty");
            ok = false;
            String::new()
        }
        Some(lit) => lit.value(),
        None => unraw(&ident),
    };
    if let Some(other) = arguments().find(|a| a.name == name) {
        errors.at(
            rename.as_ref().map_or(ident.span(), |l| l.span()),
            format!(
                "two parameters are both named `{name}` in the schema (the other is `{}`); rename one with `#[arg(rename = \"...\")]`",
                other.ident
            ),
        );
        ok = false;
    }

    let header = match &header {
        Some(lit) => {
            let value = lit.value();
            if let Err(why) = check_header_name(&value) {
                errors.at(lit.span(), why);
                ok = false;
            }
            if arguments().any(|a| {
                a.header
                    .as_ref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&value))
            }) {
                errors.at(
                    lit.span(),
                    format!(
                        "two parameters use the header name `{value}`; header names must be unique (ignoring case)"
                    ),
                );
                ok = false;
            }
            Some(value)
        }
        None => None,
    };

    if let Some(lit) = &pattern {
        if lit.value().is_empty() {
            errors.at(lit.span(), "an empty pattern matches everything; remove it");
            ok = false;
        }
    }

    let kind = match (default, option_inner(&ty)) {
        (Some(default), _) => ArgumentKind::Defaulted(default),
        (None, Some(inner)) => ArgumentKind::Optional {
            inner: inner.clone(),
        },
        (None, None) => ArgumentKind::Required,
    };
    ok.then_some(Param {
        description: description.map(|d| d.value()).or(docs),
        ident,
        ty,
        name,
        header,
        examples,
        min,
        max,
        min_length,
        max_length,
        pattern: pattern.map(|p| p.value()),
        complete,
        kind,
        arg_span,
    })
}

/// `x-mcp-header` values are HTTP field-name tokens (RFC 9110 `1*tchar`).
fn check_header_name(name: &str) -> Result<(), String> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() {
        return Err("a header name cannot be empty".to_owned());
    }
    if let Some(bad) = name.chars().find(|&c| !tchar(c)) {
        return Err(format!(
            "invalid header name `{name}`: {bad:?} is not allowed in an HTTP header name (use letters, digits and `-`)"
        ));
    }
    Ok(())
}

/// The spec's rule for tool names: 1–128 characters of `A-Za-z0-9_-.`.
fn check_tool_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 {
        return Err(format!(
            "invalid tool name `{name}`: names must be 1 to 128 characters long"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "invalid tool name `{name}`: {bad:?} is not allowed; use only A-Z, a-z, 0-9, `_`, `-` and `.`"
        ));
    }
    Ok(())
}

/// The identifier as the user means it: without the `r#` of a raw identifier.
pub(crate) fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map(str::to_owned).unwrap_or(text)
}

/// `T` when `ty` is written `Option<T>` (or `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}
