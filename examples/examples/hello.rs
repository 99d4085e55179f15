//! Small tools: text in and out, numbers, an optional parameter and an error case.
//!
//! ```text
//! cargo run -p examples --example hello                  # serve on http://127.0.0.1:8000/mcp
//! cargo run -p examples --example hello -- --list-tools  # print the tools/list result
//! ```

use mcp_runtime::tool;

/// Greet someone by name.
#[tool(read_only, idempotent)]
pub async fn greet(
    /// Who to greet.
    name: String,
    /// A greeting to use instead of "Hello".
    greeting: Option<String>,
) -> String {
    format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello"))
}

/// Add two integers.
#[tool(read_only, idempotent)]
pub async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> Result<String, String> {
    a.checked_add(b)
        .map(|sum| sum.to_string())
        .ok_or_else(|| format!("{a} + {b} overflows a 64-bit integer"))
}

/// Divide one number by another. Dividing by zero is an error the model can read.
#[tool(name = "divide", read_only, idempotent)]
pub async fn divide_numbers(
    /// The dividend.
    numerator: f64,
    /// The divisor; must not be zero.
    denominator: f64,
    /// Decimal places in the answer.
    #[arg(default = 2)]
    precision: usize,
) -> Result<String, String> {
    if denominator == 0.0 {
        return Err("cannot divide by zero: pass a non-zero denominator".to_owned());
    }
    Ok(format!("{:.precision$}", numerator / denominator))
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    mcp_runtime::serve().await
}
