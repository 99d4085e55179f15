//! In-process: the client drives a [`Server`](crate::Server)'s engine directly, with no
//! socket and no child process, for unit tests of a server's tools. Messages still go
//! through the engine as bytes, so every protocol rule applies as over a real transport.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::{self, StreamExt as _};
use serde_json::Value;
use tokio::sync::mpsc;

use super::ClientError;
use super::transport::{MessageStream, Outgoing, Transport};
use crate::server::store::Cursor;
use crate::server::{Engine, Inbound, Link, Outcome, SessionRef};

/// A connection to an engine in this process.
pub(crate) struct InProcessTransport {
    engine: Arc<Engine>,
    /// Like stdio: one connection that multiplexes every request.
    link: Link,
    session: Mutex<Option<SessionRef>>,
    /// Server-initiated messages of the session (its standalone stream).
    unrelated: Mutex<Option<mpsc::UnboundedReceiver<Value>>>,
    unrelated_tx: mpsc::UnboundedSender<Value>,
}

impl InProcessTransport {
    pub(crate) fn new(engine: Arc<Engine>) -> Self {
        let (unrelated_tx, unrelated) = mpsc::unbounded_channel();
        Self {
            engine,
            link: Link::connection(),
            session: Mutex::new(None),
            unrelated: Mutex::new(Some(unrelated)),
            unrelated_tx,
        }
    }

    fn session(&self) -> Option<SessionRef> {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn handle(&self, message: &Value) -> Result<Outcome, ClientError> {
        let body = serde_json::to_vec(message)
            .map_err(|e| ClientError::Protocol(format!("cannot serialize a message: {e}")))?;
        let session = self.session();
        let inbound = Inbound {
            session_id: session.as_deref().map(|s| s.id()),
            ..Inbound::default()
        };
        Ok(self.engine.handle(&self.link, &inbound, &body).await)
    }

    /// Follows the session's server-initiated messages, from now on.
    fn follow(&self, session: &SessionRef) {
        let log = session.standalone();
        let out = self.unrelated_tx.clone();
        tokio::spawn(async move {
            let Ok((_, mut events)) = log.subscribe(Cursor::Now).await else {
                return;
            };
            while let Some((_, message)) = events.next().await {
                if out.send(parse(&message).unwrap_or(Value::Null)).is_err() {
                    break;
                }
            }
        });
    }
}

fn parse(bytes: &Bytes) -> Result<Value, ClientError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ClientError::Protocol(format!("the server sent invalid JSON: {e}")))
}

fn once(bytes: &Bytes) -> MessageStream {
    stream::once(std::future::ready(parse(bytes))).boxed()
}

impl Transport for InProcessTransport {
    fn request(&self, request: Outgoing) -> BoxFuture<'_, Result<MessageStream, ClientError>> {
        async move {
            Ok(match self.handle(&request.body).await? {
                Outcome::Reply { body, .. } => once(&body),
                Outcome::Opened { body, session } => {
                    self.follow(&session);
                    *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(session);
                    once(&body)
                }
                // Dropping the stream drops the call, as closing an HTTP stream would.
                Outcome::Stream { stream, .. } => stream
                    .filter_map(|item| std::future::ready(item.into_message()))
                    .map(|message| parse(&message))
                    .boxed(),
                Outcome::Batch(replies) => match replies.await {
                    Some(array) => once(&array),
                    None => stream::empty().boxed(),
                },
                Outcome::Refused(refusal) => once(&refusal.message()),
                Outcome::Accepted => stream::empty().boxed(),
            })
        }
        .boxed()
    }

    fn send(&self, message: Outgoing) -> BoxFuture<'_, Result<(), ClientError>> {
        async move {
            match self.handle(&message.body).await? {
                Outcome::Refused(refusal) => Err(ClientError::Protocol(format!(
                    "the server refused a message: {}",
                    refusal.error.message
                ))),
                _ => Ok(()),
            }
        }
        .boxed()
    }

    fn cancel(&self, _id: i64, cancellation: Outgoing) -> BoxFuture<'_, ()> {
        async move {
            let _ = self.handle(&cancellation.body).await;
        }
        .boxed()
    }

    fn listen(&self) -> BoxFuture<'_, Result<Option<MessageStream>, ClientError>> {
        let receiver = self
            .unrelated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let stream = receiver.map(|mut receiver| {
            async_stream::stream! {
                while let Some(message) = receiver.recv().await {
                    yield Ok(message);
                }
            }
            .boxed()
        });
        std::future::ready(Ok(stream)).boxed()
    }

    fn listens_from_start(&self) -> bool {
        false
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        async move {
            let session = self
                .session
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(session) = session {
                let _ = self.engine.store.remove(session.id()).await;
            }
        }
        .boxed()
    }
}
