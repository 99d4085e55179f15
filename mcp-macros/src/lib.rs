//! The `#[tool]` attribute of [mcp-runtime](https://docs.rs/mcp-runtime). Use it through
//! `mcp_runtime::tool`; its documentation lives there.
//!
//! The crate is split like the macro's work: `parse` reads the attribute and the function
//! (syn), `model` checks it and holds what a tool is made of, `expand` writes the code
//! (quote) against `mcp_runtime::__private::v1`.

mod expand;
mod model;
mod parse;

use proc_macro::TokenStream;

/// Turns an `async fn` into an MCP tool. See `mcp_runtime::tool` for the documentation.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item_tokens: proc_macro2::TokenStream = item.clone().into();
    match parse::parse(attr.into(), item.into()).and_then(model::Tool::from_parsed) {
        Ok(tool) => expand::expand(&tool).into(),
        // Keep the function so that its other uses still type-check and only our error shows.
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(strip_helper_attrs(item_tokens));
            out.into()
        }
    }
}

/// The function without our `#[arg]` and parameter doc attributes, which rustc rejects.
fn strip_helper_attrs(item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(mut function) => {
            parse::strip_param_attrs(&mut function);
            quote::quote!(#function)
        }
        Err(_) => item,
    }
}
