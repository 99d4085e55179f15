//! MCP requests as the load generator sends them: prepared once per workload as a byte
//! template, so every server receives exactly the same bytes and the generator spends
//! almost nothing building them.

use std::fmt::Write as _;
use std::net::SocketAddr;

use serde_json::{Map, Value, json};

use crate::spec;

/// Which era a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// 2026-07-28: the envelope in `params._meta`, `Mcp-Method`/`Mcp-Name` headers.
    Stateless,
    /// Handshake era: `Mcp-Session-Id` and `MCP-Protocol-Version` headers.
    Session,
}

/// One kind of request, ready to be written with a fresh id (and session) each time.
#[derive(Debug, Clone)]
pub struct Template {
    /// Everything before the headers that vary, ending in CRLF.
    head: String,
    /// The body, split where the request id goes.
    body: Vec<Vec<u8>>,
}

/// Where the id goes in a body template, as a JSON string that no real value contains.
const ID_MARK: &str = "__ID__";

impl Template {
    /// A request for `method` with `params` (without `_meta`). `progress` adds a progress
    /// token (the request id, so it is unique per request).
    pub fn new(
        addr: SocketAddr,
        era: Era,
        method: &str,
        name: Option<&str>,
        params: Map<String, Value>,
        progress: bool,
    ) -> Self {
        let mut meta = Map::new();
        if progress {
            meta.insert("progressToken".into(), json!(ID_MARK));
        }
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n",
            spec::PATH
        );
        match era {
            Era::Stateless => {
                meta.insert(
                    "io.modelcontextprotocol/protocolVersion".into(),
                    json!(spec::STATELESS_VERSION),
                );
                meta.insert(
                    "io.modelcontextprotocol/clientCapabilities".into(),
                    json!({}),
                );
                meta.insert(
                    "io.modelcontextprotocol/clientInfo".into(),
                    json!({"name": "bench", "version": "0.1.0"}),
                );
                let _ = write!(
                    head,
                    "MCP-Protocol-Version: {}\r\nMcp-Method: {method}\r\n",
                    spec::STATELESS_VERSION
                );
                if let Some(name) = name {
                    let _ = write!(head, "Mcp-Name: {name}\r\n");
                }
            }
            Era::Session if method != "initialize" => {
                let _ = write!(head, "MCP-Protocol-Version: {}\r\n", spec::SESSION_VERSION);
            }
            Era::Session => {}
        }
        let mut params = params;
        if !meta.is_empty() {
            params.insert("_meta".into(), Value::Object(meta));
        }
        let mut message = Map::new();
        message.insert("jsonrpc".into(), json!("2.0"));
        message.insert("id".into(), json!(ID_MARK));
        message.insert("method".into(), json!(method));
        message.insert("params".into(), Value::Object(params));
        let text = Value::Object(message).to_string();
        // The mark is a JSON string; the id replaces it with its quotes, as a number.
        let quoted = format!("\"{ID_MARK}\"");
        let body = text
            .split(quoted.as_str())
            .map(|part| part.as_bytes().to_vec())
            .collect();
        Self { head, body }
    }

    /// The same request with `Authorization: Bearer <token>`.
    pub fn with_bearer(mut self, token: &str) -> Self {
        let _ = write!(self.head, "Authorization: Bearer {token}\r\n");
        self
    }

    /// A notification (no id), e.g. `notifications/initialized`.
    pub fn notification(addr: SocketAddr, method: &str) -> Self {
        let mut template = Self::new(addr, Era::Session, method, None, Map::new(), false);
        let body = json!({"jsonrpc": "2.0", "method": method}).to_string();
        template.body = vec![body.into_bytes()];
        template
    }

    /// Writes the request with this id (and session) into `out`, replacing its contents.
    pub fn write(&self, out: &mut Vec<u8>, id: u64, session: Option<&str>) {
        out.clear();
        out.extend_from_slice(self.head.as_bytes());
        if let Some(session) = session {
            out.extend_from_slice(b"Mcp-Session-Id: ");
            out.extend_from_slice(session.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let id = id.to_string();
        let length: usize =
            self.body.iter().map(Vec::len).sum::<usize>() + id.len() * (self.body.len() - 1);
        let _ = std::io::Write::write_fmt(out, format_args!("Content-Length: {length}\r\n\r\n"));
        for (i, part) in self.body.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(id.as_bytes());
            }
            out.extend_from_slice(part);
        }
    }
}

/// The requests a workload sends.
#[derive(Debug, Clone)]
pub struct Script {
    /// Whether each connection opens a session (handshake) before calling.
    pub session: Option<Handshake>,
    /// The call repeated.
    pub call: Template,
    /// Progress frames each call must deliver (0 for a call that emits none).
    pub expect_progress: u32,
}

impl Script {
    /// Every request of the script with this bearer token (none: unchanged).
    pub fn authorized(mut self, token: Option<&str>) -> Self {
        if let Some(token) = token {
            self.call = self.call.with_bearer(token);
            self.session = self.session.map(|h| Handshake {
                initialize: h.initialize.with_bearer(token),
                initialized: h.initialized.with_bearer(token),
            });
        }
        self
    }
}

/// The handshake-era opening: `initialize`, then `notifications/initialized`.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// `initialize`.
    pub initialize: Template,
    /// `notifications/initialized`.
    pub initialized: Template,
}

impl Handshake {
    /// The handshake for `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        let params = json!({
            "protocolVersion": spec::SESSION_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0.1.0"}
        });
        let Value::Object(params) = params else {
            unreachable!("a literal object")
        };
        Self {
            initialize: Template::new(addr, Era::Session, "initialize", None, params, false),
            initialized: Template::notification(addr, "notifications/initialized"),
        }
    }
}

/// `tools/call` of the echo tool.
pub fn echo(addr: SocketAddr, era: Era) -> Template {
    let params = json!({"name": spec::ECHO, "arguments": {"text": "hello"}});
    call(addr, era, spec::ECHO, params, false)
}

/// `tools/call` of the progress tool: `frames` frames, `delay_ms` apart.
pub fn progress(addr: SocketAddr, era: Era, frames: u32, delay_ms: u64) -> Template {
    let params = json!({
        "name": spec::PROGRESS,
        "arguments": {"frames": frames, "delay_ms": delay_ms}
    });
    call(addr, era, spec::PROGRESS, params, true)
}

/// `tools/list`.
pub fn list_tools(addr: SocketAddr, era: Era) -> Template {
    Template::new(addr, era, "tools/list", None, Map::new(), false)
}

fn call(addr: SocketAddr, era: Era, name: &str, params: Value, progress: bool) -> Template {
    let Value::Object(params) = params else {
        unreachable!("a literal object")
    };
    Template::new(addr, era, "tools/call", Some(name), params, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_ids_and_lengths() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 9));
        let mut out = Vec::new();
        progress(addr, Era::Stateless, 10, 0).write(&mut out, 42, None);
        let text = String::from_utf8(out).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        assert!(head.contains("Mcp-Name: progress"));
        assert!(head.ends_with(&format!("Content-Length: {}", body.len())));
        let body: Value = serde_json::from_str(body).expect("json");
        assert_eq!(body["id"], 42);
        assert_eq!(body["params"]["_meta"]["progressToken"], 42);
    }
}
