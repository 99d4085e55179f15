use mcp_runtime::{Context, resource};

async fn ids(prefix: String) -> Vec<String> {
    vec![prefix]
}

/// A note: its variable takes neither `default` nor `header`, and only a variable completes.
#[resource(uri = "notes://{id}")]
async fn note(#[arg(default = "1".to_owned())] id: String, #[arg(complete = ids)] context: Context) -> String {
    let _ = context;
    id
}

/// A folder: a variable's value is always in the URI.
#[resource(uri = "folders://{name}")]
async fn folder(#[arg(header = "Folder")] name: String) -> String {
    name
}

fn main() {}
