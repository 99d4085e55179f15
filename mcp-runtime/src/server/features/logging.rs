//! Logging: the `logging` capability, and `logging/setLevel` (handshake era; a 2026-07-28
//! request opts in to log messages in its own `_meta`).

use std::any::Any;

use serde_json::{Map, Value, json};

use futures_util::future::{BoxFuture, FutureExt as _};

use super::{Eras, Feature, Handled, Method, Request};
use crate::protocol::logging::SetLevelParams;
use crate::protocol::methods::SET_LEVEL;
use crate::protocol::{ErrorCode, RpcError};

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

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        async move {
            let params = match request.params::<SetLevelParams>() {
                Ok(params) => params,
                Err(e) => return Handled::error(e),
            };
            if let Some(session) = request.session() {
                if let Err(e) = session.set_log_level(params.level).await {
                    return Handled::error(RpcError::new(ErrorCode::INTERNAL_ERROR, e.to_string()));
                }
            }
            request.reply(&json!({}))
        }
        .boxed()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
