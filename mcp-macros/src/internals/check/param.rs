//! Checks of each parameter's `#[arg]` options, giving its [`Param`].

use syn::{GenericArgument, PathArguments, Type};

use crate::internals::ast::ParsedParam;
use crate::internals::errors::Errors;
use crate::internals::model::{ArgumentKind, Param, unraw};
use crate::internals::options::ArgOptions;

/// The parameters with their options checked; one with a mistake is left out (its error is
/// recorded). `each` runs first on every parameter, for the checks of one kind.
pub fn params(
    parsed: Vec<ParsedParam>,
    errors: &mut Errors,
    mut each: impl FnMut(&ParsedParam, &mut Errors),
) -> Vec<Param> {
    let mut checked: Vec<Param> = Vec::with_capacity(parsed.len());
    for param in parsed {
        each(&param, errors);
        if let Some(param) = describe(param, &checked, errors) {
            checked.push(param);
        }
    }
    checked
}

/// A parameter with its options checked; `None` (error recorded) when they are wrong.
fn describe(param: ParsedParam, earlier: &[Param], errors: &mut Errors) -> Option<Param> {
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
            if let Err(why) = header_name(&value) {
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
fn header_name(name: &str) -> Result<(), String> {
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
