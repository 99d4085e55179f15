//! Reading the request headers the transport cares about.

use http::header::{ACCEPT, CONTENT_TYPE, HOST, ORIGIN};
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::protocol::VersionHeader;
pub(crate) use crate::protocol::headers::{
    LAST_EVENT_ID, MCP_METHOD, MCP_NAME, PROTOCOL_VERSION, SESSION_ID,
};

/// The headers the intake checks before anything else (the guard, a `POST`'s media types),
/// found in one pass: a lookup by name hashes the name every time, and a request has only a
/// handful of headers. The first value of a name counts, as `HeaderMap::get` has it.
#[derive(Debug, Default)]
pub(crate) struct Intake<'a> {
    pub(crate) host: Option<&'a HeaderValue>,
    pub(crate) origin: Option<&'a HeaderValue>,
    pub(crate) session_id: Option<&'a HeaderValue>,
    pub(crate) content_type: Option<&'a HeaderValue>,
    /// The first `Accept` value, and whether there were more.
    pub(crate) accept: Option<&'a HeaderValue>,
    accept_repeated: bool,
}

impl<'a> Intake<'a> {
    pub(crate) fn read(headers: &'a HeaderMap) -> Self {
        let mut seen = Self::default();
        for (name, value) in headers {
            let slot = if *name == HOST {
                &mut seen.host
            } else if *name == ORIGIN {
                &mut seen.origin
            } else if *name == CONTENT_TYPE {
                &mut seen.content_type
            } else if *name == ACCEPT {
                seen.accept_repeated |= seen.accept.is_some();
                &mut seen.accept
            } else if *name == SESSION_ID {
                &mut seen.session_id
            } else {
                continue;
            };
            slot.get_or_insert(value);
        }
        seen
    }

    /// What the client accepts (all its `Accept` headers).
    pub(crate) fn accepts(&self, headers: &HeaderMap) -> Accepts {
        match self.accept {
            Some(value) if !self.accept_repeated => Accepts::from_values([value]),
            Some(_) => Accepts::from_headers(headers),
            None => Accepts::ANY,
        }
    }
}

/// What the client's `Accept` header allows us to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepts {
    pub(crate) json: bool,
    pub(crate) event_stream: bool,
}

impl Accepts {
    /// Clients must list both `application/json` and `text/event-stream`; wildcards count,
    /// and a request with no `Accept` header accepts anything.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_values(headers.get_all(ACCEPT))
    }

    /// A request with no `Accept` header accepts anything.
    const ANY: Self = Self {
        json: true,
        event_stream: true,
    };

    fn from_values<'a>(values: impl IntoIterator<Item = &'a HeaderValue>) -> Self {
        let mut values = values.into_iter().peekable();
        // What MCP clients send, checked whole first: acceptance only accumulates over the
        // items and headers, so nothing after this can take it back.
        if values
            .peek()
            .is_some_and(|v| v.as_bytes() == b"application/json, text/event-stream")
        {
            return Self::ANY;
        }
        let mut accepts = Self {
            json: false,
            event_stream: false,
        };
        let mut any_header = false;
        for value in values {
            any_header = true;
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let media = item.split(';').next().unwrap_or("").trim();
                let is = |name: &str| media.eq_ignore_ascii_case(name);
                if is("*/*") {
                    accepts.json = true;
                    accepts.event_stream = true;
                } else if is("application/json") || is("application/*") {
                    accepts.json = true;
                } else if is("text/event-stream") || is("text/*") {
                    accepts.event_stream = true;
                }
            }
        }
        if !any_header {
            accepts = Self::ANY;
        }
        accepts
    }
}

/// Whether the body is declared as JSON (`application/json`, any parameters), by the first
/// `Content-Type` value.
pub(crate) fn is_json_value(content_type: Option<&HeaderValue>) -> bool {
    // What clients send, byte for byte; anything else is parsed.
    if content_type.is_some_and(|v| v.as_bytes() == b"application/json") {
        return true;
    }
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// The `MCP-Protocol-Version` header, parsed (once per request).
pub(crate) fn protocol_version(headers: &HeaderMap) -> Option<VersionHeader<'_>> {
    let value = headers.get(PROTOCOL_VERSION)?;
    Some(VersionHeader::parse(
        value.to_str().unwrap_or("(not visible ASCII)"),
    ))
}

/// The `Mcp-Session-Id` header, if present and readable.
pub(crate) fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(SESSION_ID).and_then(|v| v.to_str().ok())
}

/// Why the `Mcp-Session-Id` header cannot name a session, if it is present but is not one
/// visible-ASCII token (0x21 to 0x7E, as the transport spec requires of session ids): a
/// trailing byte, a space, or a comma-folded list of two ids names no session the server
/// issued, so it is malformed (400) rather than unknown (404).
pub(crate) fn malformed_session_id_value(value: &HeaderValue) -> Option<String> {
    let value = value.as_bytes();
    if value.is_empty() {
        return Some(
            "the Mcp-Session-Id header is empty: send the id `initialize` returned".into(),
        );
    }
    if value.len() > MAX_SESSION_ID {
        return Some(format!(
            "the Mcp-Session-Id header is {} bytes long; session ids are at most {MAX_SESSION_ID}",
            value.len()
        ));
    }
    let bad = value.iter().position(|b| !(0x21..=0x7e).contains(b))?;
    Some(format!(
        "the Mcp-Session-Id header has byte 0x{:02X} at offset {bad}: a session id is one visible-ASCII token (0x21 to 0x7E), exactly as `initialize` returned it",
        value[bad]
    ))
}

