//! Log levels of MCP logging (`logging/setLevel`, `notifications/message`).

use serde::{Deserialize, Serialize};

/// A log level, as in RFC 5424 syslog severities (least to most severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Detailed debugging information.
    Debug,
    /// Normal operation.
    Info,
    /// Normal but significant.
    Notice,
    /// A warning.
    Warning,
    /// An error.
    Error,
    /// A critical condition.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    pub(crate) const ALL: [LogLevel; 8] = [
        Self::Debug,
        Self::Info,
        Self::Notice,
        Self::Warning,
        Self::Error,
        Self::Critical,
        Self::Alert,
        Self::Emergency,
    ];

    pub(crate) fn from_index(index: u8) -> Self {
        Self::ALL
            .get(usize::from(index))
            .copied()
            .unwrap_or(Self::Debug)
    }

    pub(crate) fn index(self) -> u8 {
        self as u8
    }
}

/// `logging/setLevel` parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct SetLevelParams {
    /// The least severe level the client wants to receive.
    pub level: LogLevel,
}

/// `notifications/message` parameters.
#[derive(Debug, Clone, Serialize)]
pub struct LogMessageParams<'a> {
    /// Severity.
    pub level: LogLevel,
    /// Which part of the server logged it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logger: Option<&'a str>,
    /// The message (any JSON; a string for `log!`).
    pub data: &'a serde_json::Value,
}
