use std::borrow::Cow;

use mcp_runtime::tool;

/// Greet.
#[tool]
async fn greet(name: &str, tags: &[String]) -> String {
    format!("{name} {tags:?}")
}

/// Echo.
#[tool]
async fn echo(text: Cow<'_, str>) -> String {
    text.into_owned()
}

fn main() {}
