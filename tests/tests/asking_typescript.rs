//! The official TypeScript SDK answers the server's questions (elicitation, sampling,
//! roots) from its request handlers, in the handshake era: each question travels as a
//! JSON-RPC request on the call's SSE stream and the SDK POSTs the answer. The checks are in
//! `tests/clients/typescript/ask_client.mjs`; the tools are the conformance fixture's.

use std::time::Duration;

use tests::TestServer;
use tests::clients::{self, run_client};

#[path = "../../examples/examples/everything.rs"]
#[allow(dead_code)]
mod everything;

#[tokio::test]
async fn typescript_sdk_answers_questions_in_the_handshake_era() {
    let node = clients::node();
    let server = TestServer::start(everything::server()).await;
    let mut command = node.script("ask_client.mjs");
    command.arg(&server.url);
    let output = run_client(command, Duration::from_secs(120)).await;
    assert!(output.stdout.contains("ok: "), "{output:?}");
    println!("{}", output.stdout);
}
