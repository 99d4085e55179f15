//! The conformance fixture: every tool the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`) calls by name, written with `#[tool]`, behaving as
//! its server scenarios expect. `tests/tests/conformance.rs` runs both suites against it.
//!
//! ```text
//! cargo run -p examples --example everything                  # http://127.0.0.1:8000/mcp
//! npx @modelcontextprotocol/conformance server --url http://127.0.0.1:8000/mcp
//! ```
//!
//! It also serves the scenarios' resources, resource template, prompts and completion. The
//! tools that ask the client (elicitation, sampling, roots) serve both eras with the same
//! code: server-to-client requests in the handshake era, `InputRequiredResult` rounds in
//! 2026-07-28.

use std::time::Duration;

use mcp_runtime::peer::{ElicitSchema, Elicited, SamplingRequest};
use mcp_runtime::prompt::PromptMessage;
use mcp_runtime::resource::Blob;
use mcp_runtime::skill::Skill;
use mcp_runtime::tool::TaskSupport;
use mcp_runtime::{Content, Context, Server, ToolError, log, progress, prompt, resource, tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A 1×1 red PNG.
const RED_PIXEL_PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A WAV file (PCM, mono, 8 kHz, 16 bit) of `samples` samples of silence.
fn silent_wav(samples: u32) -> Vec<u8> {
    const RATE: u32 = 8000;
    let data_len = samples * 2;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    wav.resize(44 + data_len as usize, 0);
    wav
}

/// Tests simple text content response.
#[tool(read_only)]
pub async fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Tests image content response.
#[tool(read_only)]
pub async fn test_image_content() -> Content {
    Content::image(RED_PIXEL_PNG, "image/png")
}

/// Tests audio content response.
#[tool(read_only)]
pub async fn test_audio_content() -> Content {
    Content::audio(silent_wav(800), "audio/wav")
}

/// Tests embedded resource content response.
#[tool(read_only)]
pub async fn test_embedded_resource() -> Content {
    Content::embedded_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Tests response with multiple content types (text, image, resource).
#[tool(read_only)]
pub async fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Content::image(RED_PIXEL_PNG, "image/png"),
        Content::embedded_text(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        ),
    ]
}

/// Tests a tool that emits log messages during execution.
#[tool(read_only)]
pub async fn test_tool_with_logging() -> &'static str {
    log!(info, "Tool execution started");
    tokio::time::sleep(Duration::from_millis(50)).await;
    log!(info, "Tool processing data");
    tokio::time::sleep(Duration::from_millis(50)).await;
    log!(info, "Tool execution completed");
    "Tool with logging executed successfully"
}

/// Tests a tool that reports progress notifications.
#[tool(read_only)]
pub async fn test_tool_with_progress() -> &'static str {
    for done in [0, 50, 100] {
        if done > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        progress!(done, 100, "Completed step {done} of 100");
    }
    "Progress test completed"
}

/// Tests error response handling: always fails, as a result the model can read.
#[tool(read_only)]
pub async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Tests SSE stream disconnection and client reconnection (SEP-1699): the server closes
/// the stream mid-call and the result arrives after the client reconnects.
#[tool(read_only)]
pub async fn test_reconnection(ctx: Context) -> &'static str {
    ctx.close_sse_stream().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure."
}

/// A postal address.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
}

/// Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613, SEP-2106).
// Its input schema is supplied raw (`json_schema_2020_12`, see `server`) and served verbatim.
#[tool(read_only)]
pub async fn json_schema_2020_12_tool(
    name: Option<String>,
    address: Option<Address>,
    #[arg(rename = "contactMethod")] contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
) -> String {
    let contact = match contact_method.as_deref() {
        Some("phone") => phone.unwrap_or_default(),
        _ => email.or(phone).unwrap_or_default(),
    };
    format!(
        "JSON Schema 2020-12 tool called with name {:?}, city {:?}, contact {contact:?}",
        name.unwrap_or_default(),
        address.and_then(|a| a.city).unwrap_or_default()
    )
}

