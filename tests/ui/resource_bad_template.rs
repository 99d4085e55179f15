use mcp_runtime::resource;

/// A note.
#[resource(uri = "notes://{id")]
async fn note(id: String) -> String {
    id
}

fn main() {}