/// The longest `Mcp-Session-Id` looked up (ours are 32 characters).
const MAX_SESSION_ID: usize = 256;

/// The MCP headers that carry one value: a second copy is ambiguous (which one did a proxy
/// check, which one do we use?), so a request that repeats one is refused.
static SINGLE_VALUED: [HeaderName; 5] = [
    SESSION_ID,
    PROTOCOL_VERSION,
    MCP_METHOD,
    MCP_NAME,
    LAST_EVENT_ID,
];

/// The first single-valued MCP header that appears more than once, if any.
pub(crate) fn duplicated(headers: &HeaderMap) -> Option<&'static HeaderName> {
    // Most requests repeat no header at all: then nothing needs looking up.
    if headers.len() == headers.keys_len() {
        return None;
    }
    SINGLE_VALUED.iter().find(|name| {
        let mut values = headers.get_all(*name).iter();
        values.next().is_some() && values.next().is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn accepts(value: &str) -> Accepts {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, value.parse().expect("valid header"));
        Accepts::from_headers(&h)
    }

    #[test]
    fn repeated_single_valued_headers_are_found() {
        let mut h = HeaderMap::new();
        h.append(SESSION_ID, HeaderValue::from_static("a"));
        h.append(ACCEPT, HeaderValue::from_static("text/html"));
        h.append(ACCEPT, HeaderValue::from_static("application/json"));
        assert_eq!(duplicated(&h), None, "Accept may repeat");
        h.append(
            HeaderName::from_static("mcp-session-id"),
            HeaderValue::from_static("b"),
        );
        assert_eq!(duplicated(&h), Some(&SESSION_ID));
        let mut h = HeaderMap::new();
        h.append(LAST_EVENT_ID, HeaderValue::from_static("1-1"));
        h.append(LAST_EVENT_ID, HeaderValue::from_static("1-1"));
        assert_eq!(duplicated(&h), Some(&LAST_EVENT_ID), "even equal copies");
    }

    #[test]
    fn session_ids_are_one_visible_ascii_token() {
        let check = |value: &[u8]| {
            let mut h = HeaderMap::new();
            h.insert(
                SESSION_ID,
                HeaderValue::from_bytes(value).expect("header bytes"),
            );
            malformed_session_id_value(h.get(SESSION_ID).expect("set"))
        };
        assert_eq!(check(b"0123abcd"), None);
        assert!(check(b"0123abcd\xff").is_some_and(|m| m.contains("0xFF")));
        assert!(check(b"a, b").is_some_and(|m| m.contains("0x20")));
        assert!(
            check(b"a,b").is_none(),
            "visible ASCII: unknown (404), not malformed"
        );
        assert!(check(&[b'a'; 300]).is_some());
    }

    #[test]
    fn one_pass_reads_the_first_value_of_each_and_every_accept() {
        let mut h = HeaderMap::new();
        h.append(HOST, HeaderValue::from_static("localhost:1"));
        h.append(HOST, HeaderValue::from_static("evil.example"));
        h.append(ACCEPT, HeaderValue::from_static("text/event-stream"));
        h.append(ACCEPT, HeaderValue::from_static("application/json"));
        h.append(SESSION_ID, HeaderValue::from_static("abc"));
        let seen = Intake::read(&h);
        assert_eq!(seen.host, h.get(HOST));
        assert_eq!(seen.session_id, h.get(SESSION_ID));
        assert_eq!((seen.origin, seen.content_type), (None, None));
        assert_eq!(seen.accepts(&h), Accepts::from_headers(&h));
        assert_eq!(seen.accepts(&h), Accepts::ANY, "both, over two headers");
        assert_eq!(
            Intake::read(&HeaderMap::new()).accepts(&HeaderMap::new()),
            Accepts::ANY
        );
        let mut h = HeaderMap::new();
        h.append(ACCEPT, HeaderValue::from_static("text/html"));
        let seen = Intake::read(&h);
        assert_eq!(seen.accepts(&h), accepts("text/html"));
    }

    #[test]
    fn accept_header() {
        assert_eq!(
            accepts("application/json, text/event-stream"),
            Accepts {
                json: true,
                event_stream: true
            }
        );
        assert_eq!(
            accepts("application/json;q=0.9"),
            Accepts {
                json: true,
                event_stream: false
            }
        );
        assert_eq!(
            accepts("*/*"),
            Accepts {
                json: true,
                event_stream: true
            }
        );
        assert_eq!(
            accepts("text/html"),
            Accepts {
                json: false,
                event_stream: false
            }
        );
        assert_eq!(
            Accepts::from_headers(&HeaderMap::new()),
            Accepts {
                json: true,
                event_stream: true
            }
        );
    }
}
