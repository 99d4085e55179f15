//! stdio: newline-delimited JSON-RPC on stdin and stdout, for clients that launch the
//! server as a subprocess (desktop apps, IDEs).
//!
//! The same core answers as over HTTP. The process is one client's: `initialize` opens the
//! one session (no id travels), its calls run concurrently, their notifications and
//! responses are written one line each as they come, and server-initiated messages
//! (`notifications/tools/list_changed`) follow the session. Stateless-era (2026-07-28)
//! requests need no session. End of input ends the session and cancels what still runs.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt as _;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use crate::protocol::RpcError;
use crate::protocol::jsonrpc::error_message;
use crate::server::store::Cursor;
use crate::server::{Engine, Inbound, Link, Outcome, Outgoing, SessionRef};

/// Longest message accepted, in bytes (the same limit as an HTTP body).
const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// Lines waiting for stdout before senders wait: bounds memory when the client reads slowly.
const OUTPUT_QUEUE: usize = 256;

/// Serves one client on `input` and `output` until `input` ends.
pub(crate) async fn serve<R, W>(engine: Arc<Engine>, input: R, output: W) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (out, lines_out) = mpsc::channel::<Bytes>(OUTPUT_QUEUE);
    let writer = tokio::spawn(write_lines(lines_out, output));
    let mut connection = Connection {
        engine,
        session: None,
        out,
        link: Link::connection(),
    };
    let mut lines = FramedRead::new(input, LinesCodec::new_with_max_length(MAX_LINE_BYTES));
    while let Some(line) = lines.next().await {
        match line {
            Ok(line) if line.trim().is_empty() => {}
            Ok(line) => connection.receive(line.as_bytes()).await,
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                let error = RpcError::invalid_request(format!(
                    "message longer than {MAX_LINE_BYTES} bytes"
                ));
                connection.send(error_message(None, &error)).await;
            }
            Err(LinesCodecError::Io(e)) => {
                connection.close().await;
                return Err(e);
            }
        }
    }
    connection.close().await;
    drop(connection);
    // Every sender is gone once the cancelled calls are dropped: the writer drains and ends.
    writer.await.map_err(std::io::Error::other)?
}

async fn write_lines<W: AsyncWrite + Unpin>(
    mut lines: mpsc::Receiver<Bytes>,
    mut output: W,
) -> std::io::Result<()> {
    while let Some(line) = lines.recv().await {
        output.write_all(&line).await?;
        output.write_all(b"\n").await?;
        // Flush per message unless more are queued: the client sees each one at once.
        if lines.is_empty() {
            output.flush().await?;
        }
    }
    output.flush().await
}

/// The state of the one client on this stdio pair: the session it opened, and the link
/// through which it cancels stateless requests.
struct Connection {
    engine: Arc<Engine>,
    session: Option<SessionRef>,
    out: mpsc::Sender<Bytes>,
    link: Link,
}

impl Connection {
    async fn send(&self, message: Bytes) {
        // The writer stops only when stdout is gone: nobody is left to tell.
        let _ = self.out.send(message).await;
    }

    /// Hands one line to the engine and writes what comes back; a streaming reply is
    /// forwarded in its own task, so calls run concurrently.
    async fn receive(&mut self, line: &[u8]) {
        let inbound = Inbound {
            session_id: self.session.as_deref().map(|session| session.id()),
            resolved: self.session.clone(),
            ..Inbound::default()
        };
        let outcome = self.engine.handle(&self.link, &inbound, line).await;
        let out = self.out.clone();
        match outcome {
            Outcome::Reply { body, .. } => self.send(body).await,
            Outcome::Opened { body, session } => {
                // The process is the session: it lasts until stdin ends, however idle.
                session.pin();
                self.follow_server_messages(&session);
                self.session = Some(session);
                self.send(body).await;
            }
            Outcome::Stream { mut stream, .. } => {
                tokio::spawn(async move {
                    while let Some(item) = stream.next().await {
                        match item {
                            // Nothing to close here: stdio is one stream.
                            Outgoing::CloseStream => {}
                            Outgoing::Notification(message) | Outgoing::Response(message) => {
                                let _ = out.send(message).await;
                            }
                        }
                    }
                    // Cancelled: no response, as the spec says.
                });
            }
            Outcome::Batch(replies) => {
                tokio::spawn(async move {
                    if let Some(array) = replies.await {
                        let _ = out.send(array).await;
                    }
                });
            }
            Outcome::Accepted => {}
            Outcome::Refused(refusal) => {
                if refusal.answerable {
                    self.send(refusal.message()).await;
                }
            }
        }
    }

    /// Forwards the session's server-initiated messages to the client.
    fn follow_server_messages(&self, session: &SessionRef) {
        let log = session.standalone();
        let out = self.out.clone();
        tokio::spawn(async move {
            let Ok((_, mut events)) = log.subscribe(Cursor::Now).await else {
                return;
            };
            while let Some((_, message)) = events.next().await {
                if out.send(message).await.is_err() {
                    break;
                }
            }
        });
    }

