//! Every check of a macro's input, in one place: of the signature and parameters as they are
//! read ([`signature`]), of each parameter's `#[arg]` options ([`param`]), and here what each
//! kind adds, giving the checked [`Item`].

mod app;
mod param;
mod signature;

pub use signature::{bare_arg, not_an_identifier, owned, signature};

use proc_macro2::Span;
use syn::LitStr;
use syn::spanned::Spanned as _;

use super::ast::Function;
use super::attr;
use super::errors::Errors;
use super::model::{ArgumentKind, Item, Param, Prompt, Resource, Tool, unraw};
use super::options::{CommonArgs, PromptArgs, ResourceArgs, ToolArgs};

/// The modes of `task = …`: as written, the `TaskSupport` variant, and what each means.
const TASK_MODES: &[(&str, &str, &str)] = &[
    (
        "optional",
        "Optional",
        "a task for clients with the tasks extension",
    ),
    ("required", "Required", "only as a task"),
    ("forbidden", "Forbidden", ""),
];

pub fn tool(args: ToolArgs, function: Function, errors: &mut Errors) -> Item<Tool> {
    let name = match &args.common.name {
        Some(lit) => {
            let name = lit.value();
            if let Err(why) = tool_name(&name) {
                errors.at(lit.span(), why);
            }
            name
        }
        None => {
            let name = unraw(&function.item.sig.ident);
            if let Err(why) = tool_name(&name) {
                errors.at(
                    function.item.sig.ident.span(),
                    format!("{why}; give the tool a valid name with `#[tool(name = \"...\")]`"),
                );
            }
            name
        }
    };
    let timeout_ms = args.timeout.as_ref().and_then(|t| timeout(t, errors));
    let task = args.task.as_ref().and_then(|mode| task_mode(mode, errors));
    let ui = args.ui.and_then(|ui| app::tool_ui(ui, errors));
    let Function { item, docs, params } = function;
    let params = param::params(params, errors, |param, errors| {
        if let Some(path) = &param.options.complete {
            errors.spanned(
                path,
                "`complete` applies to resource template variables and prompt arguments; tool arguments have no completion",
            );
        }
    });
    let kind = Tool {
        read_only: args.read_only,
        destructive: args.destructive,
        idempotent: args.idempotent,
        open_world: args.open_world,
        timeout_ms,
        task,
        ui,
    };
    item_of(args.common, item, docs, Some(name), params, kind)
}

/// `None` when there is no URI (nothing else can be checked without it).
pub fn resource(
    mut args: ResourceArgs,
    function: Function,
    errors: &mut Errors,
) -> Option<Item<Resource>> {
    let Some(uri) = args.uri.take() else {
        errors.at(
            Span::call_site(),
            "`#[resource]` needs a URI: `#[resource(uri = \"notes://{id}\")]` (with `{variables}` it is a template)",
        );
        return None;
    };
    let variables: Vec<String> = match mcp_runtime_uri_template::parse(&uri.value()) {
        Ok(parts) => mcp_runtime_uri_template::variables(&parts)
            .map(str::to_owned)
            .collect(),
        Err(e) => {
            errors.at(uri.span(), format!("invalid URI template: {}", e.message));
            Vec::new()
        }
    };
    let app = app::app_view(&args, &uri, !variables.is_empty(), errors);
    let Function { item, docs, params } = function;
    let params = param::params(params, errors, |_, _| {});
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
    let kind = Resource {
        uri,
        mime: args.mime.as_ref().map(LitStr::value),
        variables,
        app,
    };
    Some(item_of(args.common, item, docs, None, params, kind))
}

pub fn prompt(args: PromptArgs, function: Function, errors: &mut Errors) -> Item<Prompt> {
    let Function { item, docs, params } = function;
    let params = param::params(params, errors, |_, _| {});
    for param in &params {
        if param.header.is_some() {
            errors.at(
                param.arg_span.unwrap_or(param.ident.span()),
                "`header` applies to tool arguments only",
            );
        }
    }
    item_of(args.common, item, docs, None, params, Prompt)
}

/// The shared part of an item; `name` when the kind has checked it, else the option or the
/// function's name.
fn item_of<K>(
    common: CommonArgs,
    function: syn::ItemFn,
    docs: Option<String>,
    name: Option<String>,
    params: Vec<Param>,
    kind: K,
) -> Item<K> {
    let ident_text = unraw(&function.sig.ident);
    let name = name
        .or_else(|| common.name.as_ref().map(LitStr::value))
        .unwrap_or_else(|| ident_text.clone());
    Item {
        function,
        ident_text,
        name,
        title: common.title.as_ref().map(LitStr::value),
        description: common.description.as_ref().map(LitStr::value).or(docs),
        icons: common.icons.iter().map(LitStr::value).collect(),
        scopes: common.scopes.iter().map(LitStr::value).collect(),
        params,
        kind,
    }
}

/// The spec's rule for tool names: 1–128 characters of `A-Za-z0-9_-.`.
fn tool_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 {
        return Err(format!(
            "invalid tool name `{name}`: names must be 1 to 128 characters long"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "invalid tool name `{name}`: {bad:?} is not allowed; use only A-Z, a-z, 0-9, `_`, `-` and `.`"
        ));
    }
    Ok(())
}

/// `timeout = "30s"` in milliseconds: a duration, and not zero.
fn timeout(text: &LitStr, errors: &mut Errors) -> Option<u64> {
    match humantime::parse_duration(&text.value()) {
        Ok(duration) if !duration.is_zero() => {
            Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
        }
        Ok(_) => {
            errors.spanned(text, "a timeout of zero would stop every call at once");
            None
        }
        Err(why) => {
            errors.spanned(
                text,
                format!("`timeout` takes a duration such as \"30s\", \"5m\" or \"1h 30m\": {why}"),
            );
            None
        }
    }
}

/// `task = optional | required | forbidden`: the `TaskSupport` variant.
fn task_mode(mode: &syn::Expr, errors: &mut Errors) -> Option<syn::Ident> {
    let expected: Vec<String> = TASK_MODES
        .iter()
        .map(|(m, _, why)| match why {
            &"" => format!("`{m}`"),
            why => format!("`{m}` ({why})"),
        })
        .collect();
    let (last, rest) = expected.split_last()?;
    let expected = format!("{} or {last}", rest.join(", "));
    let syn::Expr::Path(path) = mode else {
        errors.spanned(
            mode,
            format!("`task` takes a mode written as a bare word: expected {expected}"),
        );
        return None;
    };
    let written = attr::path_text(&path.path);
    if let Some((_, variant, _)) = TASK_MODES.iter().find(|(m, _, _)| *m == written) {
        return Some(syn::Ident::new(variant, mode.span()));
    }
    errors.spanned(
        mode,
        format!("unknown task mode `{written}`; expected {expected}"),
    );
    None
}
