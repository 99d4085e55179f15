//! What the server reports about itself: Prometheus metrics and `tracing` spans.
//!
//! Every metric name and every recording function is here; the core calls these with one
//! line each. Nothing is recorded until [`Server::metrics`](crate::Server::metrics) (or
//! `MCP_METRICS_PATH`) turns the endpoint on, so a server without it pays one atomic load
//! per call site.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `mcp_requests_total` | counter | `method`, `outcome` (`ok`, `error`) |
//! | `mcp_tool_calls_total` | counter | `tool`, `outcome` (`ok`, `error`, `cancelled`) |
//! | `mcp_tool_call_duration_seconds` | histogram | `tool` |
//! | `mcp_tool_calls_active` | gauge | |
//! | `mcp_sessions_active` | gauge | |
//! | `mcp_sse_streams_active` | gauge | |
//! | `mcp_sse_frames_total` | counter | |
//! | `mcp_sse_bytes_total` | counter | |
//! | `mcp_sse_stream_duration_seconds` | histogram | |
//! | `mcp_rejections_total` | counter | `reason` (`auth`, `scope`, `origin`, `host`, `limits`) |
//! | `mcp_admission_total` | counter | `resource` (`session`, `connection`, `call`), `decision` (`evicted`, `queued`, `shed`) |

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::protocol::RequestId;

static ENABLED: AtomicBool = AtomicBool::new(false);

fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Why a request was refused before it reached the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // `Limits` is for the connection and call limits.
pub(crate) enum Reason {
    /// No token, or a bad one.
    Auth,
    /// A valid token without the tool's scopes.
    Scope,
    /// An `Origin` not allowed.
    Origin,
    /// A `Host` not allowed.
    Host,
    /// A connection, session, call or size limit.
    Limits,
}

impl Reason {
    fn label(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Scope => "scope",
            Self::Origin => "origin",
            Self::Host => "host",
            Self::Limits => "limits",
        }
    }
}

/// A request refused for `reason`.
pub(crate) fn rejected(reason: Reason) {
    if enabled() {
        metrics::counter!("mcp_rejections_total", "reason" => reason.label()).increment(1);
    }
}

/// What an admission decision was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    Session,
    Connection,
    Call,
}

/// What admission did to make or refuse room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// An idle session or connection was ended to admit a new one.
    Evicted,
    /// A call waited for a slot.
    Queued,
    /// A newcomer was refused (503).
    Shed,
}

/// An admission decision at a limit.
pub(crate) fn admission(resource: Resource, decision: Decision) {
    if enabled() {
        let resource = match resource {
            Resource::Session => "session",
            Resource::Connection => "connection",
            Resource::Call => "call",
        };
        let decision = match decision {
            Decision::Evicted => "evicted",
            Decision::Queued => "queued",
            Decision::Shed => "shed",
        };
        metrics::counter!("mcp_admission_total", "resource" => resource, "decision" => decision)
            .increment(1);
    }
}

/// The label of a JSON-RPC method: known methods by name, anything else as `other` (a
/// client cannot grow the label set).
pub(crate) fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 10] = [
        "initialize",
        "ping",
        "tools/list",
        "tools/call",
        "logging/setLevel",
        "server/discover",
        "subscriptions/listen",
        "resources/list",
        "resources/read",
        "prompts/list",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("other")
}

/// A request answered: `failed` when its answer is a JSON-RPC error.
pub(crate) fn request(method: &'static str, failed: bool) {
    if enabled() {
        let outcome = if failed { "error" } else { "ok" };
        metrics::counter!("mcp_requests_total", "method" => method, "outcome" => outcome)
            .increment(1);
    }
}

/// Times one tool call; dropped without [`finish`](Self::finish), the call was cancelled.
pub(crate) struct ToolTimer {
    tool: Option<String>,
    started: Instant,
}

