//! The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663, 2026-07-28): a call of
//! a tool with [`TaskSupport`](crate::TaskSupport) from a client that declares the
//! extension is answered at once with a task (`resultType: "task"`); the client polls it
//! with `tasks/get`, answers its questions with `tasks/update` and stops it with
//! `tasks/cancel`. Task records live in a [`TaskStore`], so any replica answers `tasks/get`;
//! the tool itself runs in the process that created the task.

mod run;

use crate::request::RequestMeta;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::future::{BoxFuture, FutureExt as _};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::{EraFacts, Eras, Feature, Handled, Method, Request};
use crate::protocol::RpcError;
use crate::server::store::memory::tasks::MemoryTasks;
use crate::server::store::tasks::{TaskRecord, TaskStore};
pub(crate) use run::TaskHandle;

/// The extension's identifier, under `capabilities.extensions`.
pub(crate) const EXTENSION: &str = "io.modelcontextprotocol/tasks";
const TASKS_GET: &str = "tasks/get";
const TASKS_UPDATE: &str = "tasks/update";
const TASKS_CANCEL: &str = "tasks/cancel";
/// The task status notification (SEP-2663: `notifications/tasks`, on a
/// `subscriptions/listen` stream that named the task).
pub(crate) const STATUS_NOTIFICATION: &str = "notifications/tasks";

/// How long a task is kept after it is created.
const TTL: Duration = Duration::from_secs(60 * 60);
/// How often clients are asked to poll.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn iso8601(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Whether raw client capabilities declare the tasks extension.
pub(crate) fn declares_extension(capabilities: &RawValue) -> bool {
    serde_json::from_str::<Map<String, Value>>(capabilities.get())
        .ok()
        .and_then(|c| c.get("extensions").and_then(|e| e.get(EXTENSION)).cloned())
        .is_some()
}

/// -32021 naming the extension, with `requiredCapabilities` in the shape of
/// `capabilities`.
pub(crate) fn extension_required(what: &str) -> RpcError {
    RpcError::missing_client_capabilities(
        format!("{what} needs the `{EXTENSION}` extension; declare it under `extensions` in `io.modelcontextprotocol/clientCapabilities`"),
        &[],
    )
    .with_data(json!({"requiredCapabilities": {"extensions": {EXTENSION: {}}}}))
}

/// Whether a 2026-07-28 call of `tool` runs as a task: the tool supports tasks and the
/// client declared the extension. A tool that requires tasks, called by a client without
/// the extension → -32021.
pub(crate) fn task_mode(
    tool: &crate::tool::ToolDef,
    capabilities: &RawValue,
) -> Result<bool, RpcError> {
    use crate::tool::TaskSupport;
    match tool.task_support {
        TaskSupport::Forbidden => Ok(false),
        support => {
            let declared = declares_extension(capabilities);
            if !declared && support == TaskSupport::Required {
                return Err(extension_required(&format!("tool `{}`", tool.name)));
            }
            Ok(declared)
        }
    }
}

/// The tasks feature: the store of records and the tasks running here.
pub(crate) struct Tasks {
    store: Arc<dyn TaskStore>,
    /// A store shared by replicas, set once when the server is built with one.
    shared: std::sync::OnceLock<Arc<dyn TaskStore>>,
    running: Arc<Mutex<HashMap<String, Arc<TaskHandle>>>>,
    /// Whether this process follows other replicas' `tasks/cancel` (started with the first
    /// task, inside the runtime).
    listening: std::sync::Once,
}

impl Default for Tasks {
    fn default() -> Self {
        Self {
            store: Arc::new(MemoryTasks::default()),
            shared: std::sync::OnceLock::new(),
            running: Arc::default(),
            listening: std::sync::Once::new(),
        }
    }
}

impl Tasks {
    /// Keeps task records in `store` (shared by replicas) instead of in this process.
    pub(crate) fn share_store(&self, store: Arc<dyn TaskStore>) {
        let _ = self.shared.set(store);
    }

    /// Where the task records are: shared by replicas, or this process's.
    pub(crate) fn store(&self) -> &Arc<dyn TaskStore> {
        self.shared.get().unwrap_or(&self.store)
    }

    /// Stops the tasks running here that `tasks/cancel` on another replica names.
    pub(crate) fn listen(&self) {
        self.listening.call_once(|| {
            let Some(mut cancellations) = self.store().cancellations() else {
                return;
            };
            let running = Arc::downgrade(&self.running);
            tokio::spawn(async move {
                use futures_util::StreamExt as _;
                while let Some(id) = cancellations.next().await {
                    let Some(running) = running.upgrade() else {
                        return;
                    };
                    let handle = {
                        let running = running.lock().unwrap_or_else(|e| e.into_inner());
                        running.get(&id).cloned()
                    };
                    if let Some(handle) = handle {
                        if let Err(e) = handle.cancel().await {
                            tracing::warn!(task = %id, "cancelled, but not recorded: {e}");
                        }
                    }
                }
            });
        });
    }

    fn running(&self, id: &str) -> Option<Arc<TaskHandle>> {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.get(id).cloned()
    }

