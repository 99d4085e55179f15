//! Checks of the function as written: its signature, and each parameter's name and type.

use syn::spanned::Spanned as _;
use syn::{Attribute, FnArg, GenericArgument, GenericParam, ItemFn, Pat, PathArguments, Type};

use crate::internals::errors::Errors;

/// Checks the signature; `what` names the attribute in messages (e.g. "`#[tool]`").
pub fn signature(function: &ItemFn, what: &str, errors: &mut Errors) {
    let sig = &function.sig;
    if let Some(receiver) = sig.receiver() {
        errors.at(
            receiver.span(),
            format!("{what} cannot take `self`: it goes on a free function; move it out of the `impl` block and share state through its parameters"),
        );
    }
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span(),
            format!("{what} functions must be `async fn`: a plain `fn` would run on the runtime's thread and block every other request while it works; write `async fn` (and move blocking work into `tokio::task::spawn_blocking`)"),
        );
    }
    let lifetimes_only = sig
        .generics
        .params
        .iter()
        .all(|p| matches!(p, GenericParam::Lifetime(_)));
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let why = if lifetimes_only && sig.generics.where_clause.is_none() {
            format!(
                "{what} functions cannot have lifetime parameters: parameters are owned values decoded from the request (`String`, `Vec<T>`)"
            )
        } else {
            format!(
                "{what} functions cannot be generic: the input schema is derived from concrete parameter types"
            )
        };
        errors.at(sig.generics.span(), why);
    }
    for input in &sig.inputs {
        if let FnArg::Typed(pat_type) = input {
            if let syn::Type::ImplTrait(ty) = &*pat_type.ty {
                errors.at(
                    ty.span(),
                    "`impl Trait` parameters are generic; use a concrete type that implements `Deserialize + JsonSchema`",
                );
            }
        }
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.at(
            unsafety.span(),
            format!("{what} functions cannot be `unsafe`"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(
            variadic.span(),
            format!("{what} functions cannot be variadic"),
        );
    }
}

/// A parameter written as a pattern (`(a, b): (u32, u32)`, `ref x`) has no name to give
/// its argument.
pub fn not_an_identifier(pat: &Pat, errors: &mut Errors) {
    errors.at(
        pat.span(),
        "parameters must be plain identifiers (`name: Type`): the name becomes the argument's name in the input schema",
    );
}

/// `#[arg]` without options says nothing.
pub fn bare_arg(attr: &Attribute, errors: &mut Errors) {
    errors.at(
        attr.span(),
        "`#[arg]` needs options, e.g. `#[arg(default = 10)]` or `#[arg(rename = \"name\")]`",
    );
}

/// A parameter must own its value: the request it is decoded from is gone by the time the
/// function runs, and `Deserialize` of a borrowed type fails with an unhelpful message.
/// `false` (with the error recorded) for a reference or a type that carries a lifetime.
pub fn owned(ty: &Type, errors: &mut Errors) -> bool {
    match borrow_in(ty) {
        None => true,
        Some(Borrow::Reference(reference)) => {
            let owned = owned_form(&reference.elem);
            errors.spanned(
                reference,
                format!("parameters cannot borrow: `{}` would point into the request, which is decoded before the call; take an owned {owned} instead", tidy(reference)),
            );
            false
        }
        Some(Borrow::Lifetime) => {
            errors.spanned(
                ty,
                format!("parameters cannot borrow: `{}` carries a lifetime, but the value is decoded from the request before the call; take an owned type (`String`, `Vec<T>`) instead", tidy(ty)),
            );
            false
        }
    }
}

enum Borrow<'a> {
    Reference(&'a syn::TypeReference),
    Lifetime,
}

fn borrow_in(ty: &Type) -> Option<Borrow<'_>> {
    match ty {
        Type::Reference(reference) => Some(Borrow::Reference(reference)),
        Type::Paren(inner) => borrow_in(&inner.elem),
        Type::Group(inner) => borrow_in(&inner.elem),
        Type::Slice(inner) => borrow_in(&inner.elem),
        Type::Array(inner) => borrow_in(&inner.elem),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(borrow_in),
        Type::Path(path) => path.path.segments.iter().find_map(|segment| {
            let PathArguments::AngleBracketed(args) = &segment.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Lifetime(l) if l.ident != "static" => Some(Borrow::Lifetime),
                GenericArgument::Type(inner) => borrow_in(inner),
                _ => None,
            })
        }),
        _ => None,
    }
}

/// What to take instead of a reference to `elem`.
fn owned_form(elem: &Type) -> String {
    match elem {
        Type::Path(path) if path.path.is_ident("str") => "`String`".to_owned(),
        Type::Slice(slice) => format!("`Vec<{}>`", tidy(&slice.elem)),
        Type::Path(path) if path.path.is_ident("Path") => "`PathBuf` (or `String`)".to_owned(),
        other => format!("`{}`", tidy(other)),
    }
}

/// A type as a user would write it (`quote` puts spaces around every token).
fn tidy(tokens: &impl quote::ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let prev = out.chars().last();
        let drop_space = c == ' '
            && (matches!(next, Some('<' | '>' | ',' | ':' | ']' | ')'))
                || matches!(prev, Some('<' | '&' | ':' | '[' | '(' | '\'')));
        if !drop_space {
            out.push(c);
        }
    }
    out
}
