//! The in-process [`TaskStore`]: tasks in a map, expired ones dropped as they are met.

use std::collections::HashMap;
use std::sync::Mutex;

use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::BoxStream;
use tokio::sync::broadcast;

use crate::server::store::StoreError;
use crate::server::store::tasks::{TaskRecord, TaskStore};

/// How often a write also drops expired tasks.
const SWEEP_EVERY_MS: u64 = 1000;

/// How many changes a slow follower may fall behind.
const BACKLOG: usize = 64;

/// Tasks of this process.
#[derive(Debug)]
pub(crate) struct MemoryTasks {
    map: Mutex<HashMap<String, TaskRecord>>,
    /// When expired tasks were last dropped (ms since the Unix epoch).
    last_sweep: Mutex<u64>,
    /// The ids of tasks as they are put, for [`TaskStore::changed`].
    changed: broadcast::Sender<String>,
}

impl Default for MemoryTasks {
    fn default() -> Self {
        Self {
            map: Mutex::default(),
            last_sweep: Mutex::default(),
            changed: broadcast::Sender::new(BACKLOG),
        }
    }
}

/// The items of a broadcast receiver, skipping what a slow follower missed.
pub(crate) fn follow(mut receiver: broadcast::Receiver<String>) -> BoxStream<'static, String> {
    Box::pin(async_stream::stream! {
        loop {
            match receiver.recv().await {
                Ok(id) => yield id,
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    })
}

impl TaskStore for MemoryTasks {
    fn put(&self, task: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        let now = crate::server::features::tasks::now_ms();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let mut last_sweep = self.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
        if now.saturating_sub(*last_sweep) >= SWEEP_EVERY_MS {
            map.retain(|_, t| t.expires_at() >= now);
            *last_sweep = now;
        }
        let id = task.task_id.clone();
        map.insert(id.clone(), task);
        // Nobody following is not an error.
        let _ = self.changed.send(id);
        std::future::ready(Ok(())).boxed()
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        let now = crate::server::features::tasks::now_ms();
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let task = map.get(id).filter(|t| t.expires_at() >= now).cloned();
        std::future::ready(Ok(task)).boxed()
    }

    fn changed(&self) -> BoxStream<'static, String> {
        follow(self.changed.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::tasks::TaskStatus;

    fn task(id: &str, created_at: u64, ttl_ms: u64) -> TaskRecord {
        TaskRecord {
            task_id: id.into(),
            status: TaskStatus::Working,
            status_message: None,
            created_at,
            last_updated_at: created_at,
            ttl_ms,
            poll_interval_ms: 100,
            input_requests: Default::default(),
            result: None,
            error: None,
            owner: None,
        }
    }

    #[tokio::test]
    async fn tasks_live_for_their_ttl_and_no_longer() {
        let store = MemoryTasks::default();
        let now = crate::server::features::tasks::now_ms();
        store.put(task("live", now, 60_000)).await.expect("put");
        store
            .put(task("gone", now - 10_000, 5_000))
            .await
            .expect("put");
        assert_eq!(
            store.get("live").await.expect("get").map(|t| t.task_id),
            Some("live".into())
        );
        assert_eq!(store.get("gone").await.expect("get"), None);
        assert_eq!(store.get("never").await.expect("get"), None);
        let mut done = task("live", now, 60_000);
        done.status = TaskStatus::Completed;
        store.put(done.clone()).await.expect("replace");
        assert_eq!(store.get("live").await.expect("get"), Some(done));
    }
}
