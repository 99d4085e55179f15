//! What a tool is made of, checked: the names are valid, the parameters classified.

use syn::{Expr, GenericArgument, Ident, ItemFn, PathArguments, Type};

use crate::parse::{ArgOptions, Parsed, ParsedParam};

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
    pub icons: Vec<String>,
    /// The `TaskSupport` variant, when `task = …` was given.
    pub task: Option<Ident>,
    pub params: Vec<Param>,
}

/// A parameter: an argument the client sends, or a value the server injects.
// A handful exist per macro call, briefly: their size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Param {
    Argument(Argument),
    /// `State<T>`: server state registered with `Server::state`.
    State {
        ident: Ident,
        ty: Type,
        inner: Type,
    },
    /// `Context`: the call's context.
    Context {
        ident: Ident,
        ty: Type,
    },
}

impl Param {
    pub fn ident(&self) -> &Ident {
        match self {
            Self::Argument(a) => &a.ident,
            Self::State { ident, .. } | Self::Context { ident, .. } => ident,
        }
    }
}

pub struct Argument {
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
    pub kind: ArgumentKind,
}

impl Argument {
    pub fn has_constraints(&self) -> bool {
        self.min.is_some()
            || self.max.is_some()
            || self.min_length.is_some()
            || self.max_length.is_some()
            || self.pattern.is_some()
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
            let param = match injected(&param)? {
                Some(injected) => injected,
                None => Param::Argument(argument(param, &checked)?),
            };
            checked.push(param);
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
            icons: args.icons.iter().map(|i| i.value()).collect(),
            task: args.task,
            params: checked,
        })
    }
}

/// `State<T>` and `Context` parameters are filled in by the server, not sent by the client.
fn injected(param: &ParsedParam) -> syn::Result<Option<Param>> {
    let Type::Path(path) = &param.ty else {
        return Ok(None);
    };
    let Some(last) = path.path.segments.last() else {
        return Ok(None);
    };
    let injected = match (last.ident.to_string().as_str(), &last.arguments) {
        ("State", PathArguments::AngleBracketed(args)) if args.args.len() == 1 => {
            match args.args.first() {
                Some(GenericArgument::Type(inner)) => Param::State {
                    ident: param.ident.clone(),
                    ty: param.ty.clone(),
                    inner: inner.clone(),
                },
                _ => return Ok(None),
            }
        }
        ("Context", PathArguments::None) => Param::Context {
            ident: param.ident.clone(),
            ty: param.ty.clone(),
        },
        _ => return Ok(None),
    };
    if let Some(span) = param.options.span {
        return Err(syn::Error::new(
            span,
            "`#[arg]` does not apply here: `State<T>` and `Context` parameters are filled in by the server, not sent by the client",
        ));
    }
    Ok(Some(injected))
}

fn argument(param: ParsedParam, earlier: &[Param]) -> syn::Result<Argument> {
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
        span: _,
    } = options;
    let arguments = || {
        earlier.iter().filter_map(|p| match p {
            Param::Argument(a) => Some(a),
            _ => None,
        })
    };

    let name = match &rename {
        Some(lit) if lit.value().is_empty() => {
            return Err(syn::Error::new(
                lit.span(),
                "an argument name cannot be empty",
            ));
        }
        Some(lit) => lit.value(),
        None => unraw(&ident),
    };
    if let Some(other) = arguments().find(|a| a.name == name) {
        return Err(syn::Error::new(
            rename.as_ref().map_or(ident.span(), |l| l.span()),
            format!(
                "two parameters are both named `{name}` in the schema (the other is `{}`); rename one with `#[arg(rename = \"...\")]`",
                other.ident
            ),
        ));
    }

    let header = match &header {
        Some(lit) => {
            let value = lit.value();
            check_header_name(&value).map_err(|why| syn::Error::new(lit.span(), why))?;
            if arguments().any(|a| {
                a.header
                    .as_ref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&value))
            }) {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "two parameters use the header name `{value}`; header names must be unique (ignoring case)"
                    ),
                ));
            }
            Some(value)
        }
        None => None,
    };

    if let Some(lit) = &pattern {
        if lit.value().is_empty() {
            return Err(syn::Error::new(
                lit.span(),
                "an empty pattern matches everything; remove it",
            ));
        }
    }

    let kind = match (default, option_inner(&ty)) {
        (Some(default), _) => ArgumentKind::Defaulted(default),
        (None, Some(inner)) => ArgumentKind::Optional {
            inner: inner.clone(),
        },
        (None, None) => ArgumentKind::Required,
    };
    Ok(Argument {
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
        kind,
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
