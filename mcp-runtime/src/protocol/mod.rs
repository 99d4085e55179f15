//! The wire: JSON-RPC 2.0 framing, MCP message types, protocol revisions and error codes.
//!
//! Everything here is plain data with serde impls; the rules for *using* it live in
//! [`server`](crate::server). Public are the types a server or client author meets:
//! [`ProtocolVersion`], [`RequestId`], [`Implementation`], [`LogLevel`] and [`Role`]; the
//! framing itself is internal.

pub(crate) mod error;
pub(crate) mod headers;
pub(crate) mod jsonrpc;
pub(crate) mod logging;
pub(crate) mod methods;
mod role;
pub(crate) mod types;
pub(crate) mod version;

pub(crate) use error::{ErrorCode, RpcError};
pub use jsonrpc::RequestId;
pub use logging::LogLevel;
pub use role::Role;
pub use types::Implementation;
pub use version::ProtocolVersion;
pub(crate) use version::VersionHeader;
