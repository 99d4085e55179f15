use mcp_runtime::tool;

#[derive(serde::Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

/// Length of a vector.
#[tool]
async fn length(point: Point) -> String {
    (point.x.hypot(point.y)).to_string()
}

fn main() {}
