use mcp_runtime::{State, resource};

struct Notes;

/// A note.
#[resource(uri = "notes://{id}")]
async fn note(id: String, notes: State<Notes>, format: String) -> String {
    let _ = notes;
    format!("{id} as {format}")
}

fn main() {}
