//! The `#[tool]`, `#[resource]` and `#[prompt]` attributes of
//! [mcp-runtime](https://docs.rs/mcp-runtime). Use them through `mcp_runtime::{tool,
//! resource, prompt}`; their documentation lives there.
//!
//! One pipeline for all three, in the manner of serde_derive: `internals` reads the
//! attribute's options through its table (`options`, the one list of each attribute's option
//! names) and the function (`ast`), checks everything in one place (`check`) and gives a
//! checked model (`model`); `expand` writes the code, one expansion per kind, against
//! `mcp_runtime::__private::v1` only (so the crate's own name never shows in user code).
//! Every mistake found is reported, not just the first (`errors`).

// Published: every public item is documented (the workspace only warns, for the
// unpublished crates).
#![deny(missing_docs)]

mod expand;
mod internals;
mod progress;

use proc_macro::TokenStream;

use internals::ast::{self, Function};
use internals::attr::Table;
use internals::check;
use internals::errors::Errors;
use internals::model::{self, Item};
use internals::options::{self, PromptArgs, ResourceArgs, ToolArgs};

/// Turns an `async fn` into an MCP tool. See `mcp_runtime::tool` for the documentation.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    TOOL.run(attr.into(), item.into()).into()
}

/// Turns an `async fn` into an MCP resource or resource template. See
/// `mcp_runtime::resource` (the attribute) for the documentation.
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    RESOURCE.run(attr.into(), item.into()).into()
}

/// Turns an `async fn` into an MCP prompt. See `mcp_runtime::prompt` (the attribute) for
/// the documentation.
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    PROMPT.run(attr.into(), item.into()).into()
}

/// The expansion of `mcp_runtime::progress!`: `(path of report_progress) arguments…`. Not
/// public API.
#[doc(hidden)]
#[proc_macro]
pub fn __progress(input: TokenStream) -> TokenStream {
    progress::expand(input.into()).into()
}

/// One attribute macro: its options, how it is used, its checks and its expansion.
struct Macro<A: 'static, K> {
    options: &'static Table<A>,
    /// Shown when the attribute is not on a function.
    usage: &'static str,
    /// `None` when the input is too wrong to model (the errors say why).
    check: fn(A, Function, &mut Errors) -> Option<Item<K>>,
    expand: fn(&Item<K>) -> proc_macro2::TokenStream,
}

const TOOL: Macro<ToolArgs, model::Tool> = Macro {
    options: &options::TOOL,
    usage: "`#[tool]` goes on a function: `#[tool] async fn name(...) -> T { ... }`",
    check: |args, function, errors| Some(check::tool(args, function, errors)),
    expand: expand::tool,
};

const RESOURCE: Macro<ResourceArgs, model::Resource> = Macro {
    options: &options::RESOURCE,
    usage: "`#[resource]` goes on a function: `#[resource(uri = \"...\")] async fn name(...) -> T { ... }`",
    check: check::resource,
    expand: expand::resource,
};

const PROMPT: Macro<PromptArgs, model::Prompt> = Macro {
    options: &options::PROMPT,
    usage: "`#[prompt]` goes on a function: `#[prompt] async fn name(...) -> Vec<PromptMessage> { ... }`",
    check: |args, function, errors| Some(check::prompt(args, function, errors)),
    expand: expand::prompt,
};

impl<A: Default, K> Macro<A, K> {
    /// Attribute → checked model → code; or every error found, with the function as written.
    fn run(
        &self,
        attr: proc_macro2::TokenStream,
        item: proc_macro2::TokenStream,
    ) -> proc_macro2::TokenStream {
        match self.model(attr, item.clone()) {
            Ok(model) => (self.expand)(&model),
            Err(err) => with_function(err, item),
        }
    }

    fn model(
        &self,
        attr: proc_macro2::TokenStream,
        item: proc_macro2::TokenStream,
    ) -> syn::Result<Item<K>> {
        let function = ast::item(item, self.usage)?;
        let mut errors = Errors::default();
        let args = self.options.parse(attr, &mut errors);
        let function = Function::read(function, self.options.attribute, &mut errors);
        let model = (self.check)(args, function, &mut errors);
        errors.finish()?;
        // A check that gives no model records why; this is the guard against one that does not.
        model.ok_or_else(|| {
            syn::Error::new(
                proc_macro2::Span::call_site(),
                format!("{} could not be checked", self.options.attribute),
            )
        })
    }
}

/// The errors, and the function without our helper attributes (which rustc rejects): kept so
/// that its other uses still type-check and only our errors show.
fn with_function(err: syn::Error, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut out = err.to_compile_error();
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(mut function) => {
            ast::strip_param_attrs(&mut function);
            out.extend(quote::quote!(#function));
        }
        Err(_) => out.extend(item),
    }
    out
}
