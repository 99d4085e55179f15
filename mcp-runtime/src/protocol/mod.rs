//! The wire: JSON-RPC 2.0 framing, MCP message types, protocol revisions and error codes.
//!
//! Everything here is plain data with serde impls; the rules for *using* it live in
//! [`server`](crate::server).

pub mod error;
pub(crate) mod headers;
pub mod jsonrpc;
pub mod logging;
pub mod methods;
pub mod types;
pub mod version;

pub use error::{ErrorCode, RpcError};
pub use jsonrpc::RequestId;
pub use logging::LogLevel;
pub use version::ProtocolVersion;
pub(crate) use version::VersionHeader;
