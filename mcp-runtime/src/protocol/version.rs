//! Protocol revisions and version negotiation.
//!
//! Two eras share one endpoint: the handshake era (`initialize`, sessions; 2024-11-05 to
//! 2025-11-25) and the stateless era (2026-07-28 on: every request carries its own
//! protocol version and capabilities in `params._meta`).

use std::fmt;

/// A revision of the MCP specification this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// `2024-11-05`: the first revision (HTTP+SSE era; served here over Streamable HTTP).
    V2024_11_05,
    /// `2025-03-26`: Streamable HTTP, JSON-RPC batches.
    V2025_03_26,
    /// `2025-06-18`: structured tool output, `MCP-Protocol-Version` header, no batches.
    V2025_06_18,
    /// `2025-11-25`: SSE priming events and polling (SEP-1699).
    V2025_11_25,
    /// `2026-07-28`: stateless; no `initialize`, no sessions.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every revision we speak, oldest first.
    pub const ALL: &'static [ProtocolVersion] = &[
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
        Self::V2026_07_28,
    ];

    /// The newest handshake-era revision: what `initialize` answers when the client asks for
    /// one we do not know.
    pub const LATEST: ProtocolVersion = Self::V2025_11_25;

    /// The revision assumed when an HTTP request carries no `MCP-Protocol-Version` header.
    pub const HTTP_DEFAULT: ProtocolVersion = Self::V2025_03_26;

    /// The revision's date string, as it travels on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// Whether requests of this revision are self-contained (no `initialize`, no session).
    pub const fn is_stateless(self) -> bool {
        matches!(self, Self::V2026_07_28)
    }

    /// Whether SSE streams of this revision open with a priming event (an id and no data)
    /// and announce `retry`, so the server may close them early and the client resumes
    /// (SEP-1699, 2025-11-25 on). Older clients do not expect an empty event.
    pub fn primes_streams(self) -> bool {
        self >= Self::V2025_11_25 && !self.is_stateless()
    }

    /// Whether JSON-RPC batches are allowed: only in 2025-03-26.
    pub const fn has_batches(self) -> bool {
        matches!(self, Self::V2025_03_26)
    }

    /// Parses a wire version string; `None` for revisions we do not speak.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// What `initialize` answers to a client that asked for `requested`: the same revision
    /// when it is a handshake-era one we speak, else our newest handshake-era revision (the
    /// client then decides whether to go on).
    pub fn negotiate(requested: &str) -> Self {
        Self::parse(requested)
            .filter(|v| !v.is_stateless())
            .unwrap_or(Self::LATEST)
    }

    /// Every supported version string, newest first (as `server/discover` lists them).
    pub fn supported() -> Vec<&'static str> {
        Self::ALL.iter().rev().map(|v| v.as_str()).collect()
    }

    /// The supported versions as a comma-separated list, for error messages.
    pub fn supported_list() -> String {
        Self::supported().join(", ")
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protocol version a transport was told out of band (HTTP's `MCP-Protocol-Version`),
/// parsed once where it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionHeader<'a> {
    /// A revision this server speaks.
    Known(ProtocolVersion),
    /// Anything else, as sent (`"(not visible ASCII)"` for bytes that are not text).
    Unknown(&'a str),
}

impl<'a> VersionHeader<'a> {
    /// What `text` names.
    pub(crate) fn parse(text: &'a str) -> Self {
        ProtocolVersion::parse(text).map_or(Self::Unknown(text), Self::Known)
    }

    /// The revision, if this server speaks it.
    pub(crate) fn known(self) -> Option<ProtocolVersion> {
        match self {
            Self::Known(version) => Some(version),
            Self::Unknown(_) => None,
        }
    }

    /// Whether it names the stateless revision (2026-07-28).
    pub(crate) fn is_stateless(self) -> bool {
        self.known().is_some_and(ProtocolVersion::is_stateless)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_echoes_known_handshake_versions_and_falls_back_to_latest() {
        assert_eq!(
            ProtocolVersion::negotiate("2025-03-26"),
            ProtocolVersion::V2025_03_26
        );
        assert_eq!(
            ProtocolVersion::negotiate("2024-11-05"),
            ProtocolVersion::V2024_11_05
        );
        assert_eq!(
            ProtocolVersion::negotiate("1999-01-01"),
            ProtocolVersion::LATEST
        );
        assert_eq!(
            ProtocolVersion::negotiate("2026-07-28"),
            ProtocolVersion::LATEST,
            "no handshake in 2026-07-28"
        );
    }
}
