//! Where tasks (the `io.modelcontextprotocol/tasks` extension) are kept, so any replica
//! answers `tasks/get` for a task another one runs. A task is one record, replaced whole on
//! every change; the store drops it once its time to live has passed.

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::StoreError;

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TaskStatus {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl TaskStatus {
    /// `completed`, `failed` and `cancelled` never change again.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// One task, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaskRecord {
    pub(crate) task_id: String,
    pub(crate) status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status_message: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub(crate) created_at: u64,
    pub(crate) last_updated_at: u64,
    /// Kept this long after creation, then dropped.
    pub(crate) ttl_ms: u64,
    pub(crate) poll_interval_ms: u64,
    /// The questions it waits for (`input_required`), by key.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) input_requests: Map<String, Value>,
    /// The tool's result (`completed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) result: Option<Value>,
    /// The JSON-RPC error (`failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<Value>,
    /// A digest of the credentials (`Authorization`) that created it: only the same
    /// caller sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
}

impl TaskRecord {
    /// When the store may drop it, in milliseconds since the Unix epoch.
    pub(crate) fn expires_at(&self) -> u64 {
        self.created_at.saturating_add(self.ttl_ms)
    }
}

/// Tasks, by id.
pub(crate) trait TaskStore: Send + Sync + 'static {
    /// Creates or replaces a task; it is readable by [`get`](Self::get) (on any replica)
    /// once this resolves, and [`changed`](Self::changed) followers (on every replica)
    /// hear of it.
    fn put(&self, task: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>>;
    /// The task with this id, unless it never existed or its time to live has passed.
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>>;

    /// Asks whichever replica runs task `id` to stop it (a store shared by replicas; one
    /// process has no other replica to ask).
    fn cancel_elsewhere<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        let _ = id;
        Box::pin(std::future::ready(()))
    }

    /// The ids of the tasks whose record is put from now on, by this process or (a store
    /// shared by replicas) any other: what task status notifications follow. Best-effort:
    /// a follower that falls behind misses ids, never gets wrong ones.
    fn changed(&self) -> BoxStream<'static, String>;

    /// The ids of the tasks other replicas asked this one to stop; `None` without replicas.
    fn cancellations(&self) -> Option<BoxStream<'static, String>> {
        None
    }
}
