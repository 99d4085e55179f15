use mcp_runtime::resource;

/// No URI.
#[resource(name = "nothing", mime = 5)]
async fn nothing() -> String {
    String::new()
}

fn main() {}
