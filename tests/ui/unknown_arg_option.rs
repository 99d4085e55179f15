use mcp_runtime::tool;

/// Count.
#[tool]
async fn count(#[arg(defualt = 10)] to: u32) -> String {
    to.to_string()
}

fn main() {}
