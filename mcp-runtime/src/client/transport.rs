//! The seam between the client and a connection: HTTP, stdio, and (later) in-process
//! transports implement [`Transport`].

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use serde_json::Value;

use super::ClientError;

/// Messages from the server, in the order they arrived.
pub(crate) type MessageStream = BoxStream<'static, Result<Value, ClientError>>;

/// One message to the server, with the facts a transport may need besides the body.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// The whole JSON-RPC message.
    pub(crate) body: Value,
    /// Its method (`None` for a response to the server).
    pub(crate) method: Option<String>,
    /// `params.name` or `params.uri` of `tools/call`, `prompts/get`, `resources/read`
    /// (mirrored into `Mcp-Name` in 2026-07-28).
    pub(crate) name: Option<String>,
    /// Its id, for requests.
    pub(crate) id: Option<i64>,
    /// Its progress token, for requests that asked for progress.
    pub(crate) progress_token: Option<String>,
    /// The protocol revision in use (`None` before one is negotiated).
    pub(crate) protocol_version: Option<&'static str>,
    /// Whether the revision is the stateless one (2026-07-28).
    pub(crate) stateless: bool,
    /// `Mcp-Param-*` headers of a 2026-07-28 `tools/call` (name, encoded value).
    pub(crate) param_headers: Vec<(String, String)>,
}

/// A connection to one server.
///
/// The client builds every message; a transport only carries them, and sorts what comes
/// back by request.
pub(crate) trait Transport: Send + Sync + 'static {
    /// Sends a request. The stream yields every message the server sends about it:
    /// progress and log notifications, requests to the client, and finally the response
    /// (after which it may end).
    fn request(&self, request: Outgoing) -> BoxFuture<'_, Result<MessageStream, ClientError>>;

    /// Sends a notification, or a response to a request of the server.
    fn send(&self, message: Outgoing) -> BoxFuture<'_, Result<(), ClientError>>;

    /// Tells the server the client gave up on request `id` (dropped, timed out).
    /// `cancellation` is the `notifications/cancelled` message, for transports that send
    /// one; HTTP in 2026-07-28 cancels by closing the stream, which dropping it did.
    fn cancel(&self, id: i64, cancellation: Outgoing) -> BoxFuture<'_, ()>;

    /// Messages that belong to no request (the handshake era's GET stream; stdio's
    /// unrelated lines). `None` when the transport has no such channel.
    fn listen(&self) -> BoxFuture<'_, Result<Option<MessageStream>, ClientError>>;

    /// Whether [`listen`](Self::listen) must be consumed from the start (stdio: requests of
    /// the server arrive there and wait for an answer).
    fn listens_from_start(&self) -> bool;

    /// Whether the server forgot the session since the last call (HTTP answers 404 to a
    /// request with `Mcp-Session-Id`); the client then starts a new session.
    fn take_session_expired(&self) -> bool {
        false
    }

    /// Ends the connection (HTTP: `DELETE` of the session; stdio: stops the child).
    fn close(&self) -> BoxFuture<'_, ()>;
}