/// The raw input schema of `json_schema_2020_12_tool`: a dialect, `$defs` with an anchor,
/// composition and conditional keywords, exactly as the scenario expects them.
pub fn json_schema_2020_12() -> serde_json::Value {
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {
                    "street": {"type": "string"},
                    "city": {"type": "string"}
                }
            }
        },
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"}
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {
            "properties": {"contactMethod": {"const": "phone"}},
            "required": ["contactMethod"]
        },
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false
    })
}

/// Tests a tool whose arguments travel in `Mcp-Param-*` headers too (2026-07-28, SEP-2243).
#[tool(read_only)]
pub async fn test_custom_headers(
    /// Cloud region, mirrored into `Mcp-Param-Region`.
    #[arg(header = "Region")]
    region: String,
    /// Priority, mirrored into `Mcp-Param-Priority`.
    #[arg(header = "Priority", default = 0)]
    priority: i64,
    /// Verbose output, mirrored into `Mcp-Param-Verbose`.
    #[arg(header = "Verbose")]
    verbose: Option<bool>,
    /// A query that stays in the body.
    #[arg(default)]
    query: String,
) -> String {
    format!(
        "region={region} priority={priority} verbose={} query={query}",
        verbose.unwrap_or(false)
    )
}

/// Test tool requiring sampling: clients that did not declare the `sampling` capability get
/// error -32021 (the requirement is declared in [`server`]).
#[tool(read_only)]
pub async fn test_missing_capability() -> &'static str {
    "Success"
}

/// Diagnostic tool for response streams: reports progress (when asked) and answers; its
/// stream never carries a request to the client. Needs the `elicitation` capability.
#[tool(read_only)]
pub async fn test_streaming_elicitation() -> &'static str {
    progress!(50, 100, "Streaming");
    "Streaming complete"
}

/// Diagnostic logging tool: logs at info level, which reaches only clients that asked for
/// log messages (`io.modelcontextprotocol/logLevel` in 2026-07-28, `logging/setLevel` before).
#[tool(read_only)]
pub async fn test_logging_tool() -> &'static str {
    log!(info, "Diagnostic trace logging activated");
    "Logging evaluated"
}

/// Changes the tool list (adds `test_dynamic_tool`, or removes it if present), so clients
/// listening for `notifications/tools/list_changed` get one.
#[tool]
pub async fn test_trigger_tool_change(ctx: Context) -> Result<String, ToolError> {
    let server = ctx
        .server()
        .ok_or_else(|| ToolError::internal("the server is shutting down"))?;
    if server.remove_tool("test_dynamic_tool") {
        return Ok("Removed test_dynamic_tool".to_owned());
    }
    server.add_tool(test_dynamic_tool_tool());
    Ok("Added test_dynamic_tool".to_owned())
}

/// Changes the prompt list (adds `test_dynamic_prompt`, or removes it if present), so
/// clients listening for `notifications/prompts/list_changed` get one.
#[tool]
pub async fn test_trigger_prompt_change(ctx: Context) -> Result<String, ToolError> {
    let server = ctx
        .server()
        .ok_or_else(|| ToolError::internal("the server is shutting down"))?;
    if server.remove_prompt("test_dynamic_prompt") {
        return Ok("Removed test_dynamic_prompt".to_owned());
    }
    server.add_prompt(test_dynamic_prompt_prompt());
    Ok("Added test_dynamic_prompt".to_owned())
}

/// A prompt that comes and goes with `test_trigger_prompt_change`.
#[prompt]
pub async fn test_dynamic_prompt() -> &'static str {
    "I come and go too"
}

/// A tool that comes and goes with `test_trigger_tool_change`.
#[tool(read_only)]
pub async fn test_dynamic_tool() -> &'static str {
    "I come and go"
}

/// A static text resource.
#[resource(uri = "test://static-text", mime = "text/plain")]
pub async fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource: a 1×1 PNG.
#[resource(uri = "test://static-binary", mime = "image/png")]
pub async fn static_binary() -> Blob {
    Blob(RED_PIXEL_PNG.to_vec())
}

