//! `subscriptions/listen` (2026-07-28): a long-lived request whose response stream carries
//! the server's change notifications, in place of the handshake era's `GET` stream.
//!
//! The stream opens with `notifications/subscriptions/acknowledged` (the filter the server
//! honours), then carries only the notification types the client asked for, each tagged with
//! the subscription's id (the request's id). It ends when the client closes it, or, with a
//! result, when the server shuts down.
//!
//! With the tasks extension, a subscription may follow tasks too (`taskIds`): it carries
//! `notifications/tasks` with the whole task as it opens and at each change, wherever the
//! task runs (the task store announces every change, across replicas with Redis).

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt as _};

use super::tasks;
use super::{EraFacts, Eras, Feature, Handled, Method, Request, now};
use crate::protocol::jsonrpc::{Complete, notification_message, result_message};
use crate::protocol::methods::{SUBSCRIPTIONS_ACKNOWLEDGED, SUBSCRIPTIONS_LISTEN};
use crate::protocol::{RequestId, RpcError};
use crate::server::bus::Change;
use crate::server::call::{CallStream, Outgoing};
use crate::server::store::tasks::{TaskRecord, TaskStatus, TaskStore};

/// The subscriptions feature (2026-07-28).
pub(crate) struct Subscriptions;

impl Feature for Subscriptions {
    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[Method::new(SUBSCRIPTIONS_LISTEN, Eras::Stateless)];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        let mut params = match request.params::<ListenParams>() {
            Ok(params) => params,
            Err(e) => return now(Handled::error(e)),
        };
        params
            .notifications
            .keep_offered(request.engine.capabilities());
        if params.notifications.task_ids.is_empty() {
            return now(Handled::Stream(listen(
                request.id,
                params,
                request.engine.store.changes(),
                None,
                request.engine.shutdown_token(),
                request.cancel,
            )));
        }
        Box::pin(async move {
            let tasks = match follow_tasks(&request, &mut params.notifications).await {
                Ok(tasks) => tasks,
                Err(e) => return Handled::error(e),
            };
            Handled::Stream(listen(
                request.id,
                params,
                request.engine.store.changes(),
                Some(tasks),
                request.engine.shutdown_token(),
                request.cancel,
            ))
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The most task ids one subscription may name (each is read from the store when it opens).
const MAX_TASK_IDS: usize = 100;

/// The task status notifications a subscription asks for: the extension must be declared;
/// the ids are kept only for tasks that exist and belong to the caller (any other reads as
/// unknown, as in `tasks/get`), and their current state is read to be sent first.
async fn follow_tasks(
    request: &Request<'_>,
    filter: &mut NotificationFilter,
) -> Result<TaskFeed, RpcError> {
    let declared = match &request.era {
        EraFacts::Stateless { envelope, .. } => {
            tasks::declares_extension(&envelope.client_capabilities)
        }
        EraFacts::Handshake(_) => false,
    };
    if !declared {
        return Err(tasks::extension_required("task status notifications"));
    }
    if filter.task_ids.len() > MAX_TASK_IDS {
        return Err(RpcError::invalid_params(format!(
            "`notifications.taskIds` names {} tasks; one subscription may follow at most {MAX_TASK_IDS}",
            filter.task_ids.len()
        )));
    }
    let feature = request.engine.tasks();
    // Followed before the records are read, so no change between the two is missed.
    let changed = feature.store().changed();
    let owner = tasks::owner(request.meta.as_deref());
    let mut current = Vec::new();
    for id in std::mem::take(&mut filter.task_ids) {
        if current.iter().any(|r: &TaskRecord| r.task_id == id) {
            continue;
        }
        match feature.record(&id, owner.as_deref()).await {
            Ok(record) => current.push(record),
            // An unknown task is left out of the acknowledgment, not an error: it may
            // have expired.
            Err(e) if e.code == crate::protocol::ErrorCode::INVALID_PARAMS => {}
            Err(e) => return Err(e),
        }
    }
    filter.task_ids = current.iter().map(|r| r.task_id.clone()).collect();
    Ok(TaskFeed {
        store: feature.store().clone(),
        changed,
        current,
    })
}

/// What a subscription that follows tasks reads: their records, the ids of those that
/// change, and their state when it opened.
pub(crate) struct TaskFeed {
    store: Arc<dyn TaskStore>,
    changed: BoxStream<'static, String>,
    current: Vec<TaskRecord>,
}

/// The notification types a client asks for. Types this server never sends (prompts on a
/// server without prompts, say) are accepted and left out of the acknowledgment.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NotificationFilter {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    tools_list_changed: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    prompts_list_changed: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    resources_list_changed: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resource_subscriptions: Vec<String>,
    /// Tasks whose status changes the client follows (the tasks extension).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    task_ids: Vec<String>,
}

impl NotificationFilter {
    fn wants(&self, change: &Change) -> bool {
        match change {
            Change::ToolsListChanged => self.tools_list_changed,
            Change::PromptsListChanged => self.prompts_list_changed,
            Change::ResourcesListChanged => self.resources_list_changed,
            Change::ResourceUpdated(uri) => self.resource_subscriptions.contains(uri),
        }
    }

    /// Drops what the server does not offer (by its capabilities), so the
    /// acknowledgment names only what will be honoured.
    fn keep_offered(&mut self, capabilities: &serde_json::Map<String, serde_json::Value>) {
        let offers = |name: &str| capabilities.contains_key(name);
        self.tools_list_changed &= offers("tools");
        self.prompts_list_changed &= offers("prompts");
        self.resources_list_changed &= offers("resources");
        if !offers("resources") {
            self.resource_subscriptions.clear();
        }
        let offers_tasks = capabilities
            .get("extensions")
            .and_then(|e| e.get(tasks::EXTENSION))
            .is_some();
        if !offers_tasks {
            self.task_ids.clear();
        }
    }
}

/// `subscriptions/listen` params.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListenParams {
    #[serde(default)]
    notifications: NotificationFilter,
}

/// `_meta` naming the subscription a message belongs to.
#[derive(Serialize)]
struct SubscriptionMeta<'a> {
    #[serde(rename = "io.modelcontextprotocol/subscriptionId")]
    id: &'a RequestId,
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "_meta")]
    meta: SubscriptionMeta<'a>,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize)]
