//! Request headers: Accept, Content-Type, MCP-Protocol-Version, session, duplicates.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mcp_runtime::__fuzz::http_headers(data);
});
