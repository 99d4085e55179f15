//! `#[prompt]`: `<name>_prompt()` builds the `PromptDef`: its arguments (the parameters, injected
//! types aside) and a handler whose result is the prompt's messages.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use super::{
    argument_list, completions, definition, metadata, option_str, output_span, preamble, slot,
    state_requirements, take_param_or,
};
use crate::internals::model::{ArgumentKind, Item, Prompt};

pub fn prompt(item: &Item<Prompt>) -> TokenStream {
    let (name, params) = (&item.name, &item.params);
    let metadata = metadata(item);
    let preamble = preamble(item);
    let declarations = params.iter().map(|p| {
        let slot = slot(p);
        let arg_name = &p.name;
        let arg_description = option_str(p.description.as_deref());
        let required = matches!(p.kind, ArgumentKind::Required);
        quote_spanned! {p.ty.span()=>
            (&#slot).if_argument(|| {
                __mcp_arguments.push(::mcp_runtime::__private::v1::prompt::PromptArgument::new(#arg_name, #arg_description, #required));
            });
        }
    });
    let on_error = quote!(return ::core::result::Result::Err(__mcp::prompt_failure(__mcp_error)));
    let take_params = params.iter().map(|p| take_param_or(p, &on_error));
    let param_list = argument_list(params);
    let requirements = state_requirements(params);
    let completions = completions(params);
    let param_idents = params.iter().map(|p| &p.ident);
    let ident = &item.function.sig.ident;
    let into_result = quote_spanned! {output_span(&item.function)=>
        __mcp::prompt::IntoPromptResult::into_prompt_result(__mcp_output)
    };
    let function_name = &item.ident_text;
    let body = quote! {
        #preamble
        let mut __mcp_arguments: ::std::vec::Vec<::mcp_runtime::__private::v1::prompt::PromptArgument> = ::std::vec::Vec::new();
        #(#declarations)*
        let mut __mcp_def = ::mcp_runtime::__private::v1::prompt::PromptDef::new(
            #name,
            |mut __mcp_args: ::mcp_runtime::__private::v1::Arguments| async move {
                // Bound first: a parameter may share the function's name and shadow it.
                let __mcp_function = #ident;
                #(#take_params)*
                if let ::core::result::Result::Err(__mcp_error) = __mcp::finish_arguments(__mcp_args, #param_list) {
                    return ::core::result::Result::Err(__mcp::prompt_failure(__mcp::SlotError::Argument(__mcp_error)));
                }
                let __mcp_output = __mcp_function(#(#param_idents),*).await;
                #into_result
            },
        )
        .defined_at(::core::module_path!(), #function_name);
        for __mcp_argument in __mcp_arguments {
            __mcp_def = __mcp_def.argument(__mcp_argument);
        }
        #metadata
        #completions
        #requirements
        __mcp_def
    };
    definition(
        item,
        "prompt",
        ("prompt", "prompt"),
        quote!(::mcp_runtime::__private::v1::prompt::PromptDef),
        body,
        |def_fn| {
            quote! {
                ::mcp_runtime::__private::v1::inventory::submit! {
                    ::mcp_runtime::__private::v1::prompt::Registration::new(#def_fn)
                }
            }
        },
    )
}
