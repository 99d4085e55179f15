//! stdio: the server is a child process; one JSON-RPC message per line on its stdin and
//! stdout. Responses find their request by id and progress by token; everything else
//! (log messages, list changes, requests of the server) goes to the listener.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt as _};
use serde_json::Value;
use tokio::io::AsyncWriteExt as _;
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, LinesCodec};

use super::ClientError;
use super::transport::{MessageStream, Outgoing, Transport};

/// The longest line accepted from the server.
const MAX_LINE: usize = 64 * 1024 * 1024;

type Sender = mpsc::UnboundedSender<Result<Value, ClientError>>;

/// Who waits for what: filled by requests, emptied by the reader.
#[derive(Default)]
struct Routes {
    pending: HashMap<i64, Sender>,
    /// progress token → request id.
    tokens: HashMap<String, i64>,
    /// The reader has stopped: nothing more will arrive.
    closed: Option<String>,
}

/// A server running as a child process.
pub(crate) struct StdioTransport {
    stdin: tokio::sync::Mutex<Option<ChildStdin>>,
    child: Mutex<Option<Child>>,
    routes: Arc<Mutex<Routes>>,
    unrelated: Mutex<Option<mpsc::UnboundedReceiver<Value>>>,
}

impl StdioTransport {
    /// Starts `command` with piped stdin and stdout (stderr stays as configured).
    pub(crate) fn spawn(mut command: Command) -> Result<Self, ClientError> {
        let shown = format!("{:?}", command.as_std());
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ClientError::transport_from(format!("cannot start {shown}"), e))?;
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(stdin), Some(stdout)) => (stdin, stdout),
            _ => {
                return Err(ClientError::transport(
                    "the child's stdio pipes are missing",
                ));
            }
        };
        let routes = Arc::new(Mutex::new(Routes::default()));
        let (unrelated_tx, unrelated_rx) = mpsc::unbounded_channel();
        tokio::spawn(read(
            FramedRead::new(stdout, LinesCodec::new_with_max_length(MAX_LINE)),
            routes.clone(),
            unrelated_tx,
        ));
        Ok(Self {
            stdin: tokio::sync::Mutex::new(Some(stdin)),
            child: Mutex::new(Some(child)),
            routes,
            unrelated: Mutex::new(Some(unrelated_rx)),
        })
    }

    async fn write(&self, message: &Value) -> Result<(), ClientError> {
        let mut line = serde_json::to_string(message)
            .map_err(|e| ClientError::Protocol(format!("cannot serialize a message: {e}")))?;
        line.push('\n');
        let mut stdin = self.stdin.lock().await;
        let Some(stdin) = stdin.as_mut() else {
            return Err(ClientError::transport("the connection is closed"));
        };
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| ClientError::transport_from("cannot write to the server's stdin", e))?;
        stdin
            .flush()
            .await
            .map_err(|e| ClientError::transport_from("cannot write to the server's stdin", e))
    }

    fn forget(&self, id: i64) {
        if let Ok(mut routes) = self.routes.lock() {
            routes.pending.remove(&id);
            routes.tokens.retain(|_, request| *request != id);
        }
    }
}

async fn read(
    mut lines: FramedRead<tokio::process::ChildStdout, LinesCodec>,
    routes: Arc<Mutex<Routes>>,
    unrelated: mpsc::UnboundedSender<Value>,
) {
    let why = loop {
        let line = match lines.next().await {
            Some(Ok(line)) => line,
            Some(Err(e)) => break format!("cannot read the server's stdout: {e}"),
            None => break "the server closed its stdout (it exited?)".to_owned(),
        };
        if line.trim().is_empty() {
            continue;
        }
        let message: Value = match serde_json::from_str(&line) {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!("the server wrote a line that is not JSON ({e}): {line}");
                continue;
            }
        };
        let Ok(mut routes) = routes.lock() else {
            return;
        };
        let is_response = message.get("method").is_none();
        let request = if is_response {
            message.get("id").and_then(Value::as_i64)
        } else if message.get("method").and_then(Value::as_str) == Some("notifications/progress") {
            message
                .pointer("/params/progressToken")
                .and_then(Value::as_str)
                .and_then(|token| routes.tokens.get(token).copied())
        } else {
            None
        };
        let target = request.and_then(|id| {
            if is_response {
                routes.tokens.retain(|_, r| *r != id);
                routes.pending.remove(&id)
            } else {
                routes.pending.get(&id).cloned()
            }
        });
        match target {
            Some(sender) => {
                let _ = sender.send(Ok(message));
            }
            None if !is_response => {
                let _ = unrelated.send(message);
            }
            None => tracing::debug!("a response to no pending request: {message}"),
        }
    };
    if let Ok(mut routes) = routes.lock() {
        for (_, sender) in routes.pending.drain() {
            let _ = sender.send(Err(ClientError::transport(why.clone())));
        }
        routes.closed = Some(why);
    }
}

impl Transport for StdioTransport {
    fn request(&self, request: Outgoing) -> BoxFuture<'_, Result<MessageStream, ClientError>> {
        Box::pin(async move {
            let id = request
                .id
                .ok_or_else(|| ClientError::Protocol("a request without an id".to_owned()))?;
            let (tx, mut rx) = mpsc::unbounded_channel();
            {
                let mut routes = self
                    .routes
                    .lock()
                    .map_err(|_| ClientError::transport("the connection is broken"))?;
                if let Some(why) = &routes.closed {
                    return Err(ClientError::transport(why.clone()));
                }
                routes.pending.insert(id, tx);
                if let Some(token) = request.progress_token.clone() {
                    routes.tokens.insert(token, id);
                }
            }
            if let Err(e) = self.write(&request.body).await {
                self.forget(id);
                return Err(e);
            }
            Ok(stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed())
        })
    }

    fn send(&self, message: Outgoing) -> BoxFuture<'_, Result<(), ClientError>> {
        Box::pin(async move { self.write(&message.body).await })
    }

    fn cancel(&self, id: i64, cancellation: Outgoing) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.forget(id);
            // stdio cancels with the notification in every revision.
            if let Err(e) = self.write(&cancellation.body).await {
                tracing::debug!("notifications/cancelled not delivered: {e}");
            }
        })
    }

    fn listen(&self) -> BoxFuture<'_, Result<Option<MessageStream>, ClientError>> {
        Box::pin(async move {
            let Some(mut rx) = self.unrelated.lock().ok().and_then(|mut r| r.take()) else {
                return Ok(None);
            };
            Ok(Some(
                stream::poll_fn(move |cx| rx.poll_recv(cx)).map(Ok).boxed(),
            ))
        })
    }

    fn listens_from_start(&self) -> bool {
        true
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // Closing stdin is how a stdio server learns it is done.
            self.stdin.lock().await.take();
            let child = self.child.lock().ok().and_then(|mut c| c.take());
            if let Some(mut child) = child {
                if tokio::time::timeout(Duration::from_secs(5), child.wait())
                    .await
                    .is_err()
                {
                    let _ = child.kill().await;
                }
            }
        })
    }
}