    /// The task, if `owner` (the caller's credentials) created it; another caller's task
    /// reads as unknown, so task ids leak nothing.
    pub(crate) async fn record(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> Result<TaskRecord, RpcError> {
        match self.store().get(id).await {
            Ok(Some(record)) if record.owner.as_deref() == owner => Ok(record),
            Ok(_) => Err(RpcError::invalid_params(format!(
                "unknown task {id:?}: it never existed or its ttlMs has passed"
            ))),
            Err(e) => Err(RpcError::new(
                crate::protocol::ErrorCode::INTERNAL_ERROR,
                e.to_string(),
            )),
        }
    }

    async fn answer(&self, request: Request<'_>) -> Handled {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Params {
            task_id: String,
            #[serde(default)]
            input_responses: Option<Map<String, Value>>,
        }
        let params: Params = match request.params() {
            Ok(params) => params,
            Err(e) => return Handled::error(e),
        };
        let owner = owner(request.meta.as_deref());
        let owner = owner.as_deref();
        let outcome = match request.method {
            TASKS_GET => self
                .record(&params.task_id, owner)
                .await
                .map(|record| detailed(&record)),
            TASKS_UPDATE => {
                self.update(&params.task_id, owner, params.input_responses)
                    .await
            }
            _ => self.cancel(&params.task_id, owner).await,
        };
        match outcome {
            Ok(result) => request.reply(&result),
            Err(e) => Handled::error(e),
        }
    }

    async fn update(
        &self,
        id: &str,
        owner: Option<&str>,
        responses: Option<Map<String, Value>>,
    ) -> Result<Value, RpcError> {
        let responses = responses.ok_or_else(|| {
            RpcError::invalid_params(
                "tasks/update needs `inputResponses`: an object of answers by key",
            )
        })?;
        self.record(id, owner).await?;
        // Answers for keys nobody waits for (already answered, unknown) are ignored.
        if let Some(handle) = self.running(id) {
            handle.answer(responses).await.map_err(store_error)?;
        }
        Ok(json!({}))
    }

    async fn cancel(&self, id: &str, owner: Option<&str>) -> Result<Value, RpcError> {
        let mut record = self.record(id, owner).await?;
        if record.status.is_terminal() {
            return Ok(json!({}));
        }
        match self.running(id) {
            Some(handle) => handle.cancel().await.map_err(store_error)?,
            None => {
                // Running on another replica: mark it, so every replica reports it cancelled
                // at once, and ask that replica to stop the tool.
                record.status = crate::server::store::tasks::TaskStatus::Cancelled;
                record.input_requests.clear();
                record.last_updated_at = now_ms();
                self.store().put(record).await.map_err(store_error)?;
                self.store().cancel_elsewhere(id).await;
            }
        }
        Ok(json!({}))
    }
}

/// A digest of the request's credential: who owns the tasks it creates.
pub(crate) fn owner(meta: Option<&RequestMeta>) -> Option<String> {
    use sha2::Digest as _;
    let credentials = meta?.credential()?;
    let digest = sha2::Sha256::digest(credentials);
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

fn store_error(e: crate::server::store::StoreError) -> RpcError {
    RpcError::new(crate::protocol::ErrorCode::INTERNAL_ERROR, e.to_string())
}

/// The fields every task shape has.
fn basics(record: &TaskRecord) -> Map<String, Value> {
    let mut task = Map::new();
    task.insert("taskId".into(), record.task_id.clone().into());
    task.insert(
        "status".into(),
        serde_json::to_value(record.status).unwrap_or_default(),
    );
    if let Some(message) = &record.status_message {
        task.insert("statusMessage".into(), message.clone().into());
    }
    task.insert("createdAt".into(), iso8601(record.created_at).into());
    task.insert(
        "lastUpdatedAt".into(),
        iso8601(record.last_updated_at).into(),
    );
    task.insert("ttlMs".into(), record.ttl_ms.into());
    task.insert("pollIntervalMs".into(), record.poll_interval_ms.into());
    task
}

/// `CreateTaskResult`: the task, flat, with `resultType: "task"`.
pub(crate) fn created(record: &TaskRecord) -> Value {
    let mut task = basics(record);
    task.insert("resultType".into(), "task".into());
    Value::Object(task)
}

/// `tasks/get`'s `DetailedTask`: the basics, plus what the status calls for (the params of
/// a task status notification too).
pub(crate) fn detailed(record: &TaskRecord) -> Value {
    let mut task = basics(record);
    if !record.input_requests.is_empty() {
        task.insert(
            "inputRequests".into(),
            Value::Object(record.input_requests.clone()),
        );
    }
    if let Some(result) = &record.result {
        task.insert("result".into(), result.clone());
    }
    if let Some(error) = &record.error {
        task.insert("error".into(), error.clone());
    }
    Value::Object(task)
}

impl Feature for Tasks {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        let extensions = capabilities
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(extensions) = extensions.as_object_mut() {
            extensions.insert(EXTENSION.into(), json!({}));
        }
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[
            Method::new(TASKS_GET, Eras::Stateless),
            Method::new(TASKS_UPDATE, Eras::Stateless),
            Method::new(TASKS_CANCEL, Eras::Stateless),
        ];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        let declared = match &request.era {
            EraFacts::Stateless { envelope, .. } => {
                declares_extension(&envelope.client_capabilities)
            }
            EraFacts::Handshake(_) => false,
        };
        if !declared {
            let error = extension_required(request.method);
            return super::now(Handled::error(error));
        }
        self.answer(request).boxed()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_8601_in_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }

    #[test]
    fn the_extension_is_read_from_extensions() {
        let raw = |v: Value| RawValue::from_string(v.to_string()).expect("json");
        assert!(declares_extension(&raw(
            json!({"extensions": {EXTENSION: {}}})
        )));
        assert!(!declares_extension(&raw(json!({"tasks": {}}))));
        assert!(!declares_extension(&raw(json!({}))));
    }
}
