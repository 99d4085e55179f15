//! Method names of MCP, as they appear on the wire: each spelled once, here.

/// Opens a handshake-era session.
pub const INITIALIZE: &str = "initialize";
/// The client's acknowledgement that the handshake is complete.
pub const INITIALIZED: &str = "notifications/initialized";
/// Liveness check (handshake era only; 2026-07-28 removed it).
pub const PING: &str = "ping";
/// Describes a 2026-07-28 server (its versions, capabilities and identity).
pub const DISCOVER: &str = "server/discover";
/// A request's cancellation by the side that sent it.
pub const CANCELLED: &str = "notifications/cancelled";
/// Progress of a request that carried a `progressToken`.
pub const PROGRESS: &str = "notifications/progress";
/// A log message.
pub const MESSAGE: &str = "notifications/message";
/// Sets the least severe log level the client wants (handshake era).
pub const SET_LEVEL: &str = "logging/setLevel";
/// Lists tools.
pub const TOOLS_LIST: &str = "tools/list";
/// Calls a tool.
pub const TOOLS_CALL: &str = "tools/call";
/// The tool list changed.
pub const TOOLS_LIST_CHANGED: &str = "notifications/tools/list_changed";
/// Opens a 2026-07-28 subscription stream.
pub const SUBSCRIPTIONS_LISTEN: &str = "subscriptions/listen";
/// The first message of a subscription stream.
pub const SUBSCRIPTIONS_ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
/// Lists resources.
pub const RESOURCES_LIST: &str = "resources/list";
/// Lists resource templates.
pub const RESOURCES_TEMPLATES_LIST: &str = "resources/templates/list";
/// Reads a resource.
pub const RESOURCES_READ: &str = "resources/read";
/// Lists prompts.
pub const PROMPTS_LIST: &str = "prompts/list";
/// Renders a prompt.
pub const PROMPTS_GET: &str = "prompts/get";
/// Completes an argument of a prompt or a resource template.
pub const COMPLETION_COMPLETE: &str = "completion/complete";
/// Subscribes to a resource's updates (handshake era).
pub const RESOURCES_SUBSCRIBE: &str = "resources/subscribe";
/// Ends a resource subscription (handshake era).
pub const RESOURCES_UNSUBSCRIBE: &str = "resources/unsubscribe";
/// A subscribed resource changed.
pub const RESOURCES_UPDATED: &str = "notifications/resources/updated";
/// The resource list changed.
pub const RESOURCES_LIST_CHANGED: &str = "notifications/resources/list_changed";
/// The prompt list changed.
pub const PROMPTS_LIST_CHANGED: &str = "notifications/prompts/list_changed";
/// Server → client: ask the user (form or URL).
pub const ELICITATION_CREATE: &str = "elicitation/create";
/// Server → client: a completion from the client's model.
pub const SAMPLING_CREATE_MESSAGE: &str = "sampling/createMessage";
/// Server → client: the client's roots.
pub const ROOTS_LIST: &str = "roots/list";
/// Client → server: its roots changed.
pub const ROOTS_LIST_CHANGED: &str = "notifications/roots/list_changed";
/// Lists the skills a server serves (extension `io.modelcontextprotocol/skills`).
pub const SKILLS_LIST: &str = "skills/list";
/// The entry of one skill, by the URI of its `SKILL.md` (skills extension).
pub const SKILLS_GET: &str = "skills/get";
/// The direct children of a directory resource (skills extension, `directoryRead`).
pub const RESOURCES_DIRECTORY_READ: &str = "resources/directory/read";
