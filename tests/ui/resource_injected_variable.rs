use mcp_runtime::{Context, resource};

/// The context, by id?
#[resource(uri = "ctx://{ctx}")]
async fn context(ctx: Context) -> String {
    ctx.tool_name().to_owned()
}

fn main() {}
