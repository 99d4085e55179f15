//! Reading the attribute arguments and the function, with errors at the user's spans.

use proc_macro2::TokenStream;
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, FnArg, ItemFn, LitStr, Meta, Pat, Token};

/// `#[tool(...)]` options as written.
#[derive(Default)]
pub struct ToolArgs {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
    pub icons: Vec<LitStr>,
    /// `task = optional | required | forbidden`: the variant of `TaskSupport`.
    pub task: Option<syn::Ident>,
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
    /// The `#[arg]` attribute, for errors about the whole attribute.
    pub span: Option<proc_macro2::Span>,
}

/// One parameter, as written.
pub struct ParsedParam {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    pub docs: Option<String>,
    pub options: ArgOptions,
}

/// Everything the macro read.
pub struct Parsed {
    pub args: ToolArgs,
    pub function: ItemFn,
    pub docs: Option<String>,
    pub params: Vec<ParsedParam>,
}

pub fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<Parsed> {
    let args = parse_tool_args(attr)?;
    let mut function: ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[tool]` goes on a function: `#[tool] async fn name(...) -> T { ... }`",
        )
    })?;
    check_signature(&function)?;
    let docs = doc_text(&function.attrs);
    let mut params = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(pat_type) = input else {
            unreachable!("receivers are rejected by check_signature")
        };
        let ident = match &*pat_type.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "tool parameters must be plain identifiers (`name: Type`): the name becomes the argument's name in the tool's input schema",
                ));
            }
        };
        params.push(ParsedParam {
            ident,
            ty: (*pat_type.ty).clone(),
            docs: doc_text(&pat_type.attrs),
            options: parse_arg_options(&pat_type.attrs)?,
        });
    }
    strip_param_attrs(&mut function);
    Ok(Parsed {
        args,
        function,
        docs,
        params,
    })
}

fn parse_tool_args(attr: TokenStream) -> syn::Result<ToolArgs> {
    let mut args = ToolArgs::default();
    let parser = syn::meta::parser(|meta| {
        let path = &meta.path;
        if path.is_ident("name") {
            args.name = Some(meta.value()?.parse()?);
        } else if path.is_ident("title") {
            args.title = Some(meta.value()?.parse()?);
        } else if path.is_ident("description") {
            args.description = Some(meta.value()?.parse()?);
        } else if path.is_ident("read_only") {
            args.read_only = true;
        } else if path.is_ident("destructive") {
            args.destructive = true;
        } else if path.is_ident("idempotent") {
            args.idempotent = true;
        } else if path.is_ident("open_world") {
            args.open_world = true;
        } else if path.is_ident("icon") {
            args.icons.push(meta.value()?.parse()?);
        } else if path.is_ident("task") {
            let mode: syn::Ident = meta.value()?.parse()?;
            let variant = match mode.to_string().as_str() {
                "optional" => "Optional",
                "required" => "Required",
                "forbidden" => "Forbidden",
                other => {
                    return Err(syn::Error::new(
                        mode.span(),
                        format!(
                            "unknown task mode `{other}`; expected `optional` (a task for clients with the tasks extension), `required` (only as a task) or `forbidden`"
                        ),
                    ));
                }
            };
            args.task = Some(syn::Ident::new(variant, mode.span()));
        } else {
            return Err(meta.error(format!(
                "unknown `#[tool]` option `{}`; expected one of: name, title, description, read_only, destructive, idempotent, open_world, icon, task",
                path_text(path)
            )));
        }
        Ok(())
    });
    parser.parse2(attr)?;
    Ok(args)
}

fn parse_arg_options(attrs: &[Attribute]) -> syn::Result<ArgOptions> {
    let mut options = ArgOptions::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("arg")) {
        options.span = Some(attr.path().span());
        if let Meta::Path(_) = attr.meta {
            return Err(syn::Error::new(
                attr.span(),
                "`#[arg]` needs options, e.g. `#[arg(default = 10)]` or `#[arg(rename = \"name\")]`",
            ));
        }
        attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("default") {
                let expr = if meta.input.peek(Token![=]) {
                    Some(meta.value()?.parse()?)
                } else {
                    None
                };
                options.default = Some(expr);
            } else if path.is_ident("rename") {
                options.rename = Some(meta.value()?.parse()?);
            } else if path.is_ident("header") {
                options.header = Some(meta.value()?.parse()?);
            } else if path.is_ident("description") {
                options.description = Some(meta.value()?.parse()?);
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
                options.pattern = Some(meta.value()?.parse()?);
            } else {
                return Err(meta.error(format!(
                    "unknown `#[arg]` option `{}`; expected one of: default, rename, description, example, min, max, min_length, max_length, pattern, header",
                    path_text(path)
                )));
            }
            Ok(())
        })?;
    }
    Ok(options)
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    if let Some(receiver) = sig.receiver() {
        return Err(syn::Error::new(
            receiver.span(),
            "`#[tool]` cannot take `self`: tools are free functions; move it out of the `impl` block and share state through its parameters",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "`#[tool]` functions cannot be generic: the input schema is derived from concrete parameter types",
        ));
    }
    for input in &sig.inputs {
        if let FnArg::Typed(pat_type) = input {
            if let syn::Type::ImplTrait(ty) = &*pat_type.ty {
                return Err(syn::Error::new(
                    ty.span(),
                    "`impl Trait` parameters are generic; use a concrete type that implements `Deserialize + JsonSchema`",
                ));
            }
        }
    }
    if let Some(unsafety) = &sig.unsafety {
        return Err(syn::Error::new(
            unsafety.span(),
            "`#[tool]` functions cannot be `unsafe`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            "`#[tool]` functions cannot be variadic",
        ));
    }
    Ok(())
}

/// Removes the attributes that only `#[tool]` understands from the parameters.
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
fn doc_text(attrs: &[Attribute]) -> Option<String> {
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

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
