use mcp_runtime::prompt;

/// Several mistakes at once.
#[prompt(nmae = "review")]
fn review(#[arg(header = "Code")] code: String, lang: &str) -> String {
    format!("{code}{lang}")
}

fn main() {}
