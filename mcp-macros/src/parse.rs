//! Reading the attribute arguments and the function, with errors at the user's spans.
//! Every mistake is recorded in [`Errors`] and reading goes on, so one compile shows all.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, Expr, ExprLit, FnArg, GenericArgument, GenericParam, ItemFn, Lit, LitStr, Meta, Pat,
    PathArguments, Token, Type,
};

use crate::errors::Errors;

/// The options `#[tool]`, `#[resource]` and `#[prompt]` share, as written.
#[derive(Default)]
pub struct CommonArgs {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub icons: Vec<LitStr>,
    pub scopes: Vec<LitStr>,
}

impl CommonArgs {
    /// Reads `meta` when it is one of the shared options; `false` when it is not.
    pub fn take(&mut self, meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<bool> {
        let path = &meta.path;
        if path.is_ident("name") {
            self.name = string(meta, errors)?;
        } else if path.is_ident("title") {
            self.title = string(meta, errors)?;
        } else if path.is_ident("description") {
            self.description = string(meta, errors)?;
        } else if path.is_ident("icon") {
            self.icons.extend(string(meta, errors)?);
        } else if path.is_ident("scopes") {
            self.scopes
                .extend(string_list(meta, errors)?.unwrap_or_default());
        } else {
            return Ok(false);
        }
        Ok(true)
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
    /// `task = optional | required | forbidden`: the variant of `TaskSupport`.
    pub task: Option<syn::Ident>,
    /// `timeout = "30s"`, in milliseconds (checked here, at compile time).
    pub timeout_ms: Option<u64>,
}

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

/// One parameter, as written.
pub struct ParsedParam {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    pub docs: Option<String>,
    pub options: ArgOptions,
}

/// The function an attribute is on; `Err` when it is not a function (nothing else to check).
pub fn parse_function(item: TokenStream, usage: &str) -> syn::Result<ItemFn> {
    syn::parse2(item).map_err(|e| syn::Error::new(e.span(), usage))
}

pub fn parse_tool_args(attr: TokenStream, errors: &mut Errors) -> ToolArgs {
    let mut args = ToolArgs::default();
    let parser = syn::meta::parser(|meta| {
        if args.common.take(&meta, errors)? {
            return Ok(());
        }
        let path = &meta.path;
        if path.is_ident("read_only") {
            args.read_only = flag(&meta, errors)?;
        } else if path.is_ident("destructive") {
            args.destructive = flag(&meta, errors)?;
        } else if path.is_ident("idempotent") {
            args.idempotent = flag(&meta, errors)?;
        } else if path.is_ident("open_world") {
            args.open_world = flag(&meta, errors)?;
        } else if path.is_ident("timeout") {
            if let Some(text) = string(&meta, errors)? {
                match humantime::parse_duration(&text.value()) {
                    Ok(duration) if !duration.is_zero() => {
                        args.timeout_ms = Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX));
                    }
                    Ok(_) => errors.spanned(&text, "a timeout of zero would stop every call at once"),
                    Err(why) => errors.spanned(
                        &text,
                        format!("`timeout` takes a duration such as \"30s\", \"5m\" or \"1h 30m\": {why}"),
                    ),
                }
            }
        } else if path.is_ident("task") {
            let mode: syn::Ident = meta.value()?.parse()?;
            let variant = match mode.to_string().as_str() {
                "optional" => Some("Optional"),
                "required" => Some("Required"),
                "forbidden" => Some("Forbidden"),
                other => {
                    errors.push(syn::Error::new(
                        mode.span(),
                        format!(
                            "unknown task mode `{other}`; expected `optional` (a task for clients with the tasks extension), `required` (only as a task) or `forbidden`"
                        ),
                    ));
                    None
                }
            };
            args.task = variant.map(|v| syn::Ident::new(v, mode.span()));
        } else {
            errors.push(meta.error(format!(
                "unknown `#[tool]` option `{}`; expected one of: name, title, description, read_only, destructive, idempotent, open_world, icon, scopes, task, timeout",
                path_text(path)
            )));
            skip_value(&meta)?;
        }
        Ok(())
    });
    let parsed = parser.parse2(attr);
    errors.ok(parsed);
    args
}

/// `option = "text"`.
pub fn string(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            errors.spanned(
                &other,
                format!(
                    "`{}` takes a string literal, e.g. `{0} = \"...\"`",
                    path_text(&meta.path)
                ),
            );
            Ok(None)
        }
    }
}