/// Data for an id, from a resource template.
#[resource(uri = "test://template/{id}/data", mime = "application/json")]
pub async fn template_data(
    /// The id to substitute.
    id: String,
) -> String {
    serde_json::json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")})
        .to_string()
}

/// A simple prompt without arguments.
#[prompt]
pub async fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with two arguments.
#[prompt]
pub async fn test_prompt_with_arguments(
    /// First test argument.
    #[arg(complete = arg1_values)]
    arg1: String,
    /// Second test argument.
    arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// Completions of `arg1`.
async fn arg1_values(prefix: String) -> Vec<String> {
    ["paris", "park", "party"]
        .into_iter()
        .filter(|v| v.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// A prompt that embeds a resource.
#[prompt]
pub async fn test_prompt_with_embedded_resource(
    /// URI of the resource to embed.
    #[arg(rename = "resourceUri")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::embedded_text(
            resource_uri,
            "text/plain",
            "Embedded resource content for testing.",
        )),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
pub async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(RED_PIXEL_PNG, "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// What `test_elicitation` asks for.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct UserInfo {
    /// User's response
    pub username: String,
    /// User's email address
    pub email: String,
}

/// The answer of an elicitation, as the scenarios expect to read it.
fn elicited<T: Serialize>(answer: &Elicited<T>) -> String {
    let content = match answer {
        Elicited::Accept(content) => serde_json::to_string(content).unwrap_or_default(),
        _ => "{}".to_owned(),
    };
    format!("action={}, content={content}", answer.action())
}

/// Asks the client's model to answer `prompt` (`sampling/createMessage`).
#[tool]
pub async fn test_sampling(
    /// The prompt to send to the LLM.
    prompt: String,
    ctx: Context,
) -> Result<String, ToolError> {
    let reply = ctx.sample(SamplingRequest::prompt(prompt, 100)).await?;
    Ok(format!("LLM response: {}", reply.text()))
}

/// Asks the user for a username and an email address (`elicitation/create`).
#[tool]
pub async fn test_elicitation(
    /// The message to show the user.
    message: String,
    ctx: Context,
) -> Result<String, ToolError> {
    let answer = ctx.elicit::<UserInfo>(message).await?;
    Ok(format!("User response: {}", elicited(&answer)))
}

/// The SEP-1034 form: a default for every primitive type.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Defaults {
    #[serde(default = "default_name")]
    name: String,
    #[serde(default = "default_age")]
    age: i64,
    #[serde(default = "default_score")]
    score: f64,
    #[serde(default)]
    status: Status,
    #[serde(default = "default_verified")]
    verified: bool,
}

/// A single-select enum without titles.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    #[default]
    Active,
    Inactive,
    Pending,
}

fn default_name() -> String {
    "John Doe".into()
}
fn default_age() -> i64 {
    30
}
fn default_score() -> f64 {
    95.5
}
fn default_verified() -> bool {
    true
}

/// Elicits a form whose fields all have defaults (SEP-1034), derived from a Rust type.
#[tool]
pub async fn test_elicitation_sep1034_defaults(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.elicit::<Defaults>("Please review your details").await?;
    Ok(format!("Elicitation completed: {}", elicited(&answer)))
}

/// Elicits a form with all five enum shapes of SEP-1330 (a hand-written schema: the
/// legacy `enumNames` has no Rust derive).
#[tool]
pub async fn test_elicitation_sep1330_enums(ctx: Context) -> Result<String, ToolError> {
    let titled = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(value, title)| json!({"const": value, "title": title}))
            .collect::<Vec<_>>()
    };
    let schema = ElicitSchema::new(json!({
        "type": "object",
        "properties": {
            "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
            "titledSingle": {"type": "string", "oneOf": titled(&[
                ("value1", "First Option"), ("value2", "Second Option"), ("value3", "Third Option"),
            ])},
            "legacyEnum": {
                "type": "string",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"],
            },
            "untitledMulti": {
                "type": "array",
                "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
            },
            "titledMulti": {"type": "array", "items": {"anyOf": titled(&[
                ("value1", "First Choice"), ("value2", "Second Choice"), ("value3", "Third Choice"),
            ])}},
        },
    }))?;
    let answer = ctx.elicit_with("Choose your options", schema).await?;
    Ok(format!("Elicitation completed: {}", elicited(&answer)))
}

