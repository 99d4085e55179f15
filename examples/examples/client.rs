//! A Rust client: calls a streaming tool and prints each intermediate result as it
//! arrives, then the final one.
//!
//! ```text
//! cargo run -p examples --example progress            # the server, in one terminal
//! cargo run -p examples --example client              # this client, in another
//! cargo run -p examples --example client -- http://127.0.0.1:8000/mcp sales 250
//! ```

use futures_util::StreamExt as _;
use mcp_runtime::client::{CallUpdate, Client, ClientError};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), ClientError> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8000/mcp".to_owned());
    let dataset = args.next().unwrap_or_else(|| "sales".to_owned());
    let chunk_size: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);

    let client = Client::http(&url).connect().await?;
    println!(
        "connected to {} (protocol {})",
        client
            .server_info()
            .implementation
            .as_ref()
            .map_or("a server", |i| i.name.as_str()),
        client.protocol_version()
    );

    let mut call = client.call_tool(
        "stream_data_analysis",
        json!({"dataset": dataset, "chunk_size": chunk_size}),
    );
    while let Some(update) = call.next().await {
        match update {
            CallUpdate::Progress(p) => println!(
                "progress {}/{}: {}",
                p.progress,
                p.total.map_or("?".to_owned(), |t| t.to_string()),
                p.message.unwrap_or_default()
            ),
            CallUpdate::Log(log) => println!("log [{:?}] {}", log.level, log.data),
            _ => {}
        }
    }
    let result = call.result().await?;
    for content in result.content {
        if let mcp_runtime::Content::Text { text } = content {
            println!("result: {text}");
        }
    }
    client.close().await;
    Ok(())
}