impl ToolTimer {
    pub(crate) fn start(tool: &str) -> Self {
        let on = enabled();
        if on {
            metrics::gauge!("mcp_tool_calls_active").increment(1.0);
        }
        Self {
            tool: on.then(|| tool.to_owned()),
            started: Instant::now(),
        }
    }

    /// The call ended with a result (`is_error` as the result says).
    pub(crate) fn finish(mut self, is_error: bool) {
        self.record(if is_error { "error" } else { "ok" });
    }

    fn record(&mut self, outcome: &'static str) {
        if let Some(tool) = self.tool.take() {
            metrics::gauge!("mcp_tool_calls_active").decrement(1.0);
            let seconds = self.started.elapsed().as_secs_f64();
            metrics::histogram!("mcp_tool_call_duration_seconds", "tool" => tool.clone())
                .record(seconds);
            metrics::counter!("mcp_tool_calls_total", "tool" => tool, "outcome" => outcome)
                .increment(1);
        }
    }
}

impl Drop for ToolTimer {
    fn drop(&mut self) {
        self.record("cancelled");
    }
}

/// An open SSE stream: counted while it lives, its duration recorded when it ends.
pub(crate) struct StreamGauge {
    started: Option<Instant>,
}

impl StreamGauge {
    pub(crate) fn open() -> Self {
        let on = enabled();
        if on {
            metrics::gauge!("mcp_sse_streams_active").increment(1.0);
        }
        Self {
            started: on.then(Instant::now),
        }
    }

    /// One frame (`bytes` long, keep-alive comments included) written to the stream.
    pub(crate) fn sent(&self, bytes: usize, frame: bool) {
        if self.started.is_some() {
            if frame {
                metrics::counter!("mcp_sse_frames_total").increment(1);
            }
            metrics::counter!("mcp_sse_bytes_total").increment(bytes as u64);
        }
    }
}

impl Drop for StreamGauge {
    fn drop(&mut self) {
        if let Some(started) = self.started {
            metrics::gauge!("mcp_sse_streams_active").decrement(1.0);
            metrics::histogram!("mcp_sse_stream_duration_seconds")
                .record(started.elapsed().as_secs_f64());
        }
    }
}

/// The span of one request: its method, id and session; `tool` is filled in by
/// [`record_call`] for a `tools/call`.
///
/// At `DEBUG`: under the default filter (`info`) its callsite is disabled and a request
/// pays one cached check, not a span with five formatted fields (about a sixth of a
/// stateless call). `MCP_LOG=mcp_runtime=debug` shows it; a subscriber of the program's own
/// (or the OTLP exporter, which turns it on) sees it whatever `MCP_LOG` says.
pub(crate) fn request_span(method: &str, id: &RequestId, session: Option<&str>) -> tracing::Span {
    tracing::debug_span!(
        "mcp.request",
        method,
        request_id = %id,
        session = session.unwrap_or(""),
        tool = tracing::field::Empty,
        trace_id = tracing::field::Empty,
        parent_span_id = tracing::field::Empty,
    )
}

/// Names the tool on the current request span, and continues the caller's trace from
/// `traceparent` (`params._meta.traceparent`, SEP-414).
pub(crate) fn record_call(tool: &str, traceparent: Option<&str>) {
    let span = tracing::Span::current();
    span.record("tool", tool);
    if let Some(parent) = traceparent.and_then(TraceParent::parse) {
        span.record("trace_id", parent.trace_id);
        span.record("parent_span_id", parent.parent_id);
        #[cfg(feature = "otel")]
        otel::continue_trace(&span, traceparent.unwrap_or_default());
    }
}

/// A W3C `traceparent`: `version-traceid-parentid-flags`, lowercase hex.
#[derive(Debug, PartialEq, Eq)]
struct TraceParent<'a> {
    trace_id: &'a str,
    parent_id: &'a str,
}

