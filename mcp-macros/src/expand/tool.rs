//! `#[tool]`: `<name>_tool()` builds the `ToolDef`: input schema from the parameters, a
//! handler that takes them out of the call's arguments, annotations and output schema.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{ReturnType, Type};

use super::{
    argument_list, constraints, default_expr, definition, metadata, option_str, output_span,
    preamble, slot, state_requirements, take_param_or,
};
use crate::internals::model::{ArgumentKind, Item, Param, Tool, ToolUi};

pub fn tool(item: &Item<Tool>) -> TokenStream {
    let tool = &item.kind;
    let name = &item.name;
    let hint = |value: Option<bool>| match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    };
    let (read_only, destructive, idempotent, open_world) = (
        hint(tool.read_only),
        hint(tool.destructive),
        hint(tool.idempotent),
        hint(tool.open_world),
    );
    let metadata = metadata(item);
    let task = tool.task.iter();
    let timeout = tool
        .timeout_ms
        .map(|ms| quote!(__mcp_def = __mcp_def.timeout(::core::time::Duration::from_millis(#ms));));

    let ui = tool.ui.as_ref().map(ui);
    let preamble = preamble(item);
    let schema_params = item.params.iter().map(schema_param);
    let take_params = item.params.iter().map(|p| take_param(name, p));
    let param_list = argument_list(&item.params);
    let requirements = state_requirements(&item.params);
    let param_idents = item.params.iter().map(|p| &p.ident);
    let ident = &item.function.sig.ident;
    let into_result = quote_spanned!(output_span(&item.function)=>
        ::mcp_runtime::__private::v1::IntoToolResult::into_tool_result(__mcp_output)
    );
    let output_schema = match &item.function.sig.output {
        ReturnType::Default => quote!(::core::option::Option::None),
        // An `impl Trait` return type cannot be named, so it cannot declare an output schema.
        ReturnType::Type(_, ty) if matches!(**ty, Type::ImplTrait(_)) => {
            quote!(::core::option::Option::None)
        }
        ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
            <#ty as ::mcp_runtime::__private::v1::IntoToolResult>::output_schema(&mut __mcp::generator())
        },
    };
    let function_name = &item.ident_text;
    let body = quote! {
        #preamble
        let mut __mcp_schema = __mcp::InputSchema::new();
        #(#schema_params)*
        let mut __mcp_def = ::mcp_runtime::__private::v1::ToolDef::new(
            #name,
            __mcp::serde_json::Value::Object(__mcp_schema.finish()),
            |mut __mcp_args: ::mcp_runtime::__private::v1::Arguments| async move {
                // Bound first: a parameter may share the function's name and shadow it.
                let __mcp_function = #ident;
                #(#take_params)*
                if let ::core::result::Result::Err(__mcp_error) = __mcp::finish_arguments(__mcp_args, #param_list) {
                    return __mcp::invalid_arguments(#name, __mcp_error);
                }
                let __mcp_output = __mcp_function(#(#param_idents),*).await;
                #into_result
            },
        )
        .annotations(::mcp_runtime::__private::v1::annotations(
            #read_only,
            #destructive,
            #idempotent,
            #open_world,
        ));
        #metadata
        if let ::core::option::Option::Some(__mcp_output) = #output_schema {
            __mcp_def = __mcp_def.output_schema(__mcp_output);
        }
        #timeout
        #ui
        #( __mcp_def = __mcp_def.task_support(::mcp_runtime::__private::v1::TaskSupport::#task); )*
        #requirements
        __mcp_def.defined_at(::core::module_path!(), #function_name)
    };
    definition(
        item,
        "tool",
        ("tool", "tool"),
        quote!(::mcp_runtime::__private::v1::ToolDef),
        body,
        |def_fn| {
            quote! {
                ::mcp_runtime::__private::v1::inventory::submit! {
                    ::mcp_runtime::__private::v1::Registration::new(#def_fn)
                }
            }
        },
    )
}

/// Links the tool to its view (`_meta.ui`).
fn ui(ui: &ToolUi) -> TokenStream {
    let uri = &ui.uri;
    match &ui.visibility {
        None => quote!(__mcp_def = __mcp_def.ui(#uri);),
        Some(visibility) => quote! {
            __mcp_def = __mcp_def.ui(
                __mcp::app::ToolUi::new(#uri).visibility([#(__mcp::app::Visibility::#visibility),*]),
            );
        },
    }
}

/// Adds the parameter to the input schema if it is an argument. Spanned at the type, so a
/// type that is not `JsonSchema` is reported at the parameter.
fn schema_param(argument: &Param) -> TokenStream {
    let name = &argument.name;
    let description = option_str(argument.description.as_deref());
    let header = option_str(argument.header.as_deref());
    let ty = &argument.ty;
    let (required, default) = match &argument.kind {
        ArgumentKind::Required => (quote!(true), quote!(::core::option::Option::None)),
        ArgumentKind::Optional { .. } => (quote!(false), quote!(::core::option::Option::None)),
        ArgumentKind::Defaulted(_) => {
            let default = default_expr(argument);
            (
                quote!(false),
                quote_spanned!(ty.span()=> __mcp::default_value::<#ty>(&(#default))),
            )
        }
    };
    let examples = argument
        .examples
        .iter()
        .map(|e| quote_spanned!(e.span()=> __mcp::example_value(#e)));
    let constraints = constraints(argument);
    let slot = slot(argument);
    quote_spanned! {ty.span()=>
        (&#slot).describe(&mut __mcp_schema, __mcp::ParamSpec {
            name: #name,
            description: #description,
            required: #required,
            default: #default,
            examples: ::std::vec![#(#examples),*],
            header: #header,
            constraints: #constraints,
        });
    }
}

/// Fills in one parameter: an injected one from the call's context; an argument taken out
/// of the call's arguments (an error result names it when it is missing, malformed or
/// breaks a constraint).
fn take_param(tool: &str, argument: &Param) -> TokenStream {
    take_param_or(
        argument,
        &quote!(return __mcp::tool_failure(#tool, __mcp_error)),
    )
}