/// A name, asked of the user.
#[derive(Debug, Deserialize, JsonSchema)]
struct Name {
    name: String,
}

/// A yes or no.
#[derive(Debug, Deserialize, JsonSchema)]
struct Confirmation {
    ok: bool,
}

/// A favorite color.
#[derive(Debug, Deserialize, JsonSchema)]
struct Color {
    color: String,
}

async fn ask_name(ctx: &Context, key: &str, message: &str) -> Result<String, ToolError> {
    match ctx.elicit::<Name>(message).key(key).await? {
        Elicited::Accept(Name { name }) => Ok(name),
        other => Err(ToolError::new(format!(
            "no name: the user chose {}",
            other.action()
        ))),
    }
}

/// Greets the user by the name it asks for (multi-round-trip in 2026-07-28).
#[tool]
pub async fn test_input_required_result_elicitation(ctx: Context) -> Result<String, ToolError> {
    let name = ask_name(&ctx, "user_name", "What is your name?").await?;
    Ok(format!("Hello, {name}!"))
}

/// What `test_input_required_result_prompt` asks for.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptContext {
    /// The context the prompt should use.
    pub context: String,
}

/// A prompt that asks the user for its context first (multi-round-trip on a request that
/// is not a tool call).
#[prompt]
pub async fn test_input_required_result_prompt(ctx: Context) -> Result<String, ToolError> {
    match ctx
        .elicit::<PromptContext>("What context should the prompt use?")
        .key("user_context")
        .await?
    {
        Elicited::Accept(PromptContext { context }) => {
            Ok(format!("Answer with this context in mind: {context}"))
        }
        other => Err(ToolError::new(format!(
            "no context: the user chose {}",
            other.action()
        ))),
    }
}

/// Asks the client's model a question.
#[tool]
pub async fn test_input_required_result_sampling(ctx: Context) -> Result<String, ToolError> {
    let request = SamplingRequest::prompt("What is the capital of France?", 100);
    let reply = ctx.sample(request).key("capital_question").await?;
    Ok(reply.text())
}

/// Lists the client's roots.
#[tool]
pub async fn test_input_required_result_list_roots(ctx: Context) -> Result<String, ToolError> {
    let roots = ctx.roots().key("client_roots").await?;
    let uris: Vec<&str> = roots.iter().map(|r| r.uri.as_str()).collect();
    Ok(format!("Roots: {}", uris.join(", ")))
}

/// Asks for a confirmation; the runtime seals the round's state.
#[tool]
pub async fn test_input_required_result_request_state(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit::<Confirmation>("Please confirm")
        .key("confirm")
        .await?;
    let ok = matches!(answer, Elicited::Accept(Confirmation { ok: true }));
    Ok(format!("state-ok: confirmed={ok}"))
}

/// Asks three questions at once (elicitation, sampling, roots): `join!` puts them in one
/// round.
#[tool]
pub async fn test_input_required_result_multiple_inputs(ctx: Context) -> Result<String, ToolError> {
    let (name, greeting, roots) = tokio::join!(
        ask_name(&ctx, "user_name", "What is your name?"),
        ctx.sample(SamplingRequest::prompt("Generate a greeting", 50))
            .key("greeting"),
        ctx.roots().key("client_roots"),
    );
    let (name, greeting, roots) = (name?, greeting?, roots?);
    Ok(format!(
        "{} {name} ({} roots)",
        greeting.text(),
        roots.len()
    ))
}

