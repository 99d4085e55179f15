//! Claims that make a per-session rule hold across replicas: a request id in flight, the
//! one `GET` stream. A claim is a key holding the claiming replica's token, with the lease
//! as its TTL: the heartbeat refreshes it while the request runs or the stream is open
//! there, the replica deletes it when they end, and it runs out by itself when that
//! replica dies.

use std::sync::{Arc, LazyLock};

use futures_util::future::BoxFuture;

use super::replica::{Replica, millis};
use crate::server::store::StoreError;

/// Deletes a claim if it is still this replica's. KEYS: the claim. ARGV: the token.
static GIVE_BACK: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
",
    )
});

/// Takes the claim `key` for this replica; `false` if another holds it.
pub(super) async fn take(replica: &Replica, key: &str) -> Result<bool, StoreError> {
    let mut command = redis::cmd("SET");
    command
        .arg(key)
        .arg(&replica.token)
        .arg("NX")
        .arg("PX")
        .arg(millis(replica.timings.lease));
    let mut connection = replica.connection().await?;
    let set = command.query_async::<Option<String>>(&mut connection);
    Ok(replica.run(set).await?.is_some())
}

/// Gives the claim `key` back (the request or stream has ended). If that fails, the claim
/// runs out with its lease.
pub(super) fn give_back(replica: Arc<Replica>, key: String) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let script = &*GIVE_BACK;
        let mut invocation = script.key(&key);
        invocation.arg(&replica.token);
        let Ok(mut connection) = replica.connection().await else {
            return;
        };
        if let Err(e) = replica
            .run(invocation.invoke_async::<i64>(&mut connection))
            .await
        {
            tracing::debug!("a claim runs out with its lease instead: {e}");
        }
    })
}

/// [`give_back`] in the background, when no one waits for it.
pub(super) fn give_back_later(replica: Arc<Replica>, key: String) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(give_back(replica, key));
    }
}

/// Adds to `pipe` what refreshes the claims this replica holds for what runs of `local`.
pub(super) fn refresh_in(
    pipe: &mut redis::Pipeline,
    replica: &Replica,
    local: &super::replica::Local,
) {
    let lease = millis(replica.timings.lease);
    let sid = &local.record.id;
    for id in local.calls.ids() {
        let key = replica
            .keys
            .call_claim(sid, &serde_json::to_string(&id).unwrap_or_default());
        pipe.pexpire(key, lease).ignore();
    }
    if local
        .standalone_attached
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        pipe.pexpire(replica.keys.get_claim(sid), lease).ignore();
    }
}
