//! Running a tool call as a task: its first steps in the request (so questions asked
//! before its first other wait are multi-round-trip rounds), then in the background, with
//! its record kept current in the store.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::{POLL_INTERVAL, TTL, Tasks, created, now_ms};
use crate::context::peer_error::PeerError;
use crate::context::{CallContext, CallSetup};
use crate::protocol::jsonrpc::result_message;
use crate::protocol::{ErrorCode, RequestId};
use crate::server::features::Handled;
use crate::server::peer::rounds_of;
use crate::server::store::StoreError;
use crate::server::store::tasks::{TaskRecord, TaskStatus, TaskStore};
use crate::tool::{CallToolResult, ToolFuture};

/// A task running in this process: its record (this process writes it) and the questions
/// it waits on.
pub(crate) struct TaskHandle {
    store: Arc<dyn TaskStore>,
    /// Held across the store write, so writes land in the order they were made.
    record: tokio::sync::Mutex<TaskRecord>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Value>>>,
    cancel: CancellationToken,
}

impl std::fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskHandle").finish_non_exhaustive()
    }
}

impl TaskHandle {
    /// Changes the record (unless it is terminal already) and stores it.
    async fn change(&self, change: impl FnOnce(&mut TaskRecord)) -> Result<(), StoreError> {
        let mut record = self.record.lock().await;
        if record.status.is_terminal() {
            return Ok(());
        }
        change(&mut record);
        record.last_updated_at = now_ms();
        self.store.put(record.clone()).await
    }

    /// Parks the task in `input_required` with this question until `tasks/update` answers.
    pub(crate) async fn ask(&self, key: String, request: Value) -> Result<Value, PeerError> {
        let (answer, answered) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), answer);
        self.change(|record| {
            record.input_requests.insert(key, request);
            record.status = TaskStatus::InputRequired;
        })
        .await
        .map_err(|e| PeerError::Store(e.to_string()))?;
        answered.await.map_err(|_| PeerError::Cancelled)
    }

    /// Hands `tasks/update`'s answers to the questions waiting for them; the task works on
    /// once none is left.
    pub(crate) async fn answer(&self, responses: Map<String, Value>) -> Result<(), StoreError> {
        let mut answered = Vec::new();
        {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            for (key, response) in responses {
                if let Some(answer) = waiting.remove(&key) {
                    let _ = answer.send(response);
                    answered.push(key);
                }
            }
        }
        if answered.is_empty() {
            return Ok(());
        }
        self.change(|record| {
            for key in &answered {
                record.input_requests.remove(key);
            }
            if record.input_requests.is_empty() && record.status == TaskStatus::InputRequired {
                record.status = TaskStatus::Working;
            }
        })
        .await
    }

    /// `tasks/cancel`: the task is cancelled and its tool dropped.
    pub(crate) async fn cancel(&self) -> Result<(), StoreError> {
        let result = self
            .change(|record| {
                record.status = TaskStatus::Cancelled;
                record.input_requests.clear();
            })
            .await;
        self.cancel.cancel();
        result
    }

    async fn finish(&self, outcome: Result<CallToolResult, Value>) -> Result<(), StoreError> {
        self.change(|record| settle(record, outcome)).await
    }
}

/// A finished tool's record: `completed` with its result (a tool error too: the model reads
/// it), or `failed` with a JSON-RPC error when the tool broke (panicked).
fn settle(record: &mut TaskRecord, outcome: Result<CallToolResult, Value>) {
    record.input_requests.clear();
    match outcome {
        Ok(result) => {
            record.status = TaskStatus::Completed;
            record.result = Some(serde_json::to_value(&result).unwrap_or_default());
        }
        Err(error) => {
            record.status = TaskStatus::Failed;
            record.error = Some(error);
        }
    }
}

/// How the first steps of a task call ended.
enum FirstSteps<T> {
    Finished(T),
    /// It asked questions: a multi-round-trip round, no task yet.
    Input(crate::server::peer::rounds::InputRequired),
    /// It waits on something else: it becomes a task.
    Waiting,
}

