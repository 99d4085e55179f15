//! What a tool is made of, checked: the names are valid, the parameters classified.

use syn::{Expr, GenericArgument, Ident, ItemFn, PathArguments, Type};

use crate::parse::Parsed;

pub struct Tool {
    /// The function as the user wrote it, minus our helper attributes.
    pub function: ItemFn,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
    pub params: Vec<Param>,
}

pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    /// The argument's name on the wire (after `rename`).
    pub name: String,
    pub description: Option<String>,
    /// `#[arg(header = "...")]`: mirrored into `Mcp-Param-{header}` (2026-07-28).
    pub header: Option<String>,
    pub kind: ParamKind,
}

pub enum ParamKind {
    /// Must be present.
    Required,
    /// `Option<T>`: may be absent; `inner` is `T`, whose schema describes the argument.
    Optional { inner: Type },
    /// `#[arg(default)]` (`None`: `Default::default()`) or `#[arg(default = EXPR)]`.
    Defaulted(Option<Expr>),
}

impl Tool {
    pub fn from_parsed(parsed: Parsed) -> syn::Result<Self> {
        let Parsed {
            args,
            function,
            docs,
            params,
        } = parsed;
        let name = match &args.name {
            Some(lit) => {
                let name = lit.value();
                check_tool_name(&name).map_err(|why| syn::Error::new(lit.span(), why))?;
                name
            }
            None => {
                let name = unraw(&function.sig.ident);
                check_tool_name(&name).map_err(|why| {
                    syn::Error::new(
                        function.sig.ident.span(),
                        format!("{why}; give the tool a valid name with `#[tool(name = \"...\")]`"),
                    )
                })?;
                name
            }
        };

        let mut checked: Vec<Param> = Vec::with_capacity(params.len());
        for param in params {
            let wire_name = match &param.options.rename {
                Some(lit) => {
                    let renamed = lit.value();
                    if renamed.is_empty() {
                        return Err(syn::Error::new(
                            lit.span(),
                            "an argument name cannot be empty",
                        ));
                    }
                    renamed
                }
                None => unraw(&param.ident),
            };
            if let Some(earlier) = checked.iter().find(|p| p.name == wire_name) {
                return Err(syn::Error::new(
                    param
                        .options
                        .rename
                        .as_ref()
                        .map_or(param.ident.span(), |l| l.span()),
                    format!(
                        "two parameters are both named `{wire_name}` in the schema (the other is `{}`); rename one with `#[arg(rename = \"...\")]`",
                        earlier.ident
                    ),
                ));
            }
            let header = match &param.options.header {
                Some(lit) => {
                    let header = lit.value();
                    check_header_name(&header).map_err(|why| syn::Error::new(lit.span(), why))?;
                    if checked.iter().any(|p| {
                        p.header
                            .as_ref()
                            .is_some_and(|h| h.eq_ignore_ascii_case(&header))
                    }) {
                        return Err(syn::Error::new(
                            lit.span(),
                            format!(
                                "two parameters use the header name `{header}`; header names must be unique (ignoring case)"
                            ),
                        ));
                    }
                    Some(header)
                }
                None => None,
            };
            let kind = match (param.options.default, option_inner(&param.ty)) {
                (Some(default), _) => ParamKind::Defaulted(default),
                (None, Some(inner)) => ParamKind::Optional {
                    inner: inner.clone(),
                },
                (None, None) => ParamKind::Required,
            };
            checked.push(Param {
                description: param.options.description.map(|d| d.value()).or(param.docs),
                ident: param.ident,
                ty: param.ty,
                name: wire_name,
                header,
                kind,
            });
        }

        Ok(Tool {
            function,
            name,
            title: args.title.map(|t| t.value()),
            description: args.description.map(|d| d.value()).or(docs),
            read_only: args.read_only,
            destructive: args.destructive,
            idempotent: args.idempotent,
            open_world: args.open_world,
            params: checked,
        })
    }
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

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
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
