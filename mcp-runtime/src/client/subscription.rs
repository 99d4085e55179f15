//! 2026-07-28 has no GET stream: notifications that belong to no call come on a
//! long-lived `subscriptions/listen` request, which the client opens for
//! [`Client::notifications`](super::Client::notifications).

use std::sync::Arc;

use futures_util::StreamExt as _;
use serde_json::{Map, json};

use super::exchange::{self, Request, Step};
use super::shared::Shared;

/// Opens the subscription in the background; it ends when the server ends it, the
/// connection drops, or the last `Client` handle is dropped.
pub(crate) fn start(shared: &Arc<Shared>) {
    let mut params = Map::new();
    params.insert(
        "notifications".into(),
        json!({"toolsListChanged": true, "promptsListChanged": true, "resourcesListChanged": true}),
    );
    let mut steps = exchange::run(
        shared.clone(),
        Request {
            method: "subscriptions/listen".to_owned(),
            params,
            name: None,
            progress: false,
            long_lived: true,
        },
    );
    // The task holds the exchange (and with it the shared state) only until the client
    // handles are gone.
    let mut alive = shared.alive.clone();
    let publisher = Arc::downgrade(shared);
    tokio::spawn(async move {
        let listen = async {
            while let Some(step) = steps.next().await {
                match step {
                    // Everything else was published by the exchange itself.
                    Ok(Step::Log(log)) => {
                        if let Some(shared) = publisher.upgrade() {
                            shared.publish(&json!({
                                "method": "notifications/message",
                                "params": {"level": log.level, "logger": log.logger, "data": log.data},
                            }));
                        }
                    }
                    Ok(Step::Progress(_)) => {}
                    Ok(Step::Done(_)) => return,
                    Err(e) => {
                        tracing::debug!("subscriptions/listen ended: {e}");
                        return;
                    }
                }
            }
        };
        tokio::select! {
            () = listen => {}
            _ = alive.changed() => {}
        }
    });
}
