//! `progress!`'s arguments: which of its three forms they are. A `macro_rules!` cannot tell a
//! string literal from a number (both are `literal`), so `progress!("{} of {}", a, b)` and
//! `progress!(3, 10)` need this.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, Token};

const FORMS: &str = "`progress!` takes one of: `progress!(\"message {x}\", args…)` (a status line), `progress!(done, total)` or `progress!(done, total, \"message {x}\", args…)`";

/// `(report) arguments…` → a call of `report(done, total, message).await`.
pub fn expand(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let report = match tokens.next() {
        Some(TokenTree::Group(group)) => group.stream(),
        _ => {
            return syn::Error::new(proc_macro2::Span::call_site(), "use `progress!`")
                .to_compile_error();
        }
    };
    let arguments: TokenStream = tokens.collect();
    match call(&report, arguments) {
        Ok(call) => call,
        Err(error) => error.to_compile_error(),
    }
}

fn call(report: &TokenStream, arguments: TokenStream) -> syn::Result<TokenStream> {
    let none = quote!(::core::option::Option::None);
    let parsed = Punctuated::<Expr, Token![,]>::parse_terminated
        .parse2(arguments.clone())
        .map_err(|e| syn::Error::new(e.span(), format!("{e}; {FORMS}")))?;
    let items: Vec<&Expr> = parsed.iter().collect();
    let Some(first) = items.first() else {
        return Err(syn::Error::new(proc_macro2::Span::call_site(), FORMS));
    };
    if is_string(first) {
        return Ok(quote! {
            #report(#none, #none, ::core::option::Option::Some(::std::format!(#arguments))).await
        });
    }
    let [done, total, message @ ..] = items.as_slice() else {
        return Err(syn::Error::new_spanned(
            first,
            format!("a message must be a string literal (a format string); {FORMS}"),
        ));
    };
    let message = match message {
        [] => none.clone(),
        [format, ..] if is_string(format) => {
            quote!(::core::option::Option::Some(::std::format!(#(#message),*)))
        }
        [other, ..] => {
            return Err(syn::Error::new_spanned(
                other,
                format!(
                    "after `done, total` comes the message, a string literal (a format string); {FORMS}"
                ),
            ));
        }
    };
    Ok(quote! {
        #report(
            ::core::option::Option::Some((#done) as f64),
            ::core::option::Option::Some((#total) as f64),
            #message,
        ).await
    })
}

fn is_string(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Lit(ExprLit {
            lit: Lit::Str(_),
            ..
        })
    )
}