/// Two rounds of questions, one after the other.
#[tool]
pub async fn test_input_required_result_multi_round(ctx: Context) -> Result<String, ToolError> {
    let name = ask_name(&ctx, "step1", "Step 1: What is your name?").await?;
    let color = match ctx
        .elicit::<Color>("Step 2: What is your favorite color?")
        .key("step2")
        .await?
    {
        Elicited::Accept(Color { color }) => color,
        _ => "none".to_owned(),
    };
    Ok(format!("{name} likes {color}"))
}

/// Asks for a confirmation; a retry with a modified `requestState` is refused.
#[tool]
pub async fn test_input_required_result_tampered_state(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit::<Confirmation>("Please confirm")
        .key("confirm")
        .await?;
    Ok(format!("confirmed: {}", answer.action()))
}

/// Asks only what the client declared it can answer.
#[tool]
pub async fn test_input_required_result_capabilities(ctx: Context) -> Result<String, ToolError> {
    let declared = ctx.client_capabilities();
    let mut said = Vec::new();
    if declared.contains_key("elicitation") {
        said.push(ask_name(&ctx, "user_name", "What is your name?").await?);
    }
    if declared.contains_key("sampling") {
        let request = SamplingRequest::prompt("Say hello", 50);
        said.push(ctx.sample(request).key("greeting").await?.text());
    }
    Ok(said.join(" "))
}

// The tasks extension (`io.modelcontextprotocol/tasks`): tools that run as tasks for
// clients that declare it.

/// Greets someone, at once (never a task).
#[tool(read_only)]
pub async fn greet(
    /// Who to greet.
    name: String,
) -> String {
    format!("Hello, {name}!")
}

/// Sleeps `seconds` seconds, then reports `label` (a task for clients with the extension).
#[tool(read_only, task = optional)]
pub async fn slow_compute(
    /// How long to work.
    seconds: u64,
    /// A name for the run.
    #[arg(default = String::new())]
    label: String,
) -> String {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    format!("Computed {label} in {seconds}s")
}

/// Fails after a second, the way a tool fails: the model reads the error.
#[tool(read_only, task = required)]
pub async fn failing_job() -> Result<String, ToolError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(ToolError::new(
        "the job failed: the input could not be processed",
    ))
}

/// Breaks (panics) after a moment: a protocol-level failure, not a tool error.
#[tool(read_only)]
#[allow(clippy::panic, reason = "the fixture exists to panic")]
pub async fn protocol_error_job() -> String {
    tokio::time::sleep(Duration::from_millis(100)).await;
    panic!("protocol_error_job always breaks")
}

/// A yes or no for a deletion.
#[derive(Debug, Deserialize, JsonSchema)]
struct ConfirmDelete {
    /// Delete it?
    confirm: bool,
}

/// Deletes a file once the user confirms; as a task it waits in `input_required`.
#[tool(destructive)]
pub async fn confirm_delete(
    /// The file to delete.
    filename: String,
    ctx: Context,
) -> Result<String, ToolError> {
    ctx.start_task().await;
    let message = format!("Delete {filename}?");
    match ctx.elicit::<ConfirmDelete>(message).key("confirm").await? {
        Elicited::Accept(ConfirmDelete { confirm: true }) => Ok(format!("Deleted {filename}")),
        _ => Ok(format!("Kept {filename}")),
    }
}

/// One of `multi_input`'s questions.
#[derive(Debug, Deserialize, JsonSchema)]
struct Entry {
    name: String,
    confirm: bool,
}

/// Asks two questions at once, so a task waits on two keys.
#[tool]
pub async fn multi_input(ctx: Context) -> Result<String, ToolError> {
    ctx.start_task().await;
    let (first, second) = tokio::join!(
        ctx.elicit::<Entry>("First entry").key("first"),
        ctx.elicit::<Entry>("Second entry").key("second"),
    );
    let name = |answer: Elicited<Entry>| match answer {
        Elicited::Accept(Entry {
            name,
            confirm: true,
        }) => name,
        _ => "-".to_owned(),
    };
    Ok(format!("{} and {}", name(first?), name(second?)))
}

