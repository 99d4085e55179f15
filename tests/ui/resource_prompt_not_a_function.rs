use mcp_runtime::{prompt, resource};

/// A resource on a struct.
#[resource(uri = "notes://all")]
struct Notes;

/// A prompt on a constant.
#[prompt]
const GREETING: &str = "hello";

fn main() {}
