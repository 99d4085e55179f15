//! The `#[tool]`, `#[resource]` and `#[prompt]` attributes of [mcp-runtime](https://docs.rs/mcp-runtime). Use it through
//! `mcp_runtime::tool`; its documentation lives there.
//!
//! The crate is split like the macro's work: `parse` reads the attribute and the function
//! (syn), `model` checks it and holds what a tool is made of, `expand` writes the code
//! (quote) against `mcp_runtime::__private::v1`. Every mistake found is reported, not just
//! the first (`errors`).

mod errors;
mod expand;
mod model;
mod parse;
mod prompt;
mod resource;

use proc_macro::TokenStream;

use errors::Errors;

/// Turns an `async fn` into an MCP tool. See `mcp_runtime::tool` for the documentation.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item_tokens: proc_macro2::TokenStream = item.clone().into();
    match tool_impl(attr.into(), item.into()) {
        Ok(expanded) => expanded.into(),
        Err(err) => with_function(err, item_tokens).into(),
    }
}

/// Turns an `async fn` into an MCP resource or resource template. See
/// `mcp_runtime::resource` (the attribute) for the documentation.
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item_tokens: proc_macro2::TokenStream = item.clone().into();
    match resource::resource(attr.into(), item.into()) {
        Ok(expanded) => expanded.into(),
        Err(err) => with_function(err, item_tokens).into(),
    }
}

/// Turns an `async fn` into an MCP prompt. See `mcp_runtime::prompt` (the attribute) for
/// the documentation.
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item_tokens: proc_macro2::TokenStream = item.clone().into();
    match prompt::prompt(attr.into(), item.into()) {
        Ok(expanded) => expanded.into(),
        Err(err) => with_function(err, item_tokens).into(),
    }
}

fn tool_impl(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let mut function = parse::parse_function(
        item,
        "`#[tool]` goes on a function: `#[tool] async fn name(...) -> T { ... }`",
    )?;
    let mut errors = Errors::default();
    let args = parse::parse_tool_args(attr, &mut errors);
    parse::check_signature(&function, "`#[tool]`", &mut errors);
    let docs = parse::doc_text(&function.attrs);
    let params = parse::parse_params(&function, &mut errors);
    parse::strip_param_attrs(&mut function);
    let tool = model::Tool::new(args, function, docs, params, &mut errors);
    errors.finish()?;
    Ok(expand::expand(&tool))
}

/// The errors, and the function without our helper attributes (which rustc rejects): kept so
/// that its other uses still type-check and only our errors show.
fn with_function(err: syn::Error, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut out = err.to_compile_error();
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(mut function) => {
            parse::strip_param_attrs(&mut function);
            out.extend(quote::quote!(#function));
        }
        Err(_) => out.extend(item),
    }
    out
}
