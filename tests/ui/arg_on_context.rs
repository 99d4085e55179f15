use mcp_runtime::{Context, tool};

/// Who.
#[tool]
async fn who(#[arg(description = "the context")] ctx: Context) -> String {
    ctx.tool_name().to_owned()
}

fn main() {}
