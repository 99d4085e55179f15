//! `GET`: the session's stream of server-initiated messages, or the resumption of any of
//! its streams with `Last-Event-ID`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, StatusCode};

use super::headers::{self, Accepts};
use super::reply::{self, Rejection};
use super::session;
use crate::server::store::Cursor;
use crate::server::{Engine, EventId, Unresumable};

pub(crate) async fn handle(State(engine): State<Arc<Engine>>, headers: HeaderMap) -> Response {
    let reject = |status, message: &str| Rejection::new(status, message).into_response(None);
    let session = match session::require(&engine, &headers).await {
        Ok(session) => session,
        Err(response) => return *response,
    };
    if !Accepts::from_headers(&headers).event_stream {
        return reject(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must include text/event-stream",
        );
    }
    let config = &engine.config;
    let gone = || unresumable(Unresumable::Evicted);

    if let Some(last) = headers.get(headers::LAST_EVENT_ID) {
        let Some(event) = last.to_str().ok().and_then(EventId::parse) else {
            return gone();
        };
        let log = match session.stream(event.stream).await {
            Ok(Some(log)) => log,
            Ok(None) => return gone(),
            Err(e) => return unresumable(Unresumable::Unavailable(e)),
        };
        let guard = if session.standalone().id() == event.stream {
            match session.attach_standalone().await {
                Ok(Some(guard)) => Some(guard),
                Ok(None) => return already_open(),
                Err(e) => return unresumable(Unresumable::Unavailable(e)),
            }
        } else {
            None
        };
        return reply::from_log(config, &*session, &log, Cursor::After(event.seq), guard)
            .await
            .unwrap_or_else(unresumable);
    }

    if !config.standalone_stream {
        return reject(
            StatusCode::METHOD_NOT_ALLOWED,
            "this server does not offer a standalone SSE stream; use POST",
        );
    }
    let guard = match session.attach_standalone().await {
        Ok(Some(guard)) => guard,
        Ok(None) => return already_open(),
        Err(e) => return unresumable(Unresumable::Unavailable(e)),
    };
    let log = guard.log.clone();
    reply::from_log(config, &*session, &log, Cursor::Now, Some(guard))
        .await
        .unwrap_or_else(unresumable)
}

/// 404, never a `200` with an empty stream: SDK clients resume a stream until it brings the
/// response, so an empty one would have them come back for ever.
fn unresumable(why: Unresumable) -> Response {
    if let Unresumable::Unavailable(e) = why {
        return Rejection::new(StatusCode::SERVICE_UNAVAILABLE, e).into_response(None);
    }
    let message = match why {
        Unresumable::Evicted => {
            "Last-Event-ID names an event this server no longer holds (or never sent); the stream cannot be resumed"
        }
        Unresumable::Finished => {
            "the stream Last-Event-ID names has ended and nothing follows that event (a cancelled request gets no response); there is nothing to resume"
        }
        Unresumable::Unavailable(_) => unreachable!("answered above"),
    };
    Rejection::new(StatusCode::NOT_FOUND, message).into_response(None)
}

fn already_open() -> Response {
    Rejection::new(
        StatusCode::CONFLICT,
        "this session already has an open GET stream; only one is allowed at a time",
    )
    .into_response(None)
}
