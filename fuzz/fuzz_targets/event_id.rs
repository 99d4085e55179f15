//! `Last-Event-ID` values, and resuming a stream at the id they name.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mcp_runtime::__fuzz::event_id(data);
});
