//! The HTTP+SSE transport of protocol 2024-11-05, still spoken by many deployed clients
//! (the Python SDK's `sse_client`, the TypeScript SDK's `SSEClientTransport`): `GET
//! {path}/sse` opens a stream whose first event, `endpoint`, names the URL to `POST`
//! messages to; each `POST` gets 202 and its reply travels on that stream.
//!
//! One more codec on the engine. The stream is the standalone event log of a *carrier*
//! session the store opens for it, so a `POST` that lands on another replica pushes its
//! replies through the store to the replica holding the stream (as call streams already
//! travel). The MCP session that the client's `initialize` opens has an id derived from
//! the carrier's (unguessable as it is), so any replica finds it from the URL alone.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use http::StatusCode;
use serde_json::Map;

use super::reply::Rejection;
use super::{limits, sse};
use crate::protocol::ProtocolVersion;
use crate::protocol::types::Implementation;
use crate::request::RequestMeta;
use crate::server::store::{Cursor, EventLog, NewSession, StandaloneGuard};
use crate::server::{Engine, Inbound, Link, Outcome, SessionRef};

/// The `clientInfo.name` of carrier sessions: only those take messages here.
const CARRIER: &str = "mcp-runtime/legacy-sse";

/// The query parameter naming the session (the name the SDKs' servers use).
const SESSION_PARAM: &str = "session_id";

/// `GET {path}/sse` and `POST {path}/messages`.
pub(crate) fn routes(
    path: &str,
    auth: Option<crate::auth::AuthLayer>,
    body_limit: limits::BodyLimitLayer,
) -> Router<Arc<Engine>> {
    let base = path.trim_end_matches('/').to_owned();
    let messages = format!("{base}/messages");
    let endpoint = messages.clone();
    let mut routes = Router::new()
        .route(
            &format!("{base}/sse"),
            get(move |state, request| open(state, request, endpoint.clone())),
        )
        .route(&messages, post(message).layer(body_limit));
    if let Some(auth) = auth {
        routes = routes.route_layer(auth);
    }
    routes
}

