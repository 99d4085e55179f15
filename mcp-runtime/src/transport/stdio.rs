//! stdio: newline-delimited JSON-RPC on stdin and stdout, for clients that launch the
//! server as a subprocess (desktop apps, IDEs).
//!
//! The same core answers as over HTTP. The process is one client's: `initialize` opens the
//! one session (no id travels), its calls run concurrently, their notifications and
//! responses are written one line each as they come, and server-initiated messages
//! (`notifications/tools/list_changed`) follow the session. Stateless-era (2026-07-28)
//! requests need no session. End of input ends the session and cancels what still runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::future::{AbortHandle, Abortable, BoxFuture, FutureExt as _, join_all};
use serde_json::value::RawValue;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use crate::protocol::jsonrpc::{Incoming, error_message, is_batch, parse_message};
use crate::protocol::types::CancelledParams;
use crate::protocol::{ProtocolVersion, RequestId, RpcError};
use crate::server::{Dispatched, Dispatcher, Era, Outgoing, Session, is_stateless_request};

/// Longest message accepted, in bytes (the same limit as an HTTP body).
const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// Lines waiting for stdout before senders wait: bounds memory when the client reads slowly.
const OUTPUT_QUEUE: usize = 256;

/// Serves one client on `input` and `output` until `input` ends.
pub(crate) async fn serve<R, W>(
    dispatcher: Arc<Dispatcher>,
    input: R,
    output: W,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (out, lines_out) = mpsc::channel::<Bytes>(OUTPUT_QUEUE);
    let writer = tokio::spawn(write_lines(lines_out, output));
    let mut connection = Connection {
        dispatcher,
        session: None,
        out,
        stateless_streams: Arc::default(),
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
                connection.close();
                return Err(e);
            }
        }
    }
    connection.close();
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

/// The state of the one client on this stdio pair.
struct Connection {
    dispatcher: Arc<Dispatcher>,
    session: Option<Arc<Session>>,
    out: mpsc::Sender<Bytes>,
    /// Stateless-era streaming requests in flight (tool calls, subscriptions), which
    /// `notifications/cancelled` ends; a session's calls are cancelled through the session.
    stateless_streams: Arc<Mutex<HashMap<RequestId, AbortHandle>>>,
}

impl Connection {
    async fn send(&self, message: Bytes) {
        // The writer stops only when stdout is gone: nobody is left to tell.
        let _ = self.out.send(message).await;
    }

    async fn receive(&mut self, line: &[u8]) {
        if is_batch(line) {
            let reply = self.batch(line);
            let out = self.out.clone();
            tokio::spawn(async move {
                if let Some(array) = reply.await {
                    let _ = out.send(array).await;
                }
            });
            return;
        }
        if let Some(reply) = self.message(line) {
            let out = self.out.clone();
            tokio::spawn(async move {
                if let Some(message) = reply.await {
                    let _ = out.send(message).await;
                }
            });
        }
    }

