//! Runnable example servers for `mcp-runtime`; the code is under `examples/examples/`.
//!
//! | example | what it shows |
//! |---|---|
//! | `hello` | small tools: text in and out, numbers, an optional parameter, an error |
//! | `progress` | generator-style tools that stream `notifications/progress` over SSE |
//!
//! Run one with `cargo run -p examples --example progress`, then point an MCP client at
//! `http://127.0.0.1:8000/mcp` (or print its tools with `-- --list-tools`).