    /// The client is gone: end its session, which cancels its calls and closes its streams.
    async fn close(&mut self) {
        if let Some(session) = self.session.take() {
            if let Err(e) = self.engine.store.remove(session.id()).await {
                tracing::warn!("could not end the stdio session: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{Server, ServerHandle};
    use serde_json::{Value, json};
    use tokio::io::{AsyncBufReadExt as _, BufReader};

    /// Echo the text back.
    #[crate::tool(name = "echo")]
    async fn echo(text: String) -> String {
        crate::progress!("echoing");
        text
    }

    struct Pipe {
        engine: Arc<Engine>,
        to_server: tokio::io::DuplexStream,
        from_server: tokio::io::Lines<BufReader<tokio::io::DuplexStream>>,
        served: tokio::task::JoinHandle<std::io::Result<()>>,
    }

    impl Pipe {
        fn start() -> Self {
            let engine = Server::new("stdio-test").tool(echo_tool()).engine();
            let (client_in, server_out) = tokio::io::duplex(1 << 16);
            let (server_in, client_out) = tokio::io::duplex(1 << 16);
            let served = tokio::spawn(serve(engine.clone(), server_in, server_out));
            Self {
                engine,
                to_server: client_out,
                from_server: BufReader::new(client_in).lines(),
                served,
            }
        }

        async fn send(&mut self, line: &str) {
            self.to_server
                .write_all(format!("{line}\n").as_bytes())
                .await
                .expect("write");
        }

        async fn next(&mut self) -> Value {
            let line = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                self.from_server.next_line(),
            )
            .await
            .expect("a line within 5 s")
            .expect("read")
            .expect("not closed");
            serde_json::from_str(&line).expect("JSON line")
        }
    }

    const INIT: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

    #[tokio::test]
    async fn a_session_lists_and_calls_tools_with_progress() {
        let mut pipe = Pipe::start();
        pipe.send(INIT).await;
        assert_eq!(pipe.next().await["result"]["protocolVersion"], "2025-06-18");
        pipe.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        pipe.send(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
            .await;
        assert_eq!(pipe.next().await["result"]["tools"][0]["name"], "echo");
        pipe.send(r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"progressToken":"p"}}}"#).await;
        let progress = pipe.next().await;
        assert_eq!(progress["method"], "notifications/progress");
        assert_eq!(progress["params"]["progressToken"], "p");
        let result = pipe.next().await;
        assert_eq!(result["id"], 2);
        assert_eq!(result["result"]["content"][0]["text"], "hi");
    }

    #[tokio::test]
    async fn bad_lines_get_specific_errors() {
        let mut pipe = Pipe::start();
        pipe.send("{not json").await;
        assert_eq!(pipe.next().await["error"]["code"], -32700);
        pipe.send(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
            .await;
        let early = pipe.next().await;
        assert_eq!(early["error"]["code"], -32600);
        assert!(
            early["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("initialize")
        );
        pipe.send(INIT).await;
        pipe.next().await;
        pipe.send(INIT.replace("\"id\":0", "\"id\":9").as_str())
            .await;
        assert_eq!(pipe.next().await["error"]["code"], -32600);
        pipe.send(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
            .await;
        assert_eq!(
            pipe.next().await["error"]["code"],
            -32600,
            "no batches after 2025-03-26"
        );
        pipe.send(r#"{"jsonrpc":"2.0","id":2,"method":"nope"}"#)
            .await;
        assert_eq!(pipe.next().await["error"]["code"], -32601);
    }

    fn stateless(id: u32, method: &str, params: Value) -> String {
        let mut params = params;
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
        });
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
    }

    #[tokio::test]
    async fn a_stateless_subscription_follows_tool_changes_until_cancelled() {
        let mut pipe = Pipe::start();
        let listen = json!({"notifications": {"toolsListChanged": true}});
        pipe.send(&stateless(5, "subscriptions/listen", listen))
            .await;
        let ack = pipe.next().await;
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        ServerHandle::new(pipe.engine.clone()).add_tool(echo_tool());
        let changed = pipe.next().await;
        assert_eq!(changed["method"], "notifications/tools/list_changed");
        assert_eq!(
            changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
            5
        );

        pipe.send(
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}"#,
        )
        .await;
        // Let the cancellation land before the next change.
        pipe.send(&stateless(6, "server/discover", json!({}))).await;
        assert_eq!(pipe.next().await["id"], 6);
        ServerHandle::new(pipe.engine.clone()).add_tool(echo_tool());
        pipe.send(&stateless(7, "server/discover", json!({}))).await;
        assert_eq!(
            pipe.next().await["id"],
            7,
            "nothing more from the cancelled subscription"
        );
    }

    #[tokio::test]
    async fn stateless_requests_need_no_session_and_input_end_stops_the_server() {
        let mut pipe = Pipe::start();
        pipe.send(
            &json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{
            "io.modelcontextprotocol/protocolVersion":"2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":{}}}})
            .to_string(),
        )
        .await;
        let discovered = pipe.next().await;
        assert!(
            discovered["result"]["supportedVersions"]
                .as_array()
                .is_some_and(|v| !v.is_empty())
        );
        drop(pipe.to_server);
        let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), pipe.served).await;
        assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
    }
}
