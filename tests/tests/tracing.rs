//! The request span: one `mcp.request` span per request with its method, id, session and
//! tool; a W3C `traceparent` in `params._meta` (SEP-414) continued into it; the tool runs
//! inside it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use mcp_runtime::{Server, tool};
use serde_json::json;
use tests::TestServer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

type Fields = HashMap<String, String>;

/// Every `mcp.request` span's fields, by span id.
#[derive(Default, Clone)]
struct Capture(Arc<Mutex<HashMap<u64, Fields>>>);

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "mcp.request" {
            let mut fields = Fields::new();
            attrs.record(&mut Collect(&mut fields));
            self.0.lock().expect("spans").insert(id.into_u64(), fields);
        }
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(fields) = self.0.lock().expect("spans").get_mut(&id.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(capture.clone()),
        )
        .expect("the only subscriber of this test binary");
        capture
    })
}

/// Which span the tool runs in.
#[tool]
async fn where_am_i() -> String {
    let span = tracing::Span::current();
    span.metadata().map_or("no span", |m| m.name()).to_owned()
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[tokio::test]
async fn each_request_has_a_span_continuing_the_callers_trace() {
    let capture = capture();
    let server = TestServer::start(Server::new("traced").tool(where_am_i_tool())).await;
    let mut client = server.client();
    client.initialize("2025-11-25").await;
    let session = client.session.clone().expect("session");
    let reply = client
        .request(
            41,
            "tools/call",
            json!({"name": "where_am_i", "arguments": {},
            "_meta": {"traceparent": TRACEPARENT}}),
        )
        .await;
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "mcp.request",
        "{}",
        reply.body
    );

    let spans = capture.0.lock().expect("spans").clone();
    let call = spans
        .values()
        .find(|f| f.get("request_id").map(String::as_str) == Some("41"))
        .unwrap_or_else(|| panic!("no span for request 41: {spans:?}"));
    assert_eq!(call["method"], "tools/call", "{call:?}");
    assert_eq!(call["tool"], "where_am_i", "{call:?}");
    assert_eq!(call["session"], session, "{call:?}");
    assert_eq!(
        call["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736",
        "{call:?}"
    );
    assert_eq!(call["parent_span_id"], "00f067aa0ba902b7", "{call:?}");
    assert!(
        spans
            .values()
            .any(|f| f.get("method").map(String::as_str) == Some("initialize")),
        "initialize has its span too: {spans:?}"
    );
}
