use mcp_runtime::tool;

#[derive(schemars::JsonSchema)]
struct Point {
    x: f64,
}

/// Read a point.
#[tool]
async fn read(point: Point) -> String {
    point.x.to_string()
}

fn main() {}
