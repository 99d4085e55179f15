//! `#[resource]`: a fixed URI is a resource, a URI with `{variables}` a resource template
//! whose variables are the function's arguments. The template is checked here, at compile
//! time, with the runtime's own parser (`template_syntax`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{ItemFn, LitStr, ReturnType};

use crate::errors::Errors;
use crate::expand::{
    arg_options_check, completions, metadata, option_str, pattern_static, slot, state_requirements,
    take_param_or,
};
use crate::model::{self, ArgumentKind, Param, unraw};
use crate::parse::{self, CommonArgs, path_text, skip_value, string};
use mcp_runtime_uri_template as template_syntax;

/// `#[resource(...)]` options as written.
#[derive(Default)]
struct ResourceArgs {
    uri: Option<LitStr>,
    mime: Option<LitStr>,
    common: CommonArgs,
}

fn parse_args(attr: TokenStream, errors: &mut Errors) -> ResourceArgs {
    let mut args = ResourceArgs::default();
    let parser = syn::meta::parser(|meta| {
        if args.common.take(&meta, errors)? {
            return Ok(());
        }
        let path = &meta.path;
        if path.is_ident("uri") {
            args.uri = string(&meta, errors)?;
        } else if path.is_ident("mime") {
            args.mime = string(&meta, errors)?;
        } else {
            errors.push(meta.error(format!(
                "unknown `#[resource]` option `{}`; expected one of: uri, name, title, description, mime, icon, scopes",
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

/// The macro's whole work: read, check, write.
pub fn resource(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut function = parse::parse_function(
        item,
        "`#[resource]` goes on a function: `#[resource(uri = \"...\")] async fn name(...) -> T { ... }`",
    )?;
    let mut errors = Errors::default();
    let args = parse_args(attr, &mut errors);
    parse::check_signature(&function, "`#[resource]`", &mut errors);
    let docs = parse::doc_text(&function.attrs);
    let parsed = parse::parse_params(&function, &mut errors);
    parse::strip_param_attrs(&mut function);

    let Some(uri) = args.uri.clone() else {
        errors.at(
            Span::call_site(),
            "`#[resource]` needs a URI: `#[resource(uri = \"notes://{id}\")]` (with `{variables}` it is a template)",
        );
        errors.finish()?;
        unreachable!("an error was recorded");
    };
    let variables: Vec<String> = match template_syntax::parse(&uri.value()) {
        Ok(parts) => template_syntax::variables(&parts)
            .map(str::to_owned)
            .collect(),
        Err(e) => {
            errors.at(uri.span(), format!("invalid URI template: {}", e.message));
            Vec::new()
        }
    };

    let mut params: Vec<Param> = Vec::new();
    for param in parsed {
        if let Some(param) = model::describe(param, &params, &mut errors) {
            params.push(param);
        }
    }
    for param in &params {
        let is_variable = variables.contains(&param.name);
        if let (true, Some(path)) = (!is_variable, &param.complete) {
            errors.spanned(
                path,
                "`complete` applies to a template variable; this parameter is not one",
            );
        }
        let misplaced = param.header.is_some() || matches!(param.kind, ArgumentKind::Defaulted(_));
        if is_variable && misplaced {
            errors.at(
                param.arg_span.unwrap_or(param.ident.span()),
                "`header` and `default` do not apply to a template variable: its value is always in the URI",
            );
        }
    }
    for variable in &variables {
        if !params.iter().any(|p| &p.name == variable) {
            errors.at(
                uri.span(),
                format!("the URI template's variable `{{{variable}}}` has no parameter: add `{variable}: String` (or another `Deserialize` type) to the function"),
            );
        }
    }
    errors.finish()?;
    Ok(expand(&function, &args, &uri, docs, &variables, &params))
}

fn expand(
    function: &ItemFn,
    args: &ResourceArgs,
    uri: &LitStr,
    docs: Option<String>,
    variables: &[String],
    params: &[Param],
) -> TokenStream {
    let vis = &function.vis;
    let ident = &function.sig.ident;
    let ident_text = unraw(ident);
    let def_fn = format_ident!("{}_resource", ident_text, span = ident.span());
    let name = args
        .common
        .name
        .as_ref()
        .map_or_else(|| ident_text.clone(), LitStr::value);
    let is_template = !variables.is_empty();
    let description = option_str(
        args.common
            .description
            .as_ref()
            .map(LitStr::value)
            .or(docs)
            .as_deref(),
    );
    let title = option_str(args.common.title.as_ref().map(LitStr::value).as_deref());
    let mime = option_str(args.mime.as_ref().map(LitStr::value).as_deref());
    let metadata = metadata(
        &description,
        &title,
        &args.common.icons,
        &args.common.scopes,
    );

    let patterns = params.iter().filter_map(|p| pattern_static(&name, p));
    let arg_checks = params.iter().filter_map(arg_options_check);
    let kind_checks = params.iter().map(|p| {
        let slot = slot(p);
        if variables.contains(&p.name) {
            quote_spanned!(p.ty.span()=> (&#slot).must_be_variable();)
        } else {
            quote_spanned!(p.ident.span()=> (&#slot).must_be_injected();)
        }
    });
    let on_error = quote!(
        return ::core::result::Result::Err(__mcp::resource_failure(&__mcp_uri, __mcp_error))
    );
    let take_params = params.iter().map(|p| take_param_or(p, &on_error));
    let requirements = state_requirements(params);
    let completions = completions(params);
    let param_idents = params.iter().map(|p| &p.ident);
    let into_result = match &function.sig.output {
        ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
            __mcp::resource::IntoResourceResult::into_resource_result(__mcp_output, &__mcp_uri, #mime)
        },
        ReturnType::Default => quote! {
            __mcp::resource::IntoResourceResult::into_resource_result(__mcp_output, &__mcp_uri, #mime)
        },
    };
    let body = quote! {
        // Bound first: a parameter may share the function's name and shadow it.
        let __mcp_function = #ident;
        #(#take_params)*
        let __mcp_output = __mcp_function(#(#param_idents),*).await;
        #into_result
    };
    let (def_ty, constructor, registered, doc) = if is_template {
        (
            quote!(::mcp_runtime::resource::ResourceTemplateDef),
            quote! {
                ::mcp_runtime::resource::ResourceTemplateDef::new(
                    __mcp::uri_template(#uri),
                    #name,
                    |__mcp_uri: ::std::string::String, mut __mcp_args: ::mcp_runtime::Arguments| async move { #body },
                )
            },
            quote!(Template),
            format!(
                "The MCP resource template definition of [`{ident_text}`], generated by `#[resource]`."
            ),
        )
    } else {
        (
            quote!(::mcp_runtime::resource::ResourceDef),
            quote! {
                ::mcp_runtime::resource::ResourceDef::new(
                    #uri,
                    #name,
                    |__mcp_uri: ::std::string::String| async move {
                        #[allow(unused_mut, unused_variables)]
                        let mut __mcp_args = ::mcp_runtime::Arguments::default();
                        #body
                    },
                )
            },
            quote!(Resource),
            format!("The MCP resource definition of [`{ident_text}`], generated by `#[resource]`."),
        )
    };
    let function_name = &ident_text;
    quote! {
        #function

        #[doc = #doc]
        // `(&slot).method()` picks the injected or the argument case; the `&` is needed.
        #[allow(clippy::needless_borrow)]
        #vis fn #def_fn() -> #def_ty {
            use ::mcp_runtime::__private::v1 as __mcp;
            #[allow(unused_imports)]
            use __mcp::{ArgumentSlot as _, InjectedSlot as _};
            #(#arg_checks)*
            #(#kind_checks)*
            #(#patterns)*
            let mut __mcp_def = #constructor.defined_at(::core::module_path!(), #function_name);
            #metadata
            if let ::core::option::Option::Some(__mcp_text) = #mime {
                __mcp_def = __mcp_def.mime_type(__mcp_text);
            }
            #completions
            #requirements
            __mcp_def
        }

        ::mcp_runtime::__private::v1::inventory::submit! {
            ::mcp_runtime::__private::v1::resource::Registration::new({
                fn __mcp_register() -> ::mcp_runtime::resource::Registered {
                    ::mcp_runtime::resource::Registered::#registered(#def_fn())
                }
                __mcp_register
            })
        }
    }
}
