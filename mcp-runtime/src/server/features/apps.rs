//! MCP Apps (extension `io.modelcontextprotocol/ui`): nothing to answer (views are
//! resources, their data ordinary `tools/call` results), only the extension's entry in the
//! capabilities, present when a tool names a view or a resource is an app.

use std::any::Any;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};

use super::{Feature, Handled, Method, Request};
use crate::app::EXTENSION;

/// The apps feature: a declaration.
pub(crate) struct Apps;

impl Feature for Apps {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        let extensions = capabilities
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(extensions) = extensions.as_object_mut() {
            extensions.insert(
                EXTENSION.into(),
                json!({"mimeTypes": [crate::app::MIME_TYPE]}),
            );
        }
    }

    fn methods(&self) -> &'static [Method] {
        &[]
    }

    fn handle<'a>(&'a self, _request: Request<'a>) -> BoxFuture<'a, Handled> {
        // Never routed: no methods.
        super::now(Handled::error(crate::protocol::RpcError::method_not_found(
            "the apps extension has no methods",
        )))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
