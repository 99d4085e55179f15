//! The client's roots: `notifications/roots/list_changed`. The server keeps no copy of a
//! client's roots ([`CallContext::roots`](crate::CallContext::roots) asks afresh on every
//! call), so a change needs no invalidation; the notification is acknowledged and logged.

use std::any::Any;

use futures_util::future::{BoxFuture, FutureExt as _};
use serde_json::value::RawValue;

use super::{Feature, Handled, Method, Request, now};
use crate::protocol::RpcError;
use crate::protocol::methods::ROOTS_LIST_CHANGED;
use crate::server::store::SessionRef;

/// The roots feature: acts on the client's notification, answers no request.
pub(crate) struct Roots;

impl Feature for Roots {
    fn methods(&self) -> &'static [Method] {
        &[]
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        now(Handled::error(RpcError::method_not_found(request.method)))
    }

    fn notifications(&self) -> &'static [&'static str] {
        &[ROOTS_LIST_CHANGED]
    }

    fn notify<'a>(
        &'a self,
        session: Option<&'a SessionRef>,
        _method: &'a str,
        _params: Option<&'a RawValue>,
    ) -> BoxFuture<'a, ()> {
        let session = session.map(|s| s.id().to_owned()).unwrap_or_default();
        tracing::debug!(%session, "the client's roots changed; the next roots/list asks afresh");
        std::future::ready(()).boxed()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