struct Acknowledged<'a> {
    notifications: &'a NotificationFilter,
}

#[derive(Serialize)]
struct Empty {}

fn tagged<T: Serialize>(id: &RequestId, body: T) -> Tagged<'_, T> {
    Tagged {
        meta: SubscriptionMeta { id },
        body,
    }
}

/// Opens a subscription: the acknowledgment, then a notification for each change the
/// client asked for (and, following tasks, each task's state as it opened and as it
/// changes), until `shutdown` (or the server goes away).
pub(crate) fn listen(
    id: RequestId,
    params: ListenParams,
    mut changes: BoxStream<'static, Change>,
    tasks: Option<TaskFeed>,
    shutdown: CancellationToken,
    cancel: CancellationToken,
) -> CallStream {
    let filter = params.notifications;
    CallStream::from_fn(cancel, move |outbox: mpsc::Sender<Outgoing>| async move {
        let send = |message: Bytes| {
            let outbox = outbox.clone();
            async move { outbox.send(Outgoing::Notification(message)).await.is_ok() }
        };
        let ack = notification_message(
            SUBSCRIPTIONS_ACKNOWLEDGED,
            &tagged(
                &id,
                Acknowledged {
                    notifications: &filter,
                },
            ),
        );
        let (store, mut changed, current) = match tasks {
            Some(feed) => (Some(feed.store), feed.changed, feed.current),
            None => (None, futures_util::stream::pending().boxed(), Vec::new()),
        };
        let mut sent = TasksSent::default();
        let mut open = send(ack).await;
        for record in current {
            if !open {
                break;
            }
            if let Some(note) = sent.note(&id, &record) {
                open = send(note).await;
            }
        }
        while open {
            let task = tokio::select! {
                () = shutdown.cancelled() => break,
                change = changes.next() => match change {
                    Some(change) => {
                        if filter.wants(&change) {
                            let note = notification_message(change.method(), &tagged(&id, change.params()));
                            open = send(note).await;
                        }
                        continue;
                    }
                    None => break, // the server is gone
                },
                task = changed.next() => task,
            };
            let (Some(task), Some(store)) = (task, &store) else {
                break;
            };
            if !filter.task_ids.contains(&task) {
                continue;
            }
            match store.get(&task).await {
                Ok(Some(record)) => {
                    if let Some(note) = sent.note(&id, &record) {
                        open = send(note).await;
                    }
                }
                // Expired: nothing more to tell.
                Ok(None) => {}
                Err(e) => tracing::warn!(%task, "task status notification not sent: {e}"),
            }
        }
        // The server ends the subscription: a result tells the client it ended gracefully.
        result_message(&id, &Complete::new(&tagged(&id, Empty {})))
    })
}

