//! A POST body as the JSON-RPC parser reads it (single messages and batch items).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mcp_runtime::__fuzz::jsonrpc_message(data);
});
