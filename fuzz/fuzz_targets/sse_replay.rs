//! Scripts of pushes, detaches, closes and resumptions on an SSE event log.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mcp_runtime::__fuzz::sse_replay(data);
});
