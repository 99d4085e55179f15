//! Task records (the tasks extension) in Redis: one JSON value per task, expiring with the
//! task's time to live, so any replica answers `tasks/get` for a task another one runs.

use futures_util::future::{BoxFuture, FutureExt as _};

use futures_util::stream::BoxStream;

use super::RedisBackend;
use super::bus::{self, Message};
use crate::server::features::tasks::now_ms;
use crate::server::store::StoreError;
use crate::server::store::tasks::{TaskRecord, TaskStore};

impl RedisBackend {
    async fn put_task(&self, task: TaskRecord) -> Result<(), StoreError> {
        let replica = &self.replica;
        let key = replica.keys.task(&task.task_id);
        let mut connection = replica.connection().await?;
        let mut command;
        // The time left, not the deadline: a deadline from this replica's clock would be
        // read by Redis's.
        let left = task.expires_at().saturating_sub(now_ms());
        if left == 0 {
            command = redis::cmd("DEL");
            command.arg(&key);
        } else {
            let json = serde_json::to_string(&task)
                .map_err(|e| StoreError::Unavailable(format!("unstorable task: {e}")))?;
            command = redis::cmd("SET");
            command.arg(&key).arg(json).arg("PX").arg(left);
        }
        replica
            .run(command.query_async::<()>(&mut connection))
            .await?;
        // Every replica's status followers (this one's too, through Redis) hear of it.
        bus::publish(
            replica,
            Message::TaskStatus {
                task: task.task_id.clone(),
            },
        )
        .await;
        Ok(())
    }

    async fn get_task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let replica = &self.replica;
        let mut connection = replica.connection().await?;
        let mut command = redis::cmd("GET");
        command.arg(replica.keys.task(id));
        let json = replica
            .run(command.query_async::<Option<String>>(&mut connection))
            .await?;
        Ok(json.and_then(|json| match serde_json::from_str(&json) {
            Ok(task) => Some(task),
            Err(e) => {
                tracing::warn!("task {id} in Redis is unreadable: {e}");
                None
            }
        }))
    }
}

impl TaskStore for RedisBackend {
    fn put(&self, task: TaskRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        self.put_task(task).boxed()
    }

    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>, StoreError>> {
        self.get_task(id).boxed()
    }

    fn cancel_elsewhere<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        let message = Message::TaskCancel {
            task: id.to_owned(),
        };
        async move { bus::publish(&self.replica, message).await }.boxed()
    }

    fn changed(&self) -> BoxStream<'static, String> {
        crate::server::store::memory::tasks::follow(self.replica.task_statuses.subscribe())
    }

    fn cancellations(&self) -> Option<BoxStream<'static, String>> {
        let mut receiver = self.replica.task_cancels.subscribe();
        let replica = self.replica.clone();
        Some(Box::pin(async_stream::stream! {
            // Connect now, so other replicas' cancellations reach this follower.
            if let Err(e) = replica.connection().await {
                tracing::warn!("task cancellations from other replicas cannot arrive yet: {e}");
            }
            loop {
                match receiver.recv().await {
                    Ok(id) => yield id,
                    // Missed ones were marked cancelled in the store already.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        }))
    }
}
