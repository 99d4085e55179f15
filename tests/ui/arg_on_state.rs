use mcp_runtime::{State, tool};

struct Db;

/// Query.
#[tool]
async fn query(#[arg(rename = "database")] db: State<Db>, sql: String) -> String {
    let _ = db;
    sql
}

fn main() {}