    /// Handles one message; the future (if any) resolves to its response. A tool call's
    /// notifications are sent on the way.
    fn message(&mut self, bytes: &[u8]) -> Option<BoxFuture<'static, Option<Bytes>>> {
        let message = match parse_message(bytes) {
            Ok(message) => message,
            Err(error) => return Some(ready(error_message(None, &error))),
        };
        let request = match message {
            Incoming::Request(request) => request,
            Incoming::Notification { method, params } => {
                if method == "notifications/cancelled" {
                    self.cancel_stateless(params);
                }
                if let Some(session) = &self.session {
                    self.dispatcher
                        .handle_notification(Some(session), &method, params);
                }
                return None;
            }
            Incoming::Response => return None,
        };
        let stateless = is_stateless_request(&request);
        let id = request.id.clone();
        let era = if stateless {
            Era::Stateless(None)
        } else if request.method == "initialize" {
            if self.session.is_some() {
                let error = RpcError::invalid_request(
                    "this connection is already initialized: `initialize` is sent once",
                );
                return Some(ready(error_message(Some(&request.id), &error)));
            }
            Era::Handshake(None)
        } else if self.session.is_none() && request.method != "ping" {
            let error = RpcError::invalid_request(format!(
                "`{}` before `initialize`: initialize the connection first",
                request.method
            ));
            return Some(ready(error_message(Some(&request.id), &error)));
        } else {
            Era::Handshake(self.session.clone())
        };
        match self.dispatcher.handle_request(era, request, None) {
            Dispatched::Reply(body, _) => Some(ready(body)),
            Dispatched::Initialized(body, session) => {
                // The process is the session: it lasts until stdin ends, however idle.
                session.pin();
                self.follow_server_messages(&session);
                self.session = Some(session);
                Some(ready(body))
            }
            Dispatched::Call(mut call) => {
                let out = self.out.clone();
                let forward = async move {
                    while let Some(item) = call.next().await {
                        match item {
                            Outgoing::Notification(frame) => {
                                let _ = out.send(frame).await;
                            }
                            // Nothing to close here: stdio is one stream.
                            Outgoing::CloseStream => {}
                            Outgoing::Response(body) => return Some(body),
                        }
                    }
                    None // cancelled: no response, as the spec says
                };
                if !stateless {
                    return Some(forward.boxed());
                }
                let (abort, registration) = AbortHandle::new_pair();
                let streams = self.stateless_streams.clone();
                lock(&streams).insert(id.clone(), abort);
                Some(
                    async move {
                        let response = Abortable::new(forward, registration).await;
                        lock(&streams).remove(&id);
                        response.ok().flatten() // aborted: no response either
                    }
                    .boxed(),
                )
            }
        }
    }

    /// A JSON-RPC batch (protocol 2025-03-26 only): the array of its responses.
    fn batch(&mut self, bytes: &[u8]) -> BoxFuture<'static, Option<Bytes>> {
        let version = self.session.as_ref().map(|s| s.protocol_version());
        if version != Some(ProtocolVersion::V2025_03_26) {
            let error = RpcError::invalid_request(
                "JSON-RPC batches exist only in protocol version 2025-03-26, after `initialize`: send one message per line",
            );
            return ready(error_message(None, &error));
        }
        let items: Vec<&RawValue> = match serde_json::from_slice(bytes) {
            Ok(items) => items,
            Err(e) => return ready(error_message(None, &RpcError::parse_error(e))),
        };
        if items.is_empty() {
            return ready(error_message(
                None,
                &RpcError::invalid_request("an empty batch"),
            ));
        }
        let replies: Vec<_> = items
            .into_iter()
            .filter_map(|item| self.message(item.get().as_bytes()))
            .collect();
        async move {
            let bodies: Vec<Bytes> = join_all(replies).await.into_iter().flatten().collect();
            if bodies.is_empty() {
                return None;
            }
            let mut array =
                Vec::with_capacity(bodies.iter().map(|b| b.len() + 1).sum::<usize>() + 1);
            array.push(b'[');
            for (i, body) in bodies.iter().enumerate() {
                if i > 0 {
                    array.push(b',');
                }
                array.extend_from_slice(body);
            }
            array.push(b']');
            Some(Bytes::from(array))
        }
        .boxed()
    }

    /// Forwards the session's server-initiated messages to the client.
    fn follow_server_messages(&self, session: &Session) {
        let log = session.standalone_log();
        let Ok(events) = log.subscribe(log.last_seq()) else {
            return;
        };
        let out = self.out.clone();
        tokio::spawn(async move {
            let mut events = std::pin::pin!(events);
            while let Some((_, message)) = events.next().await {
                if out.send(message).await.is_err() {
                    break;
                }
            }
        });
    }

    /// `notifications/cancelled` for a stateless-era request: drop it where it stands.
    fn cancel_stateless(&self, params: Option<&RawValue>) {
        let Some(cancelled) =
            params.and_then(|p| serde_json::from_str::<CancelledParams>(p.get()).ok())
        else {
            return;
        };
        if let Some(abort) = lock(&self.stateless_streams).remove(&cancelled.request_id) {
            abort.abort();
        }
    }

    /// The client is gone: end its session, which cancels its calls and closes its streams.
    fn close(&mut self) {
        if let Some(session) = self.session.take() {
            self.dispatcher.sessions.remove(session.id());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn ready(message: Bytes) -> BoxFuture<'static, Option<Bytes>> {
    std::future::ready(Some(message)).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::Server;
    use serde_json::{Value, json};
    use tokio::io::{AsyncBufReadExt as _, BufReader};

    /// Echo the text back.
    #[crate::tool(name = "echo")]
    async fn echo(text: String) -> String {
        crate::progress!("echoing");
        text
    }

    struct Pipe {
        dispatcher: Arc<Dispatcher>,
        to_server: tokio::io::DuplexStream,
        from_server: tokio::io::Lines<BufReader<tokio::io::DuplexStream>>,
        served: tokio::task::JoinHandle<std::io::Result<()>>,
    }

    impl Pipe {
        fn start() -> Self {
            let dispatcher = Server::new("stdio-test").tool(echo_tool()).dispatcher();
            let (client_in, server_out) = tokio::io::duplex(1 << 16);
            let (server_in, client_out) = tokio::io::duplex(1 << 16);
            let served = tokio::spawn(serve(dispatcher.clone(), server_in, server_out));
            Self {
                dispatcher,
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
        pipe.dispatcher.add_tool(echo_tool());
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
        pipe.dispatcher.add_tool(echo_tool());
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