/// `flag`, `flag = true` or `flag = false`.
pub fn flag(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<bool>> {
    if !meta.input.peek(Token![=]) {
        return Ok(Some(true));
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(Some(b.value)),
        other => {
            let name = path_text(&meta.path);
            errors.spanned(
                &other,
                format!("`{name}` is a flag: write `{name}`, `{name} = true` or `{name} = false`"),
            );
            Ok(None)
        }
    }
}

/// `option = ["a", "b"]`.
pub fn string_list(
    meta: &ParseNestedMeta,
    errors: &mut Errors,
) -> syn::Result<Option<Vec<LitStr>>> {
    let expr: Expr = meta.value()?.parse()?;
    let name = path_text(&meta.path);
    let complain = |errors: &mut Errors, tokens: &Expr| {
        errors.spanned(
            tokens,
            format!("`{name}` takes a list of string literals, e.g. `{name} = [\"notes:read\", \"notes:write\"]`"),
        );
    };
    let Expr::Array(array) = expr else {
        complain(errors, &expr);
        return Ok(None);
    };
    let mut items = Vec::new();
    for element in array.elems {
        match element {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => items.push(s),
            other => complain(errors, &other),
        }
    }
    Ok(Some(items))
}

/// Consumes the value of an option that was rejected, so parsing goes on after it.
pub fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// The parameters, each checked: a plain name, an owned type, valid `#[arg]` options.
/// A parameter with a mistake is left out (its error is recorded).
pub fn parse_params(function: &ItemFn, errors: &mut Errors) -> Vec<ParsedParam> {
    let mut params = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(pat_type) = input else {
            continue; // receivers are reported by check_signature
        };
        let ident = match &*pat_type.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                Some(pat.ident.clone())
            }
            other => {
                errors.at(
                    other.span(),
                    "parameters must be plain identifiers (`name: Type`): the name becomes the argument's name in the input schema",
                );
                None
            }
        };
        let owned = check_owned(&pat_type.ty, errors);
        let options = parse_arg_options(&pat_type.attrs, errors);
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

fn parse_arg_options(attrs: &[Attribute], errors: &mut Errors) -> ArgOptions {
    let mut options = ArgOptions::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("arg")) {
        options.span = Some(attr.path().span());
        if let Meta::Path(_) = attr.meta {
            errors.at(
                attr.span(),
                "`#[arg]` needs options, e.g. `#[arg(default = 10)]` or `#[arg(rename = \"name\")]`",
            );
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("default") {
                let expr = if meta.input.peek(Token![=]) {
                    Some(meta.value()?.parse()?)
                } else {
                    None
                };
                options.default = Some(expr);
            } else if path.is_ident("rename") {
                options.rename = string(&meta, errors)?;
            } else if path.is_ident("header") {
                options.header = string(&meta, errors)?;
            } else if path.is_ident("description") {
                options.description = string(&meta, errors)?;
            } else if path.is_ident("example") {
                options.examples.push(meta.value()?.parse()?);
            } else if path.is_ident("min") {
                options.min = Some(meta.value()?.parse()?);
            } else if path.is_ident("max") {
                options.max = Some(meta.value()?.parse()?);
            } else if path.is_ident("min_length") {
                options.min_length = Some(meta.value()?.parse()?);
            } else if path.is_ident("max_length") {
                options.max_length = Some(meta.value()?.parse()?);
            } else if path.is_ident("pattern") {
                options.pattern = string(&meta, errors)?;
            } else if path.is_ident("complete") {
                options.complete = Some(meta.value()?.parse()?);
            } else {
                errors.push(meta.error(format!(
                    "unknown `#[arg]` option `{}`; expected one of: default, rename, description, example, min, max, min_length, max_length, pattern, header, complete",
                    path_text(path)
                )));
                skip_value(&meta)?;
            }
            Ok(())
        });
        errors.ok(parsed);
    }
    options
}

/// Checks the signature; `what` names the attribute in messages (e.g. "`#[tool]`").
pub fn check_signature(function: &ItemFn, what: &str, errors: &mut Errors) {
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

/// A parameter must own its value: the request it is decoded from is gone by the time the
/// function runs, and `Deserialize` of a borrowed type fails with an unhelpful message.
/// `false` (with the error recorded) for a reference or a type that carries a lifetime.
fn check_owned(ty: &Type, errors: &mut Errors) -> bool {
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

pub fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
