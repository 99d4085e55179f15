use mcp_runtime::prompt;

fn languages() -> u32 {
    3
}

/// Review.
#[prompt]
async fn review(#[arg(complete = languages)] language: String) -> String {
    language
}

fn main() {}
