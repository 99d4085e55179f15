//! Logging: the `logging` capability, and `logging/setLevel` (handshake era; a 2026-07-28
//! request opts in to log messages in its own `_meta`).

use std::any::Any;

use serde_json::{Map, Value, json};

use super::{Eras, Feature, Handled, Method, Request};
use crate::protocol::logging::SetLevelParams;
use crate::protocol::methods::SET_LEVEL;

/// The logging feature.
pub(crate) struct Logging;

impl Feature for Logging {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        capabilities.insert("logging".into(), json!({}));
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[Method::new(SET_LEVEL, Eras::Handshake)];
        METHODS
    }

    fn handle(&self, request: Request<'_>) -> Handled {
        match request.params::<SetLevelParams>() {
            Ok(params) => {
                if let Some(session) = request.session() {
                    session.set_log_level(params.level);
                }
                request.reply(&json!({}))
            }
            Err(e) => Handled::error(e),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
