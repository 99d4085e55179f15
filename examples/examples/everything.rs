//! The conformance fixture: every tool the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`) calls by name, written with `#[tool]`, behaving as
//! its server scenarios expect. `tests/tests/conformance.rs` runs both suites against it.
//!
//! ```text
//! cargo run -p examples --example everything                  # http://127.0.0.1:8000/mcp
//! npx @modelcontextprotocol/conformance server --url http://127.0.0.1:8000/mcp
//! ```
//!
//! It also serves the scenarios' resources, resource template, prompts and completion.
//! Resource subscriptions and server-to-client requests (sampling, elicitation) are not part
//! of the runtime yet, so neither are the tools and scenarios that need them.

use std::time::Duration;

use mcp_runtime::prompt::PromptMessage;
use mcp_runtime::resource::Blob;
use mcp_runtime::{Content, Context, Server, ToolError, log, progress, prompt, resource, tool};
use schemars::JsonSchema;
use serde::Deserialize;

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
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    server().serve().await
}