/// The id of the MCP session a carrier's client opens: every hex digit complemented, so
/// it is as unguessable as the carrier's and never equal to it.
fn session_of(carrier: &str) -> String {
    carrier
        .chars()
        .map(|c| match c.to_digit(16) {
            Some(d) => char::from_digit(15 - d, 16).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// `GET {path}/sse`: opens the carrier and streams it.
async fn open(State(engine): State<Arc<Engine>>, request: Request, endpoint: String) -> Response {
    let unavailable =
        |e: &dyn std::fmt::Display| Rejection::new(StatusCode::SERVICE_UNAVAILABLE, e);
    let new = NewSession {
        protocol_version: ProtocolVersion::V2024_11_05,
        client_info: Implementation {
            name: CARRIER.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            title: None,
        },
        client_capabilities: Map::new(),
        id: None,
        // The carrier counts against its client's quota like any session.
        client: request
            .extensions()
            .get::<crate::server::admission::ClientKey>()
            .cloned(),
    };
    let carrier = match engine.store.create(new).await {
        Ok(carrier) => carrier,
        Err(e) => return unavailable(&e).into_response(None),
    };
    // Past its handshake at once: it lives by the idle timeout, like a session in use.
    if let Err(e) = carrier.mark_initialized().await {
        return unavailable(&e).into_response(None);
    }
    let guard = match carrier.attach_standalone().await {
        Ok(Some(guard)) => guard,
        Ok(None) => return unavailable(&"the stream is taken").into_response(None),
        Err(e) => return unavailable(&e).into_response(None),
    };
    let relay = match guard.log.subscribe(Cursor::Now).await {
        Ok((_, events)) => events,
        Err(_) => return unavailable(&"the stream could not be opened").into_response(None),
    };
    let id = carrier.id().to_owned();
    let mut first = BytesMut::new();
    first.put_slice(b"event: endpoint\ndata: ");
    first.put_slice(format!("{endpoint}?{SESSION_PARAM}={id}").as_bytes());
    first.put_slice(b"\n\n");
    let keep_alive = engine.config.keep_alive;
    let events = follow(engine, carrier, guard, relay, first.freeze());
    sse::response(events, keep_alive)
}

/// The stream: the endpoint event, then the relay (replies, call streams) and the MCP
/// session's own server-initiated messages once it exists. Keeps both sessions alive
/// while it is open, and ends them when the client goes.
fn follow(
    engine: Arc<Engine>,
    carrier: SessionRef,
    guard: StandaloneGuard,
    mut relay: BoxStream<'static, crate::server::store::LoggedEvent>,
    endpoint: Bytes,
) -> impl futures_util::Stream<Item = Bytes> + Send + 'static {
    let session = session_of(carrier.id());
    let shutdown = engine.shutdown_token();
    async_stream::stream! {
        let _ends = Ends { engine: engine.clone(), ids: [carrier.id().to_owned(), session.clone()] };
        let _guard = guard;
        yield endpoint;
        // The MCP session's standalone stream, attached once `initialize` opened it.
        let mut own: Option<(StandaloneGuard, BoxStream<'static, crate::server::store::LoggedEvent>)> = None;
        let mut touch = tokio::time::interval(engine.config.keep_alive.max(std::time::Duration::from_millis(100)));
        touch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let announced = async {
                match own.as_mut() {
                    Some((_, events)) => events.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                event = relay.next() => match event {
                    Some((_, message)) => {
                        yield sse::event(None, None, &message);
                        if own.is_none() {
                            own = attach(&engine, &session).await;
                        }
                    }
                    None => break,
                },
                event = announced => match event {
                    Some((_, message)) => yield sse::event(None, None, &message),
                    None => own = None,
                },
                _ = touch.tick() => {
                    // Using a session keeps it from expiring (a Redis TTL, a sweep).
                    let _ = engine.store.get(carrier.id()).await;
                    if engine.store.get(&session).await.ok().flatten().is_some() && own.is_none() {
                        own = attach(&engine, &session).await;
                    }
                }
                () = shutdown.cancelled() => break,
            }
        }
    }
}

/// Follows the standalone stream of the MCP session `id`, if it exists yet.
async fn attach(
    engine: &Engine,
    id: &str,
) -> Option<(
    StandaloneGuard,
    BoxStream<'static, crate::server::store::LoggedEvent>,
)> {
    let session = engine.store.get(id).await.ok().flatten()?;
    let guard = session.attach_standalone().await.ok().flatten()?;
    let (_, events) = guard.log.subscribe(Cursor::Now).await.ok()?;
    Some((guard, events))
}

/// Ends the carrier and the MCP session when the stream goes: with this transport the
/// connection is the session.
struct Ends {
    engine: Arc<Engine>,
    ids: [String; 2],
}

impl Drop for Ends {
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (engine, ids) = (self.engine.clone(), self.ids.clone());
        runtime.spawn(async move {
            for id in ids.iter().rev() {
                let _ = engine.store.remove(id).await;
            }
        });
    }
}

/// `POST {path}/messages?session_id=…`: one message (or a batch) for the engine; 202, and
/// whatever it answers goes on the stream.
async fn message(State(engine): State<Arc<Engine>>, request: Request) -> Response {
    let reject = |status, message: &str| Rejection::new(status, message).into_response(None);
    // Session ids are hex: nothing to percent-decode.
    let carrier_id = (request.uri().query().unwrap_or(""))
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == SESSION_PARAM)
        .map(|(_, value)| value.to_owned());
    let Some(carrier_id) = carrier_id else {
        return reject(
            StatusCode::BAD_REQUEST,
            "missing the session_id query parameter: POST to the URL of the stream's `endpoint` event",
        );
    };
    let carrier = match engine.store.get(&carrier_id).await {
        Ok(Some(carrier)) if carrier.client_info().name == CARRIER => carrier,
        Ok(_) => {
            return reject(
                StatusCode::NOT_FOUND,
                "no open stream has this session_id: it has ended or never existed; open a new one with GET .../sse",
            );
        }
        Err(e) => return Rejection::new(StatusCode::SERVICE_UNAVAILABLE, e).into_response(None),
    };
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            let message = format!("could not read the request body: {e}");
            return reject(StatusCode::BAD_REQUEST, &message);
        }
    };
    let session = session_of(carrier.id());
    let meta = RequestMeta::from_http(parts).with_session_id(Arc::from(session.as_str()));
    let inbound = Inbound {
        session_id: Some(&session),
        meta: Some(Arc::new(meta)),
        ..Inbound::default()
    };
    let outcome = engine.handle(&Link::per_request(), &inbound, &body).await;
    let log = carrier.standalone();
    let push = |message: Bytes| {
        let log = log.clone();
        async move { log.push(message).await }
    };
    let sent = match outcome {
        Outcome::Reply { body, .. } | Outcome::Opened { body, .. } => push(body).await.map(drop),
        Outcome::Refused(refusal) if refusal.answerable => push(refusal.message()).await.map(drop),
        Outcome::Refused(refusal) => {
            return Rejection::new(super::reply::status(refusal.reason), refusal.error.message)
                .into_response(None);
        }
        Outcome::Accepted => Ok(()),
        Outcome::Batch(replies) => {
            tokio::spawn(async move {
                if let Some(array) = replies.await {
                    relay_error(log.push(array).await);
                }
            });
            Ok(())
        }
        Outcome::Stream { stream, .. } => {
            // The call runs here, on whichever replica took the POST; its messages reach
            // the stream through the carrier's log.
            tokio::spawn(forward(log, stream));
            Ok(())
        }
    };
    match sent {
        Ok(_) => super::reply::accepted(),
        Err(e) => Rejection::new(StatusCode::SERVICE_UNAVAILABLE, e).into_response(None),
    }
}

/// Pushes a call's notifications and response to the carrier's log.
async fn forward(log: Arc<dyn EventLog>, mut stream: crate::server::CallStream) {
    while let Some(item) = stream.next().await {
        if let Some(message) = item.into_message() {
            if let Err(e) = log.push(message).await {
                // Nobody reads the stream any more: end the call.
                relay_error::<()>(Err(e));
                return;
            }
        }
    }
}

fn relay_error<T>(result: Result<T, crate::server::store::StoreError>) {
    if let Err(e) = result {
        tracing::warn!("legacy SSE stream: a message could not be relayed: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::session_of;

    #[test]
    fn the_session_id_is_the_carriers_complement() {
        let carrier = "0123456789abcdef0123456789abcdef";
        let session = session_of(carrier);
        assert_eq!(session, "fedcba9876543210fedcba9876543210");
        assert_ne!(session, carrier);
        assert_eq!(session_of(&session), carrier, "an involution");
    }
}