/// What a subscription last told of each task, so a record put again unchanged (or changed
/// after it ended: a replica stopping a task another marked cancelled) is not told twice.
#[derive(Default)]
struct TasksSent(HashMap<String, (TaskStatus, u64)>);

impl TasksSent {
    /// The notification for `record`, unless the client knows this state already, or
    /// was told the task ended.
    fn note(&mut self, id: &RequestId, record: &TaskRecord) -> Option<Bytes> {
        let state = (record.status, record.last_updated_at);
        match self.0.get(&record.task_id) {
            Some((status, _)) if status.is_terminal() => return None,
            Some(last) if *last == state => return None,
            _ => {}
        }
        self.0.insert(record.task_id.clone(), state);
        let detailed = tasks::detailed(record);
        Some(notification_message(
            tasks::STATUS_NOTIFICATION,
            &tagged(id, detailed),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn follow(
        mut receiver: tokio::sync::broadcast::Receiver<Change>,
    ) -> BoxStream<'static, Change> {
        Box::pin(async_stream::stream! {
            while let Ok(change) = receiver.recv().await {
                yield change;
            }
        })
    }

    const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

    fn json(item: Outgoing) -> Value {
        let bytes = item.into_message().expect("a message");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    #[tokio::test]
    async fn acknowledges_then_sends_only_what_was_asked_until_shutdown() {
        let changes = tokio::sync::broadcast::Sender::new(4);
        let receiver = follow(changes.subscribe());
        let shutdown = CancellationToken::new();
        let mut params: ListenParams = serde_json::from_str(
            r#"{"notifications":{"toolsListChanged":true,"promptsListChanged":true}}"#,
        )
        .expect("params");
        // A server with tools and no prompts.
        let capabilities = serde_json::json!({"tools": {}});
        params
            .notifications
            .keep_offered(capabilities.as_object().expect("an object"));
        let mut stream = listen(
            RequestId::Number(7),
            params,
            receiver,
            None,
            shutdown.clone(),
            CancellationToken::new(),
        );

        let ack = json(stream.next().await.expect("ack"));
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        assert_eq!(ack["params"]["_meta"][META_SUBSCRIPTION_ID], 7);
        assert_eq!(
            ack["params"]["notifications"],
            serde_json::json!({"toolsListChanged": true}),
            "prompts are never sent, so they are not acknowledged"
        );

        changes
            .send(Change::ToolsListChanged)
            .expect("a subscriber");
        let changed = json(stream.next().await.expect("list_changed"));
        assert_eq!(changed["method"], "notifications/tools/list_changed");
        assert_eq!(changed["params"]["_meta"][META_SUBSCRIPTION_ID], 7);

        shutdown.cancel();
        let end = json(stream.next().await.expect("response"));
        assert_eq!(end["id"], 7);
        assert_eq!(end["result"]["resultType"], "complete");
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn a_filter_without_tools_gets_no_tool_notifications() {
        let changes = tokio::sync::broadcast::Sender::new(4);
        let receiver = follow(changes.subscribe());
        let shutdown = CancellationToken::new();
        let mut stream = listen(
            RequestId::String("s".into()),
            ListenParams::default(),
            receiver,
            None,
            shutdown.clone(),
            CancellationToken::new(),
        );
        let ack = json(stream.next().await.expect("ack"));
        assert_eq!(ack["params"]["notifications"], serde_json::json!({}));
        changes
            .send(Change::ToolsListChanged)
            .expect("a subscriber");
        let next = tokio::time::timeout(std::time::Duration::from_millis(50), stream.next()).await;
        assert!(next.is_err(), "nothing was asked for: {next:?}");
        drop(changes);
        let end = json(
            stream
                .next()
                .await
                .expect("response when the server goes away"),
        );
        assert_eq!(end["id"], "s");
    }
}
