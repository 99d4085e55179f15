//! The function an attribute is on, as written: its doc comment and its parameters with
//! their `#[arg]` options. Checks are in [`check`](super::check); this only reads.

use proc_macro2::TokenStream;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, FnArg, ItemFn, Meta, Pat};

use super::check;
use super::errors::Errors;
use super::options::{ARG, ArgOptions};

/// The function, read.
pub struct Function {
    /// The function as the user wrote it, minus our helper attributes (rustc rejects them).
    pub item: ItemFn,
    /// The text of its `///` comment.
    pub docs: Option<String>,
    /// The parameters that are well formed (the others' errors are recorded).
    pub params: Vec<ParsedParam>,
}

/// One parameter, as written.
pub struct ParsedParam {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    pub docs: Option<String>,
    pub options: ArgOptions,
}

/// The function the attribute is on; `Err` (with `usage`, how the attribute is used) when
/// `item` is not a function, since nothing else can be checked then.
pub fn item(item: TokenStream, usage: &str) -> syn::Result<ItemFn> {
    syn::parse2(item).map_err(|e| syn::Error::new(e.span(), usage))
}

impl Function {
    /// Reads the function, checking its signature and parameters on the way so the errors
    /// come out in source order; `attribute` names the attribute in messages ("`#[tool]`").
    pub fn read(mut item: ItemFn, attribute: &str, errors: &mut Errors) -> Self {
        check::signature(&item, attribute, errors);
        let docs = doc_text(&item.attrs);
        let params = params(&item, errors);
        strip_param_attrs(&mut item);
        Function { item, docs, params }
    }
}

/// The parameters, each with a plain name, an owned type and valid `#[arg]` options; a
/// parameter with a mistake is left out (its error is recorded).
fn params(function: &ItemFn, errors: &mut Errors) -> Vec<ParsedParam> {
    let mut params = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(pat_type) = input else {
            continue; // receivers are reported by check::signature
        };
        let ident = match &*pat_type.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                Some(pat.ident.clone())
            }
            other => {
                check::not_an_identifier(other, errors);
                None
            }
        };
        let owned = check::owned(&pat_type.ty, errors);
        let options = arg_options(&pat_type.attrs, errors);
        if let (Some(ident), true) = (ident, owned) {
            params.push(ParsedParam {
                ident,
                ty: (*pat_type.ty).clone(),
                docs: doc_text(&pat_type.attrs),
                options,
            });
        }
    }
    params
}

fn arg_options(attrs: &[Attribute], errors: &mut Errors) -> ArgOptions {
    let mut options = ArgOptions::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("arg")) {
        options.span = Some(attr.path().span());
        if let Meta::Path(_) = attr.meta {
            check::bare_arg(attr, errors);
            continue;
        }
        ARG.parse_attribute(attr, &mut options, errors);
    }
    options
}

/// Removes the attributes that only our macros understand from the parameters.
pub fn strip_param_attrs(function: &mut ItemFn) {
    for input in &mut function.sig.inputs {
        if let FnArg::Typed(pat_type) = input {
            pat_type
                .attrs
                .retain(|a| !a.path().is_ident("arg") && !a.path().is_ident("doc"));
        }
    }
}

/// The text of `///` comments (`#[doc = "..."]`), one leading space per line removed.
pub fn doc_text(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| {
            line.strip_prefix(' ')
                .unwrap_or(&line)
                .trim_end()
                .to_owned()
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}
