//! [`TaskSupport`]: whether a tool's calls may run as tasks (the
//! `io.modelcontextprotocol/tasks` extension).

use super::ToolDef;

/// Whether calls of a tool run as tasks: answered at once with a task the client polls
/// (`tasks/get`), cancels (`tasks/cancel`) and feeds input (`tasks/update`), for work that
/// takes longer than a client should hold a request open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskSupport {
    /// Always answered in the request itself (the default).
    #[default]
    Forbidden,
    /// A task for clients that declare the tasks extension; a plain answer for others.
    Optional,
    /// Only as a task: a client without the tasks extension gets error -32021.
    Required,
}

impl ToolDef {
    /// Lets calls of this tool run as tasks (2026-07-28 tasks extension). A task call runs
    /// its questions to the client before its first other wait as multi-round-trip rounds
    /// (`InputRequiredResult`); then the runtime answers with the task and the tool goes on
    /// in the background, where later questions park the task in `input_required`.
    /// [`CallContext::start_task`](crate::CallContext::start_task) starts the task
    /// explicitly.
    ///
    /// ```
    /// use mcp_runtime::tool;
    /// use mcp_runtime::tool::TaskSupport;
    ///
    /// /// Rebuild the search index (minutes).
    /// #[tool]
    /// async fn reindex() -> &'static str {
    ///     "reindexed"
    /// }
    ///
    /// let def = reindex_tool().task_support(TaskSupport::Optional);
    /// # let _ = def;
    /// ```
    pub fn task_support(mut self, support: TaskSupport) -> Self {
        self.task_support = support;
        self
    }
}
