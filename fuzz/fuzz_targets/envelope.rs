//! The 2026-07-28 envelope ladder: method, params and mirrored headers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mcp_runtime::__fuzz::envelope(data);
});
