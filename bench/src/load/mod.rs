//! The MCP-aware load generator: many keep-alive connections, each with one request in
//! flight (as `wrk` does), sessions where the workload has them, SSE streams read to their
//! response with every frame counted.
//!
//! It runs on one single-threaded Tokio runtime per core it is given, so a core of the load
//! generator never waits on another's lock.

mod drive;
pub mod http;
pub mod mcp;
pub mod reply;
pub mod soak;
pub mod stats;

pub use drive::{Plan, burst, open_sessions, sustained};
pub use stats::Stats;