/// A finished call's outcome: its result, or the JSON-RPC error it ends with (a panic, or
/// an error the tool set, such as URL elicitation required).
fn outcome(
    context: &CallContext,
    tool: &str,
    output: Result<CallToolResult, Box<dyn Any + Send>>,
) -> Result<CallToolResult, Value> {
    if let Some(error) = context.take_protocol_error() {
        return Err(serde_json::to_value(&error).unwrap_or_default());
    }
    output.map_err(|panic| {
        json!({"code": ErrorCode::INTERNAL_ERROR.0, "message": panic_message(tool, &*panic)})
    })
}

fn panic_message(tool: &str, panic: &(dyn Any + Send)) -> String {
    let reason = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(%tool, "tool panicked in a task: {reason}");
    format!("internal error in tool `{tool}`")
}

fn new_task_id() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Tasks {
    /// Runs a call in task mode and answers its request: with an `InputRequiredResult`
    /// while it gathers input, else with the task it became.
    pub(crate) fn start(
        &self,
        id: RequestId,
        future: ToolFuture,
        mut setup: CallSetup,
    ) -> BoxFuture<'static, Handled> {
        self.listen();
        let store = self.store().clone();
        let running = self.running.clone();
        let tool = setup.tool.clone();
        let owner = super::owner(setup.meta.as_deref());
        // The task outlives its request: only `tasks/cancel` stops it.
        let cancel = CancellationToken::new();
        setup.origin.cancel = cancel.clone();
        Box::pin(async move {
            let context = Arc::new(CallContext::new(setup, crate::context::Outbox::Closed));
            let mut call = Box::pin(
                context
                    .clone()
                    .scope(AssertUnwindSafe(future).catch_unwind()),
            );
            let rounds = rounds_of(&context);
            if let Some(rounds) = rounds {
                rounds.set_task_mode();
            }
            let first = std::future::poll_fn(|cx| {
                Poll::Ready(match call.as_mut().poll(cx) {
                    Poll::Ready(output) => FirstSteps::Finished(output),
                    Poll::Pending => match rounds.and_then(|r| r.input_required()) {
                        Some(required) => FirstSteps::Input(required),
                        None => FirstSteps::Waiting,
                    },
                })
            })
            .await;
            let now = now_ms();
            let mut record = TaskRecord {
                task_id: new_task_id(),
                status: TaskStatus::Working,
                status_message: None,
                created_at: now,
                last_updated_at: now,
                ttl_ms: u64::try_from(TTL.as_millis()).unwrap_or(u64::MAX),
                poll_interval_ms: u64::try_from(POLL_INTERVAL.as_millis()).unwrap_or(u64::MAX),
                input_requests: Map::new(),
                result: None,
                error: None,
                owner,
            };
            let running_here = match first {
                FirstSteps::Input(required) => {
                    return Handled::Reply(Ok(result_message(&id, &required)));
                }
                FirstSteps::Finished(output) => {
                    settle(&mut record, outcome(&context, &tool, output));
                    None
                }
                FirstSteps::Waiting => Some(Arc::new(TaskHandle {
                    store: store.clone(),
                    record: tokio::sync::Mutex::new(record.clone()),
                    waiting: Mutex::default(),
                    cancel: cancel.clone(),
                })),
            };
            // Durable before the client hears of it: a `tasks/get` right after finds it.
            if let Err(e) = store.put(record.clone()).await {
                return Handled::error(crate::protocol::RpcError::new(
                    ErrorCode::INTERNAL_ERROR,
                    e.to_string(),
                ));
            }
            if let Some(handle) = running_here {
                if let Some(rounds) = rounds {
                    rounds.escalate(handle.clone());
                }
                running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(record.task_id.clone(), handle.clone());
                let task_id = record.task_id.clone();
                let context = context.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        output = call => {
                            let outcome = outcome(&context, &tool, output);
                            if let Err(e) = handle.finish(outcome).await {
                                tracing::error!(%task_id, "could not store the task's result: {e}");
                            }
                        }
                        () = cancel.cancelled() => {}
                        // Past its time to live nobody can see or answer it: stop it.
                        () = tokio::time::sleep(TTL) => cancel.cancel(),
                    }
                    running
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&task_id);
                });
            }
            Handled::Reply(Ok(result_message(&id, &created(&record))))
        })
    }
}