/// Asks for a name by multi-round-trip, then goes on as a task (tasks required).
#[tool]
pub async fn test_tool_with_task(ctx: Context) -> Result<String, ToolError> {
    let name = ask_name(&ctx, "user_name", "What is your name?").await?;
    ctx.start_task().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(format!("Hello, {name}! (from a task)"))
}

/// The fixture server.
pub fn server() -> Server {
    Server::new("mcp-conformance-everything")
        .title("MCP conformance fixture")
        .tool(test_simple_text_tool())
        .tool(test_image_content_tool())
        .tool(test_audio_content_tool())
        .tool(test_embedded_resource_tool())
        .tool(test_multiple_content_types_tool())
        .tool(test_tool_with_logging_tool())
        .tool(test_tool_with_progress_tool())
        .tool(test_error_handling_tool())
        .tool(test_reconnection_tool())
        .tool(json_schema_2020_12_tool_tool().input_schema(json_schema_2020_12()))
        .tool(test_custom_headers_tool())
        .tool(test_missing_capability_tool().requires_client_capability("sampling"))
        .tool(test_streaming_elicitation_tool().requires_client_capability("elicitation"))
        .tool(test_logging_tool_tool())
        .tool(test_trigger_tool_change_tool())
        .tool(test_trigger_prompt_change_tool())
        .resource(static_text_resource())
        .resource(static_binary_resource())
        .resource_template(template_data_resource())
        .prompt(test_simple_prompt_prompt())
        .prompt(test_prompt_with_arguments_prompt())
        .prompt(test_prompt_with_embedded_resource_prompt())
        .prompt(test_prompt_with_image_prompt())
        .prompt(test_input_required_result_prompt_prompt())
        .tool(test_sampling_tool())
        .tool(test_elicitation_tool())
        .tool(test_elicitation_sep1034_defaults_tool())
        .tool(test_elicitation_sep1330_enums_tool())
        .tool(test_input_required_result_elicitation_tool())
        .tool(test_input_required_result_sampling_tool())
        .tool(test_input_required_result_list_roots_tool())
        .tool(test_input_required_result_request_state_tool())
        .tool(test_input_required_result_multiple_inputs_tool())
        .tool(test_input_required_result_multi_round_tool())
        .tool(test_input_required_result_tampered_state_tool())
        .tool(test_input_required_result_capabilities_tool())
        .tool(greet_tool())
        .tool(slow_compute_tool())
        .tool(failing_job_tool())
        .tool(protocol_error_job_tool().task_support(TaskSupport::Optional))
        .tool(confirm_delete_tool().task_support(TaskSupport::Optional))
        .tool(multi_input_tool().task_support(TaskSupport::Optional))
        .tool(test_tool_with_task_tool().task_support(TaskSupport::Required))
        .skill(pdf_processing_skill())
        .skill(refunds_skill())
}

/// The skill the `sep-2640-*` scenarios read: a `SKILL.md`, a reference, and templates in
/// nested directories (for `resources/directory/read`). Built in code from the files in
/// `everything_skills/`, so the fixture does not depend on the working directory;
/// `Server::skills_dir("everything_skills")` would serve the same.
fn pdf_processing_skill() -> Skill {
    Skill::new(include_str!("everything_skills/pdf-processing/SKILL.md"))
        .expect("valid front matter")
        .file(
            "references/FORMS.md",
            include_str!("everything_skills/pdf-processing/references/FORMS.md"),
        )
        .file(
            "templates/invoice.md",
            include_str!("everything_skills/pdf-processing/templates/invoice.md"),
        )
        .file(
            "templates/regional/eu-invoice.md",
            include_str!("everything_skills/pdf-processing/templates/regional/eu-invoice.md"),
        )
}

/// A skill under an organizational prefix: `skill://acme/billing/refunds/SKILL.md`.
fn refunds_skill() -> Skill {
    Skill::new(include_str!(
        "everything_skills/acme/billing/refunds/SKILL.md"
    ))
    .expect("valid front matter")
    .prefix("acme/billing")
    .file(
        "examples/email.md",
        include_str!("everything_skills/acme/billing/refunds/examples/email.md"),
    )
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    server().serve().await
}