impl<'a> TraceParent<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.trim().split('-');
        let (version, trace_id, parent_id, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex = |s: &str, len: usize| {
            s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        let valid = hex(version, 2)
            && version != "ff"
            && hex(trace_id, 32)
            && trace_id.bytes().any(|b| b != b'0')
            && hex(parent_id, 16)
            && parent_id.bytes().any(|b| b != b'0')
            && hex(flags, 2)
            && (version != "00" || parts.next().is_none());
        valid.then_some(Self {
            trace_id,
            parent_id,
        })
    }
}

/// The filter directive that turns the request spans on.
#[cfg(feature = "otel")]
const REQUEST_SPAN_DIRECTIVE: &str = "mcp_runtime::observe=debug";

/// Installs `tracing-subscriber`'s formatter (to stderr) with `filter`, unless the program
/// installed a subscriber of its own. With the `otel` feature and
/// `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are exported over OTLP too.
pub(crate) fn init_logging(filter: &str) -> Result<(), String> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    if tracing::dispatcher::has_been_set() {
        return Ok(());
    }
    #[allow(unused_mut)]
    let mut filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| {
        format!(
            "MCP_LOG={filter:?} is not a log filter (like `info` or `mcp_runtime=debug,info`): {e}"
        )
    })?;
    #[cfg(feature = "otel")]
    if otel::configured() {
        // Exported traces need the request spans, which are at DEBUG.
        filter = filter.add_directive(REQUEST_SPAN_DIRECTIVE.parse().map_err(|e| format!("{e}"))?);
    }
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
    #[cfg(feature = "otel")]
    let registry = registry.with(otel::layer()?);
    // Another thread may have won the race: then its subscriber stays.
    let _ = registry.try_init();
    Ok(())
}

#[cfg(feature = "metrics")]
pub(crate) use prometheus::{install as install_prometheus, render as render_prometheus};

#[cfg(feature = "metrics")]
mod prometheus {
    use std::sync::OnceLock;

    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

    /// Installs the Prometheus recorder (once per process: every server shares it).
    pub(crate) fn install() -> Result<PrometheusHandle, String> {
        let handle = HANDLE.get_or_init(|| {
            let buckets = [
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                300.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &buckets)
                .map_err(|e| e.to_string())?
                .install_recorder()
                .map_err(|e| {
                    format!("cannot serve metrics: another metrics recorder is installed ({e})")
                })
        });
        let handle = handle.clone()?;
        super::ENABLED.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(handle)
    }

    /// The text exposition of every metric, with the session gauge set to `sessions`.
    pub(crate) fn render(handle: &PrometheusHandle, sessions: usize) -> String {
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!("mcp_sessions_active").set(sessions as f64);
        handle.render()
    }
}

#[cfg(feature = "otel")]
mod otel {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    /// Whether spans are to be exported (`OTEL_EXPORTER_OTLP_ENDPOINT` is set).
    pub(super) fn configured() -> bool {
        std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
    }

    /// The OTLP exporting layer, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub(super) fn layer<S>() -> Result<Option<impl tracing_subscriber::Layer<S>>, String>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        if !configured() {
            return Ok(None);
        }
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("cannot export spans over OTLP: {e}"))?;
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .build();
        let tracer = provider.tracer("mcp-runtime");
        opentelemetry::global::set_tracer_provider(provider);
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        Ok(Some(tracing_opentelemetry::layer().with_tracer(tracer)))
    }

    /// Makes the caller's span (from its `traceparent`) the parent of `span`.
    pub(super) fn continue_trace(span: &tracing::Span, traceparent: &str) {
        let carrier =
            std::collections::HashMap::from([("traceparent".to_owned(), traceparent.to_owned())]);
        let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&carrier));
        let _ = span.set_parent(parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            TraceParent::parse(good),
            Some(TraceParent {
                trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
                parent_id: "00f067aa0ba902b7"
            })
        );
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn method_labels_are_bounded() {
        assert_eq!(method_label("tools/call"), "tools/call");
        assert_eq!(method_label("made/up/by/a/client"), "other");
    }
}
