//! Runnable example servers for `mcp-runtime`; the code is under `examples/examples/`.
//!
//! | example | what it shows |
//! |---|---|
//! | `hello` | small tools: text in and out, numbers, an optional parameter, an error |
//! | `progress` | generator-style tools that stream `notifications/progress` over SSE |
//! | `notes` | a SQLite-backed notes service: server state, structured output, argument constraints, errors the model can act on |
//! | `everything` | the conformance fixture: every tool the official MCP conformance suite calls by name (content blocks, logging, progress, errors, SSE polling, a raw JSON Schema 2020-12 input schema, `Mcp-Param-*` headers, a required client capability) |
//!
//! Run one with `cargo run -p examples --example progress`, then point an MCP client at
//! `http://127.0.0.1:8000/mcp` (or print its tools with `-- --list-tools`).
