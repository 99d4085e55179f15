use mcp_runtime::{progress, tool};

/// Each misuse of `progress!` names its accepted forms.
#[tool]
async fn work(message: String) -> String {
    progress!();
    progress!(message);
    progress!(1, 10, message);
    progress!(1);
    progress!(1, 10, "step {}" 5);
    String::new()
}

fn main() {}
