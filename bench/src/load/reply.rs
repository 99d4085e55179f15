//! Reading an MCP reply: a JSON body, or an SSE stream of frames that ends with the
//! response. Counts what arrived so the driver can tell lost frames from errors.

use super::http::{Head, Sink};

/// What one reply carried.
#[derive(Debug, Default)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Whether it was an SSE stream.
    pub event_stream: bool,
    /// `Mcp-Session-Id`, when the server assigned one.
    pub session_id: Option<String>,
    /// `notifications/progress` frames received.
    pub progress: u32,
    /// JSON-RPC responses received (one, for a healthy call).
    pub responses: u32,
    /// Whether a response was a JSON-RPC error or a tool result with `isError: true`.
    pub failed: bool,
    /// Whether to check that progress values rise by one from 1 (see `out_of_order`).
    pub check_order: bool,
    /// Progress frames whose `progress` was not the previous one's plus one (checked only
    /// with `check_order`: it costs a number parse per frame).
    pub out_of_order: u32,
    /// The `progress` of the last frame, with `check_order`.
    last_progress: u64,
    /// SSE events received that carried no message (priming events); keep-alive comments
    /// are not counted.
    pub empty_events: u32,
    /// The body as JSON, when it was small enough to keep (for diagnostics).
    sample: Vec<u8>,
    /// The current SSE line, when a chunk ended inside it.
    line: Vec<u8>,
    /// The `data` of the event being read.
    data: Vec<u8>,
    /// Whether the event being read has a `data` field (a block of comments has none).
    has_data: bool,
}

/// Bodies up to this size are kept whole (enough for every reply but `tools/list`).
const SAMPLE_LIMIT: usize = 2048;

impl Reply {
    /// Clears everything for the next exchange, keeping the buffers.
    pub fn reset(&mut self) {
        self.status = 0;
        self.event_stream = false;
        self.session_id = None;
        self.progress = 0;
        self.responses = 0;
        self.failed = false;
        self.out_of_order = 0;
        self.last_progress = 0;
        self.empty_events = 0;
        self.sample.clear();
        self.line.clear();
        self.data.clear();
        self.has_data = false;
    }

    /// Finishes a JSON body (SSE events are classified as they complete).
    pub fn finish(&mut self) {
        if !self.event_stream && !self.sample.is_empty() {
            let body = std::mem::take(&mut self.sample);
            self.message(&body);
            self.sample = body;
        }
    }

    /// The start of the body, for error messages.
    pub fn snippet(&self) -> String {
        let end = self.sample.len().min(200);
        String::from_utf8_lossy(&self.sample[..end]).into_owned()
    }

    fn message(&mut self, message: &[u8]) {
        // Substring checks on our own fixed shapes: parsing every frame as JSON would make
        // the load generator, not the server, the bottleneck.
        if contains(message, b"\"notifications/progress\"") {
            self.progress += 1;
            if self.check_order {
                let value = progress_value(message);
                if value != Some(self.last_progress + 1) {
                    self.out_of_order += 1;
                }
                self.last_progress = value.unwrap_or(self.last_progress + 1);
            }
        } else if contains(message, b"\"method\"") {
            // Another notification (a log message): neither progress nor the response.
        } else {
            self.responses += 1;
            let head = &message[..message.len().min(64)];
            if contains(head, b"\"error\"")
                || (message.len() <= SAMPLE_LIMIT && contains(message, b"\"isError\":true"))
            {
                self.failed = true;
            }
        }
    }

    fn sse_line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            let data = std::mem::take(&mut self.data);
            if !data.is_empty() {
                self.message(&data);
            } else if self.has_data {
                self.empty_events += 1;
            }
            self.data = data;
            self.data.clear();
            self.has_data = false;
        } else if let Some(value) = line.strip_prefix(b"data:") {
            let value = value.strip_prefix(b" ").unwrap_or(value);
            if self.has_data {
                self.data.push(b'\n');
            }
            self.has_data = true;
            self.data.extend_from_slice(value);
        }
        // `id:`, `retry:`, `event:` and `:` comments carry nothing we count.
    }
}

impl Sink for Reply {
    fn begin(&mut self, head: &Head) {
        self.status = head.status;
        self.event_stream = head.event_stream;
        self.session_id.clone_from(&head.session_id);
    }

    fn feed(&mut self, mut data: &[u8]) {
        if !self.event_stream {
            if self.sample.len() < SAMPLE_LIMIT {
                let room = SAMPLE_LIMIT - self.sample.len();
                self.sample.extend_from_slice(&data[..data.len().min(room)]);
            }
            return;
        }
        while let Some(end) = data.iter().position(|&b| b == b'\n') {
            if self.line.is_empty() {
                self.sse_line(&data[..end]);
            } else {
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&data[..end]);
                self.sse_line(&line);
                line.clear();
                self.line = line;
            }
            data = &data[end + 1..];
        }
        self.line.extend_from_slice(data);
    }
}

/// The integer part of `"progress":N` in a progress notification.
fn progress_value(message: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"progress\":";
    let at = message.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let digits = message[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    std::str::from_utf8(&message[at..at + digits])
        .ok()?
        .parse()
        .ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(chunks: &[&[u8]]) -> Reply {
        let mut reply = Reply::default();
        reply.begin(&Head {
            status: 200,
            event_stream: true,
            ..Head::default()
        });
        for chunk in chunks {
            reply.feed(chunk);
        }
        reply.finish();
        reply
    }

    #[test]
    fn counts_frames_across_chunk_boundaries() {
        let progress = br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#;
        let mut body = b"id: 1-0\nretry: 1000\ndata: \n\n: keep-alive\n\n".to_vec();
        for _ in 0..3 {
            body.extend_from_slice(b"data: ");
            body.extend_from_slice(progress);
            body.extend_from_slice(b"\n\n");
        }
        body.extend_from_slice(b"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\r\n\r\n");
        let (a, b) = body.split_at(50);
        let reply = sse(&[a, b]);
        assert_eq!(
            (reply.progress, reply.responses, reply.empty_events),
            (3, 1, 1)
        );
        assert!(!reply.failed);
    }

    #[test]
    fn checks_progress_order() {
        let frame = |n: &str| {
            format!(
                "data: {{\"method\":\"notifications/progress\",\"params\":{{\"progressToken\":9,\"progress\":{n},\"total\":3.0}}}}\n\n"
            )
        };
        let mut reply = Reply {
            check_order: true,
            ..Reply::default()
        };
        reply.begin(&Head {
            status: 200,
            event_stream: true,
            ..Head::default()
        });
        for n in ["1.0", "2.0", "4.0", "5"] {
            reply.feed(frame(n).as_bytes());
        }
        assert_eq!((reply.progress, reply.out_of_order), (4, 1));
    }

    #[test]
    fn spots_errors() {
        let reply = sse(&[b"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1}}\n\n"]);
        assert!(reply.failed);
        let mut reply = Reply::default();
        reply.begin(&Head::default());
        reply.feed(br#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}"#);
        reply.finish();
        assert!(reply.failed && reply.responses == 1);
    }
}
