//! `#[resource]`: `<name>_resource()` builds a `ResourceDef` (fixed URI) or a
//! `ResourceTemplateDef` (URI with `{variables}`, which are the function's arguments).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use super::{
    arg_options_check, completions, definition, metadata, option_str, output_span, pattern_static,
    slot, state_requirements, take_param_or,
};
use crate::internals::model::{Item, Resource};

pub fn resource(item: &Item<Resource>) -> TokenStream {
    let resource = &item.kind;
    let (uri, name, params) = (&resource.uri, &item.name, &item.params);
    let is_template = !resource.variables.is_empty();
    // An app's view: its MIME type, and its sandbox settings as `_meta` on the list entry
    // and on the contents read (as `App::into_resource` does).
    let app_meta = resource.app.as_ref().map(|app| {
        let border = app.prefers_border.iter();
        let csp = app.csp.as_ref().map(|lists| {
            let (methods, origins): (Vec<_>, Vec<_>) = lists.iter().cloned().unzip();
            quote!(.csp(__mcp::app::AppCsp::default()#(.#methods([#(#origins),*]))*))
        });
        quote!(__mcp::app_meta(&__mcp::app::App::new(#uri, "")#(.prefers_border(#border))*#csp))
    });
    let mime = match &app_meta {
        Some(_) => quote!(::core::option::Option::Some(__mcp::app::MIME_TYPE)),
        None => option_str(resource.mime.as_deref()),
    };
    let metadata = metadata(item);
    let arg_checks = params.iter().filter_map(arg_options_check);
    let patterns = params.iter().filter_map(|p| pattern_static(name, p));
    let kind_checks = params.iter().map(|p| {
        let slot = slot(p);
        if resource.variables.contains(&p.name) {
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
    let ident = &item.function.sig.ident;
    let mut into_result = quote_spanned! {output_span(&item.function)=>
        __mcp::resource::IntoResourceResult::into_resource_result(__mcp_output, &__mcp_uri, #mime)
    };
    if let Some(meta) = &app_meta {
        into_result = quote!(__mcp::app_contents(#into_result, #meta.as_ref()));
    }
    let list_meta = app_meta.map(|meta| {
        quote! {
            if let ::core::option::Option::Some(__mcp_meta) = #meta {
                __mcp_def = __mcp_def.meta(__mcp_meta);
            }
        }
    });
    let handler_body = quote! {
        // Bound first: a parameter may share the function's name and shadow it.
        let __mcp_function = #ident;
        #(#take_params)*
        let __mcp_output = __mcp_function(#(#param_idents),*).await;
        #into_result
    };
    let (def_ty, constructor, registered, what) = if is_template {
        (
            quote!(::mcp_runtime::__private::v1::resource::ResourceTemplateDef),
            quote! {
                ::mcp_runtime::__private::v1::resource::ResourceTemplateDef::new(
                    __mcp::uri_template(#uri),
                    #name,
                    |__mcp_uri: ::std::string::String, mut __mcp_args: ::mcp_runtime::__private::v1::Arguments| async move { #handler_body },
                )
            },
            quote!(Template),
            "resource template",
        )
    } else {
        (
            quote!(::mcp_runtime::__private::v1::resource::ResourceDef),
            quote! {
                ::mcp_runtime::__private::v1::resource::ResourceDef::new(
                    #uri,
                    #name,
                    |__mcp_uri: ::std::string::String| async move {
                        #[allow(unused_mut, unused_variables)]
                        let mut __mcp_args = ::mcp_runtime::__private::v1::Arguments::default();
                        #handler_body
                    },
                )
            },
            quote!(Resource),
            "resource",
        )
    };
    let function_name = &item.ident_text;
    let body = quote! {
        // The order of `preamble`, with the checks of what each parameter is in the middle.
        #(#arg_checks)*
        #(#kind_checks)*
        #(#patterns)*
        let mut __mcp_def = #constructor.defined_at(::core::module_path!(), #function_name);
        #metadata
        #list_meta
        if let ::core::option::Option::Some(__mcp_text) = #mime {
            __mcp_def = __mcp_def.mime_type(__mcp_text);
        }
        #completions
        #requirements
        __mcp_def
    };
    definition(
        item,
        "resource",
        (what, "resource"),
        def_ty,
        body,
        |def_fn| {
            quote! {
                ::mcp_runtime::__private::v1::inventory::submit! {
                    ::mcp_runtime::__private::v1::resource::Registration::new({
                        fn __mcp_register() -> ::mcp_runtime::__private::v1::resource::Registered {
                            ::mcp_runtime::__private::v1::resource::Registered::#registered(#def_fn())
                        }
                        __mcp_register
                    })
                }
            }
        },
    )
}
