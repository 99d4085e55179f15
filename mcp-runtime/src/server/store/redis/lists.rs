//! List edits in Redis (see `server::lists`): one hash every replica reads in whole, at
//! start and whenever its version moves (told by the bus, or seen at a heartbeat when a
//! bus message was lost), so a replica started later, or one that missed a message, ends
//! up with the same lists.

use std::sync::Arc;

use futures_util::stream::BoxStream;

use super::RedisBackend;
use super::bus::{self, Message};
use super::replica::Replica;
use crate::server::lists::{ListEdit, ListKind};
use crate::server::store::StoreError;

impl RedisBackend {
    /// Stores `edit` and tells every replica, in the background.
    pub(super) fn share(&self, edit: ListEdit) {
        let replica = self.replica.clone();
        tokio::spawn(async move {
            let key = replica.keys.lists();
            let field = format!("{}:{}", edit.kind.tag(), edit.name);
            let mut pipe = redis::pipe();
            pipe.atomic()
                .hset(&key, field, if edit.present { "1" } else { "0" })
                .ignore()
                .hincr(&key, "v", 1);
            let stored = async {
                let mut connection = replica.connection().await?;
                replica
                    .run(pipe.query_async::<(i64,)>(&mut connection))
                    .await
            };
            match stored.await {
                Ok((v,)) => bus::publish(&replica, Message::Lists { v }).await,
                Err(e) => tracing::warn!("a list edit did not reach the other replicas: {e}"),
            }
        });
    }

    /// The shared edits, whole, at first and at every new version.
    pub(super) fn follow_edits(&self) -> BoxStream<'static, Vec<ListEdit>> {
        let replica = self.replica.clone();
        let mut told = replica.lists_version.subscribe();
        Box::pin(async_stream::stream! {
            let mut seen = None;
            loop {
                match read(&replica).await {
                    Ok((version, edits)) if seen != Some(version) => {
                        seen = Some(version);
                        yield edits;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!("list edits not read yet: {e}"),
                }
                // The bus tells at once; the beat catches a lost message.
                let beat = replica.timings.beat() * 4;
                tokio::select! {
                    changed = told.changed() => if changed.is_err() { break },
                    () = tokio::time::sleep(beat) => {}
                }
            }
        })
    }
}

/// The version and the edits.
async fn read(replica: &Arc<Replica>) -> Result<(i64, Vec<ListEdit>), StoreError> {
    let mut connection = replica.connection().await?;
    let mut command = redis::cmd("HGETALL");
    command.arg(replica.keys.lists());
    let fields = replica
        .run(command.query_async::<Vec<(String, String)>>(&mut connection))
        .await?;
    let mut version = 0;
    let mut edits = Vec::new();
    for (field, value) in fields {
        if field == "v" {
            version = value.parse().unwrap_or(0);
            continue;
        }
        let Some((tag, name)) = field.split_once(':') else {
            continue;
        };
        let Some(kind) = ListKind::from_tag(tag) else {
            continue;
        };
        edits.push(ListEdit {
            kind,
            name: name.to_owned(),
            present: value == "1",
        });
    }
    Ok((version, edits))
}
