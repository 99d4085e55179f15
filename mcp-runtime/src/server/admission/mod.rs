//! Admission: who gets a place when a limit is reached. A cap that refuses everyone once
//! one client has filled it takes the server down, so each limit sheds the cheapest, least
//! valuable work first: calls wait briefly in a bounded queue, sessions and connections
//! are taken from whoever holds the most and uses them least.

pub(crate) mod calls;
pub(crate) mod client;

pub(crate) use calls::{CallGate, CallPermit};
pub(crate) use client::ClientKey;
