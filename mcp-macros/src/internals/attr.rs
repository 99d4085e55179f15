//! Reading an attribute's options through its [`Table`], and the readers of option values
//! (`"text"`, flags, lists). Every mistake is recorded and reading goes on, so one compile
//! shows all of them.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser as _;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Token};

use super::errors::Errors;

/// Reads one option's value into the attribute's arguments `A`.
pub type Reader<A> = fn(&mut A, &ParseNestedMeta, &mut Errors) -> syn::Result<()>;

/// One option of an attribute: its name and how its value is read.
pub struct Opt<A: 'static> {
    pub name: &'static str,
    pub read: Reader<A>,
}

/// An attribute's options: the one place their names are written. The parser looks options
/// up here, and the "expected one of …" message lists these names, so the two cannot drift.
pub struct Table<A: 'static> {
    /// How the attribute is written in messages, e.g. "`#[tool]`".
    pub attribute: &'static str,
    pub options: &'static [Opt<A>],
}

impl<A> Table<A> {
    /// The options of a macro's own attribute (`#[tool(...)]`: `tokens` is what is inside).
    pub fn parse(&self, tokens: TokenStream, errors: &mut Errors) -> A
    where
        A: Default,
    {
        let mut args = A::default();
        let parser = syn::meta::parser(|meta| self.read(&mut args, &meta, errors));
        let parsed = parser.parse2(tokens);
        errors.ok(parsed);
        args
    }

    /// The options of a helper attribute (`#[arg(...)]`), added to `args`.
    pub fn parse_attribute(&self, attr: &Attribute, args: &mut A, errors: &mut Errors) {
        let parsed = attr.parse_nested_meta(|meta| self.read(args, &meta, errors));
        errors.ok(parsed);
    }

    /// The options of a nested option (`ui(uri = …)`), into `args`.
    pub fn parse_nested(
        &self,
        meta: &ParseNestedMeta,
        args: &mut A,
        errors: &mut Errors,
    ) -> syn::Result<()> {
        meta.parse_nested_meta(|inner| self.read(args, &inner, errors))
    }

    fn read(&self, args: &mut A, meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<()> {
        match self.options.iter().find(|o| meta.path.is_ident(o.name)) {
            Some(option) => (option.read)(args, meta, errors),
            None => {
                errors.push(meta.error(self.unknown(&meta.path)));
                skip_value(meta)
            }
        }
    }

    fn unknown(&self, path: &syn::Path) -> String {
        let names: Vec<&str> = self.options.iter().map(|o| o.name).collect();
        format!(
            "unknown {} option `{}`; expected one of: {}",
            self.attribute,
            path_text(path),
            names.join(", ")
        )
    }
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

/// `option = ["a", "b"]` (scopes: the message's example is two scopes).
pub fn string_list(
    meta: &ParseNestedMeta,
    errors: &mut Errors,
) -> syn::Result<Option<Vec<LitStr>>> {
    string_list_like(meta, errors, "[\"notes:read\", \"notes:write\"]")
}

/// `option = ["a", "b"]`; `example` is a well-formed value, for the message.
pub fn string_list_like(
    meta: &ParseNestedMeta,
    errors: &mut Errors,
    example: &str,
) -> syn::Result<Option<Vec<LitStr>>> {
    let expr: Expr = meta.value()?.parse()?;
    let name = path_text(&meta.path);
    let complain = |errors: &mut Errors, tokens: &Expr| {
        errors.spanned(
            tokens,
            format!("`{name}` takes a list of string literals, e.g. `{name} = {example}`"),
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

/// A path as written (`a::b`), for messages.
pub fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
