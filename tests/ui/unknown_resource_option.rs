use mcp_runtime::resource;

/// A note.
#[resource(uri = "notes://{id}", mime_type = "text/plain")]
async fn note(id: String) -> String {
    id
}

fn main() {}
