//! The context of one tool call, reachable anywhere in the call's future tree.
//!
//! The server runs every tool call inside [`CallContext::scope`]; [`progress!`](crate::progress)
//! and [`report_progress`] find the call through a task-local, so helpers deep in the call
//! tree can report progress without a context parameter. Outside a call they do nothing.

use std::sync::Arc;
use std::sync::Mutex;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::protocol::RequestId;
use crate::protocol::jsonrpc::notification_message;
use crate::protocol::types::Implementation;
use crate::protocol::types::{Number, ProgressParams, ProgressToken};
use crate::server::Session;

tokio::task_local! {
    static CURRENT: Arc<CallContext>;
}

/// What the server knows about the tool call in progress.
#[derive(Debug)]
pub struct CallContext {
    request_id: RequestId,
    tool: String,
    progress_token: Option<ProgressToken>,
    session: Option<Arc<Session>>,
    last_progress: Mutex<Option<f64>>,
    outbox: mpsc::Sender<Bytes>,
}

impl CallContext {
    pub(crate) fn new(
        request_id: RequestId,
        tool: String,
        progress_token: Option<ProgressToken>,
        session: Option<Arc<Session>>,
        outbox: mpsc::Sender<Bytes>,
    ) -> Self {
        Self {
            request_id,
            tool,
            progress_token,
            session,
            last_progress: Mutex::new(None),
            outbox,
        }
    }

    /// Runs `future` with `self` as the current call.
    pub(crate) async fn scope<F: Future>(self: Arc<Self>, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// The context of the call this code runs in, if any.
    pub fn current() -> Option<Arc<CallContext>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// The JSON-RPC id of the `tools/call` request.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The name of the tool being called.
    pub fn tool_name(&self) -> &str {
        &self.tool
    }

    /// The client's `clientInfo` from `initialize`, when the call belongs to a session.
    pub fn client_info(&self) -> Option<&Implementation> {
        self.session.as_deref().map(Session::client_info)
    }

    /// Whether the client asked for progress (sent a `progressToken`).
    pub fn wants_progress(&self) -> bool {
        self.progress_token.is_some()
    }

    /// Sends one `notifications/progress` frame; see [`report_progress`].
    pub async fn report_progress(
        &self,
        done: Option<f64>,
        total: Option<f64>,
        message: Option<&str>,
    ) {
        let Some(token) = &self.progress_token else {
            return;
        };
        let progress = self.next_progress(done);
        let params = ProgressParams {
            progress_token: token,
            progress: Number(progress),
            total: total.map(Number),
            message,
        };
        let frame = notification_message("notifications/progress", &params);
        // The receiver is gone only when the call itself is being dropped: nothing to do.
        let _ = self.outbox.send(frame).await;
    }

    /// The spec requires `progress` to increase with every notification. A frame without a
    /// count, or with a count that does not move forward, advances by one.
    fn next_progress(&self, done: Option<f64>) -> f64 {
        let mut last = self.last_progress.lock().unwrap_or_else(|e| e.into_inner());
        let next = match (done, *last) {
            (Some(done), Some(prev)) if done > prev => done,
            (Some(done), None) if done.is_finite() => done,
            (_, Some(prev)) => prev + 1.0,
            (_, None) => 1.0,
        };
        *last = Some(next);
        next
    }
}

/// Reports progress of the current tool call: one `notifications/progress` frame on the
/// call's SSE stream, returning once the frame is queued.
///
/// Does nothing outside a tool call or when the client sent no `progressToken`. Prefer the
/// [`progress!`](crate::progress) macro, which formats the message for you.
pub async fn report_progress(done: Option<f64>, total: Option<f64>, message: Option<String>) {
    if let Some(ctx) = CallContext::current() {
        ctx.report_progress(done, total, message.as_deref()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> CallContext {
        let (tx, _rx) = mpsc::channel(1);
        CallContext::new(
            RequestId::Number(1),
            "t".into(),
            Some(ProgressToken::Number(1)),
            None,
            tx,
        )
    }

    #[test]
    fn progress_strictly_increases() {
        let c = ctx();
        assert_eq!(c.next_progress(None), 1.0);
        assert_eq!(c.next_progress(Some(10.0)), 10.0);
        assert_eq!(c.next_progress(Some(10.0)), 11.0);
        assert_eq!(c.next_progress(None), 12.0);
        assert_eq!(c.next_progress(Some(50.0)), 50.0);
        assert_eq!(c.next_progress(Some(f64::NAN)), 51.0);
    }
}
