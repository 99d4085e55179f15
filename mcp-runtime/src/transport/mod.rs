//! Transports: how messages reach the core. Each one only moves bytes and frames; the
//! protocol rules live in [`server`](crate::server).

pub(crate) mod http;
#[cfg(test)]
mod parity;
pub(crate) mod stdio;
