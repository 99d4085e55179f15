//! What every server serves, defined once so the three serve the very same tools.
//!
//! Two tools do work: `echo` (the tiny tool with a JSON reply) and `progress` (emits
//! `frames` progress notifications, `delay_ms` apart, then answers). The rest are fillers
//! that bring the count to [`TOOL_COUNT`] for the `tools/list` workload; every server
//! always has all of them, so every workload runs against the same tool set.

use serde_json::{Map, Value, json};

/// The endpoint path on every server.
pub const PATH: &str = "/mcp";
/// The tiny tool: `{"text": …}` → the same text.
pub const ECHO: &str = "echo";
/// The streaming tool: `{"frames": n, "delay_ms": ms}` → n progress frames, then "done".
pub const PROGRESS: &str = "progress";
/// Progress frames per streaming call (workloads c and d).
pub const FRAMES: u32 = 10;
/// Tools every server registers (workload f lists them all in one page).
pub const TOOL_COUNT: usize = 200;
/// The stateless protocol revision.
pub const STATELESS_VERSION: &str = "2026-07-28";
/// The handshake-era revision sessions negotiate.
pub const SESSION_VERSION: &str = "2025-11-25";

/// One tool's `tools/list` entry.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its input schema.
    pub input_schema: Map<String, Value>,
}

/// Every tool, in `tools/list` order: the two working tools as ours derives them with
/// `#[tool]` (so the peer and the floor list byte-for-byte the same schemas), then fillers.
pub fn tools() -> Vec<ToolSpec> {
    let mut tools: Vec<ToolSpec> = crate::servers::ours::working_tools()
        .into_iter()
        .map(|def| ToolSpec {
            name: def.descriptor.name,
            description: def.descriptor.description.unwrap_or_default(),
            input_schema: def.input_schema,
        })
        .collect();
    for i in tools.len()..TOOL_COUNT {
        tools.push(filler(i));
    }
    tools
}

/// A filler tool: a typical small schema (two properties, one required).
fn filler(i: usize) -> ToolSpec {
    let schema = json!({
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What to look for."},
            "limit": {"type": "integer", "description": "At most this many results.", "minimum": 1}
        },
        "required": ["query"]
    });
    let Value::Object(input_schema) = schema else {
        unreachable!("a literal object")
    };
    ToolSpec {
        name: format!("tool_{i:03}"),
        description: format!("Filler tool number {i}, listed but never called."),
        input_schema,
    }
}

/// The text of progress frame `i` (1-based) of `total`; the same on every server.
pub fn progress_message(i: u32, total: u32) -> String {
    format!("step {i} of {total}")
}
