//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`). Not public API: the
//! parsers stay `pub(crate)`; these wrappers feed them raw bytes and check what must hold
//! for any input (beyond "no panic"), so libFuzzer reports a broken invariant as a crash.
//!
//! Inputs that need several parts (a method and its params, a list of headers) are split
//! on newlines: libFuzzer's mutations keep such structure well enough, and a corpus entry
//! stays readable.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{FutureExt as _, StreamExt as _};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::value::RawValue;

use crate::protocol::jsonrpc::{self, Incoming};
use crate::server::store::memory::StreamLog;
use crate::server::{EventId, MirroredHeaders, Unresumable};
use crate::transport::http::headers;

/// Pushes never wait in these targets: nothing here waits for room.
const STALL: std::time::Duration = std::time::Duration::from_secs(1);

/// One JSON-RPC message (or batch) as the HTTP endpoint reads it.
pub fn jsonrpc_message(data: &[u8]) {
    if jsonrpc::is_batch(data) {
        if let Ok(items) = serde_json::from_slice::<Vec<&RawValue>>(data) {
            for item in items {
                check_message(item.get().as_bytes());
            }
        }
        return;
    }
    check_message(data);
}

fn check_message(data: &[u8]) {
    match jsonrpc::parse_message(data) {
        Ok(Incoming::Request(request)) => {
            // What we echo back must serialize, whatever id the client chose.
            let reply = jsonrpc::error_message(
                Some(&request.id),
                &crate::protocol::RpcError::invalid_request("x"),
            );
            assert!(serde_json::from_slice::<serde_json::Value>(&reply).is_ok());
        }
        Ok(_) => {}
        Err(error) => {
            let reply = jsonrpc::error_message(None, &error);
            assert!(serde_json::from_slice::<serde_json::Value>(&reply).is_ok());
        }
    }
}

/// The 2026-07-28 envelope ladder: line 1 the method, line 2 the `params` JSON, then
/// mirrored headers as `name: value` lines (`mcp-protocol-version`, `mcp-method`,
/// `mcp-name`, `mcp-param-*`).
pub fn envelope(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or("");
    let params = lines
        .next()
        .and_then(|p| serde_json::from_str::<&RawValue>(p).ok());
    let mut mirrored = MirroredHeaders::default();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "mcp-protocol-version" => mirrored.protocol_version = Some(value),
            "mcp-method" => mirrored.method = Some(value),
            "mcp-name" => mirrored.name = Some(value),
            other => {
                if let Some(param) = other.strip_prefix("mcp-param-") {
                    match mirrored.params.iter_mut().find(|(n, _)| n == param) {
                        Some((_, values)) => values.push(value),
                        None => mirrored.params.push((param.to_owned(), vec![value])),
                    }
                }
            }
        }
    }
    let _ = crate::server::validate_envelope(method, params, None);
    let _ = crate::server::validate_envelope(method, params, Some(&mirrored));
}

/// `Last-Event-ID` parsing: an id we accept prints back as the same id, and resuming a
/// stream at it never panics (the overflow of `u64::MAX + 1` was found this way).
pub fn event_id(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(id) = EventId::parse(text) else {
        return;
    };
    assert_eq!(EventId::parse(&id.to_string()), Some(id));
    let log = Arc::new(StreamLog::new(id.stream, 4, STALL));
    for _ in 0..3 {
        log.append(Bytes::from_static(b"{}"));
    }
    let _ = log.follow(id.seq).map(drop);
    log.finish();
    let _ = log.follow(id.seq).map(drop);
}

/// SSE replay: a script of pushes, detaches, closes and resumptions on one stream log (of
/// a capacity from the first byte). Every resumption the log accepts replays the events
/// after its cursor, in order and without a gap.
pub fn sse_replay(data: &[u8]) {
    let Some((&capacity, mut script)) = data.split_first() else {
        return;
    };
    let log = Arc::new(StreamLog::new(1, usize::from(capacity % 16) + 1, STALL));
    while let Some((&op, rest)) = script.split_first() {
        script = rest;
        match op % 4 {
            0 => {
                log.append(Bytes::copy_from_slice(&[op]));
            }
            1 => log.detach_now(),
            2 => log.finish(),
            _ => {
                let (cursor, rest) = take_u64(script);
                script = rest;
                resume(&log, cursor);
            }
        }
    }
}

fn take_u64(bytes: &[u8]) -> (u64, &[u8]) {
    let n = bytes.len().min(8);
    let mut buf = [0u8; 8];
    buf[..n].copy_from_slice(&bytes[..n]);
    (u64::from_le_bytes(buf), &bytes[n..])
}

fn resume(log: &Arc<StreamLog>, cursor: u64) {
    let last = log.last_seq();
    match log.follow(cursor) {
        Ok(events) => {
            let mut events = std::pin::pin!(events);
            let mut expected = cursor;
            // What is in the log now is replayed at once; the stream then waits for more.
            while let Some(Some((id, _))) = events.next().now_or_never() {
                expected += 1;
                assert_eq!(id.seq, expected, "a gap or a reordering in the replay");
                assert_eq!(id.stream, log.id());
            }
            if log.is_closed() {
                assert_eq!(expected, last, "a closed stream replays to its end");
            }
        }
        Err(Unresumable::Evicted) => {}
        Err(Unresumable::Finished) => assert!(log.is_closed() && cursor == last),
        Err(Unresumable::Unavailable(e)) => panic!("an in-process log cannot be unavailable: {e}"),
    }
}

/// The request headers the transport reads: `name: value` lines, in order (repeats kept).
pub fn http_headers(data: &[u8]) {
    let mut map = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim_ascii()),
            HeaderValue::from_bytes(value),
        ) {
            map.append(name, value);
        }
    }
    let seen = headers::Intake::read(&map);
    assert_eq!(seen.accepts(&map), headers::Accepts::from_headers(&map));
    let _ = headers::is_json_value(seen.content_type);
    if let Some(id) = seen.session_id {
        let _ = headers::malformed_session_id_value(id);
    }
    if let Some(version) = map.get(headers::PROTOCOL_VERSION) {
        let _ = version
            .to_str()
            .ok()
            .and_then(crate::protocol::ProtocolVersion::parse);
    }
    let _ = headers::session_id(&map);
    if let Some(name) = headers::duplicated(&map) {
        assert!(map.get_all(name).iter().count() > 1);
    }
    if let Some(last) = map.get(headers::LAST_EVENT_ID) {
        if let Some(id) = last.to_str().ok().and_then(EventId::parse) {
            let log = Arc::new(StreamLog::new(id.stream, 2, STALL));
            let _ = log.follow(id.seq).map(drop);
        }
    }
}
