use mcp_runtime::resource;

/// A note in a folder.
#[resource(uri = "notes://{folder}/{id}")]
async fn note(id: String) -> String {
    id
}

fn main() {}
