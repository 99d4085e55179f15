//! The MCP Apps options: a tool's `ui` (its view's `ui://` URI and visibility) and a
//! resource's `app` (served as a view).

use syn::{Expr, ExprLit, Ident, Lit, LitStr};

use crate::internals::errors::Errors;
use crate::internals::model::{AppView, ToolUi};
use crate::internals::options::{CspArgs, ResourceArgs, UiArgs};

/// The spec's visibility values, as written, and their `Visibility` variants.
const VISIBILITIES: &[(&str, &str)] = &[("model", "Model"), ("app", "App")];

/// The scheme every view's URI has.
const SCHEME: &str = "ui://";

/// `#[tool(ui = …)]`: a `ui://` URI, and a non-empty list of known visibilities.
pub fn tool_ui(ui: UiArgs, errors: &mut Errors) -> Option<ToolUi> {
    let visibility = ui.visibility.and_then(|list| {
        if list.elems.is_empty() {
            errors.spanned(
                &list,
                "an empty `visibility` would let no one call the tool; list `\"model\"`, `\"app\"` or both",
            );
            return None;
        }
        let variants: Vec<Ident> = list
            .elems
            .iter()
            .filter_map(|e| visibility(e, errors))
            .collect();
        (variants.len() == list.elems.len()).then_some(variants)
    });
    let Some(uri) = ui.uri else {
        if ui.uri_written {
            return None; // Reported where it is written.
        }
        errors.at(
            ui.span,
            "`ui(...)` needs the view's URI: `ui(uri = \"ui://…\")`",
        );
        return None;
    };
    view_uri(&uri, "`ui`", errors)?;
    Some(ToolUi {
        uri: uri.value(),
        visibility,
    })
}

/// One element of `visibility = [...]`: `"model"` or `"app"`.
fn visibility(element: &Expr, errors: &mut Errors) -> Option<Ident> {
    let expected = "expected \"model\" (the agent may call it) or \"app\" (its view may)";
    let Expr::Lit(ExprLit {
        lit: Lit::Str(text),
        ..
    }) = element
    else {
        errors.spanned(
            element,
            format!("a visibility is a string literal: {expected}"),
        );
        return None;
    };
    match VISIBILITIES.iter().find(|(v, _)| *v == text.value()) {
        Some((_, variant)) => Some(Ident::new(variant, text.span())),
        None => {
            errors.spanned(
                text,
                format!("unknown visibility \"{}\"; {expected}", text.value()),
            );
            None
        }
    }
}

/// `Some(())` when `uri` is a view's URI, else an error saying where `what` needs one.
fn view_uri(uri: &LitStr, what: &str, errors: &mut Errors) -> Option<()> {
    if uri.value().starts_with(SCHEME) {
        return Some(());
    }
    errors.spanned(
        uri,
        format!(
            "{what} needs a view URI starting with `ui://` (e.g. \"ui://analysis/dashboard\"), got \"{}\"",
            uri.value()
        ),
    );
    None
}

/// `#[resource(app)]` (and its settings): a fixed `ui://` URI, whose MIME type is the
/// app's.
pub fn app_view(
    args: &ResourceArgs,
    uri: &LitStr,
    is_template: bool,
    errors: &mut Errors,
) -> Option<AppView> {
    if args.app.is_none() {
        if let Some((span, _)) = args.prefers_border {
            errors.at(
                span,
                "`prefers_border` is a setting of an app view: add `app`",
            );
        }
        if let Some((span, _)) = &args.csp {
            errors.at(*span, "`csp` is a setting of an app view: add `app`");
        }
        return None;
    }
    let mut ok = view_uri(uri, "`app`", errors).is_some();
    if is_template {
        errors.spanned(
            uri,
            "an app view is one document at a fixed `ui://` URI; remove the `{variables}` (or `app`)",
        );
        ok = false;
    }
    if let Some(mime) = &args.mime {
        errors.spanned(
            mime,
            "`app` sets the MIME type (`text/html;profile=mcp-app`); remove `mime`",
        );
        ok = false;
    }
    ok.then(|| AppView {
        prefers_border: args.prefers_border.map(|(_, on)| on),
        csp: args.csp.as_ref().map(|(_, csp)| csp_lists(csp)),
    })
}

/// The lists of `csp(...)` that were written, each with its `AppCsp` method.
fn csp_lists(csp: &CspArgs) -> Vec<(Ident, Vec<String>)> {
    [
        ("connect_domains", &csp.connect_domains),
        ("resource_domains", &csp.resource_domains),
        ("frame_domains", &csp.frame_domains),
        ("base_uri_domains", &csp.base_uri_domains),
    ]
    .into_iter()
    .filter(|(_, origins)| !origins.is_empty())
    .map(|(method, origins)| {
        (
            Ident::new(method, proc_macro2::Span::call_site()),
            origins.iter().map(LitStr::value).collect(),
        )
    })
    .collect()
}
