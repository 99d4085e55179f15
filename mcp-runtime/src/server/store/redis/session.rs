//! Sessions in Redis: each is one hash (its protocol version, client, capabilities, log
//! level, whether the handshake is done, its TTL, its stream counter) whose Redis TTL is
//! the session's expiry, refreshed by every request that names it. Any replica loads it
//! for the request it serves; only what runs here stays here (see [`Replica`]).

use std::sync::atomic::Ordering;
use std::sync::{Arc, LazyLock};

use futures_util::future::{BoxFuture, FutureExt as _};
use serde_json::{Map, Value};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::admission;
use super::bus::{self, Message};
use super::claims;
use super::log::{OPEN, RedisLog};
use super::replica::{Replica, lock, millis};
use crate::protocol::types::Implementation;
use crate::protocol::{LogLevel, ProtocolVersion, RequestId};
use crate::server::inflight::InFlightGuard;
use crate::server::store::{
    Answer, EventLog, NewSession, Session, SlotTry, StandaloneGuard, StoreError,
};

/// Loads a session and refreshes its TTL (the one stored with it).
/// KEYS: session. Returns its fields and values, or nothing.
pub(super) static LOAD: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return fields end
redis.call('PEXPIRE', KEYS[1], redis.call('HGET', KEYS[1], 'ttl'))
return fields
",
    )
});

/// Sets fields of a session that still exists, with a new TTL ('' keeps it).
/// KEYS: session. ARGV: TTL ms or '', then field, value pairs.
static UPDATE: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'ttl', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
",
    )
});

/// Deletes a session and all its streams. KEYS: session. ARGV: session key base.
pub(super) static REMOVE: LazyLock<redis::Script> = LazyLock::new(|| {
    super::connection::script(
        r"
local n = redis.call('HGET', KEYS[1], 'n')
if not n then return 0 end
redis.call('DEL', KEYS[1])
for i = 0, tonumber(n) do
  redis.call('DEL', ARGV[1] .. 'm:' .. i, ARGV[1] .. 'e:' .. i, ARGV[1] .. 'l:' .. i)
end
redis.call('DEL', ARGV[1] .. 'r', ARGV[1] .. 'g')
return 1
",
    )
});

/// What a session is, as loaded from Redis for one request.
#[derive(Debug)]
pub(super) struct Record {
    pub(super) id: Arc<str>,
    protocol_version: ProtocolVersion,
    client_info: Implementation,
    client_capabilities: Map<String, Value>,
    log_level: LogLevel,
    /// Whom the session counts against (`max_sessions_per_client`).
    pub(super) client: Option<Arc<str>>,
}

impl Record {
    pub(super) fn from_new(id: Arc<str>, new: NewSession) -> Self {
        Self {
            id,
            protocol_version: new.protocol_version,
            client_info: new.client_info,
            client_capabilities: new.client_capabilities,
            log_level: LogLevel::Debug,
            client: new.client.map(|key| key.0),
        }
    }

    /// The hash's fields for a new session.
    pub(super) fn fields(&self, ttl: i64) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("v", self.protocol_version.as_str().to_owned()),
            (
                "ci",
                serde_json::to_string(&self.client_info).unwrap_or_default(),
            ),
            (
                "cc",
                serde_json::to_string(&self.client_capabilities).unwrap_or_default(),
            ),
            ("lvl", self.log_level.index().to_string()),
            ("ttl", ttl.to_string()),
            ("n", "0".to_owned()),
        ];
        if let Some(client) = &self.client {
            fields.push(("cl", client.to_string()));
        }
        fields
    }

    /// Reads a hash loaded by [`LOAD`]; `None` (with a log line) when it is not ours.
    pub(super) fn parse(id: &str, pairs: &[String]) -> Option<Self> {
        let field = |name: &str| {
            pairs
                .chunks_exact(2)
                .find(|pair| pair[0] == name)
                .map(|pair| pair[1].as_str())
        };
        let parsed = (|| {
            Some(Self {
                id: id.into(),
                protocol_version: ProtocolVersion::parse(field("v")?)?,
                client_info: serde_json::from_str(field("ci")?).ok()?,
                client_capabilities: serde_json::from_str(field("cc")?).ok()?,
                log_level: LogLevel::from_index(field("lvl")?.parse().ok()?),
                client: field("cl").map(Into::into),
            })
        })();
        if parsed.is_none() {
            tracing::warn!("session {id} in Redis is unreadable (another version's?): ignored");
        }
        parsed
    }
}

/// A session, as one request sees it.
#[derive(Debug)]
pub(super) struct RedisSession {
    pub(super) record: Arc<Record>,
    pub(super) replica: Arc<Replica>,
}

impl RedisSession {
    async fn update(&self, ttl: Option<i64>, fields: &[(&str, String)]) -> Result<(), StoreError> {
        let script = &*UPDATE;
        let mut invocation = script.key(self.replica.keys.session(&self.record.id));
        invocation.arg(ttl.map(|t| t.to_string()).unwrap_or_default());
        for (name, value) in fields {
            invocation.arg(*name).arg(value);
        }
        let mut connection = self.replica.connection().await?;
        self.replica
            .run(invocation.invoke_async::<i64>(&mut connection))
            .await
            .map(drop)
    }

    fn publish(&self, message: Message) {
        let replica = self.replica.clone();
        tokio::spawn(async move { bus::publish(&replica, message).await });
    }

    async fn open(&self, request: Option<&RequestId>) -> Result<Arc<dyn EventLog>, StoreError> {
        let request_json = request
            .and_then(|id| serde_json::to_string(id).ok())
            .unwrap_or_default();
        let keys = &self.replica.keys;
        let timings = &self.replica.timings;
        let script = &*OPEN;
        let mut invocation = script.key(keys.session(&self.record.id));
        invocation
            .arg(keys.session_base(&self.record.id))
            .arg(request_json)
            .arg(millis(timings.idle))
            .arg(millis(timings.lease));
        let mut connection = self.replica.connection().await?;
        let opened = self
            .replica
            .run(invocation.invoke_async::<i64>(&mut connection))
            .await?;
        let Ok(stream) = u64::try_from(opened) else {
            return Err(StoreError::Unavailable("the session has ended".into()));
        };
        let local = self.replica.local(&self.record);
        lock(&local.owned).insert(stream);
        Ok(Arc::new(RedisLog::call(
            self.replica.clone(),
            local,
            stream,
            request.cloned(),
            true,
        )))
    }
}

impl Session for RedisSession {
    fn id(&self) -> &str {
        &self.record.id
    }

    fn for_call(self: Arc<Self>) -> Arc<dyn crate::context::CallSession> {
        self
    }

    fn protocol_version(&self) -> ProtocolVersion {
        self.record.protocol_version
    }

    fn client_info(&self) -> &Implementation {
        &self.record.client_info
    }

    fn client_capabilities(&self) -> &Map<String, Value> {
        &self.record.client_capabilities
    }

    fn log_level(&self) -> LogLevel {
        self.record.log_level
    }

    fn mark_initialized(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        let ttl = millis(self.replica.timings.idle);
        async move { self.update(Some(ttl), &[("init", "1".into())]).await }.boxed()
    }

    fn set_log_level(&self, level: LogLevel) -> BoxFuture<'_, Result<(), StoreError>> {
        async move {
            self.update(None, &[("lvl", level.index().to_string())])
                .await
        }
        .boxed()
    }

    fn subscribe_resource(&self, uri: &str, on: bool) -> BoxFuture<'_, Result<(), StoreError>> {
        let (key, uri) = (self.replica.keys.resources(&self.record.id), uri.to_owned());
        async move {
            let mut pipe = redis::pipe();
            pipe.cmd(if on { "SADD" } else { "SREM" })
                .arg(&key)
                .arg(uri)
                .ignore()
                .pexpire(&key, millis(self.replica.timings.idle))
                .ignore();
            let mut connection = self.replica.connection().await?;
            self.replica
                .run(pipe.query_async::<()>(&mut connection))
                .await
        }
        .boxed()
    }

    fn pin(&self) {
        // Stdio sessions use the memory store; a Redis session lives by its TTL.
    }

    fn start_call<'a>(
        &'a self,
        id: &'a RequestId,
    ) -> BoxFuture<'a, Result<(CancellationToken, InFlightGuard), Box<crate::server::Refusal>>>
    {
        async move {
            let local = self.replica.local(&self.record);
            let (token, guard) =
                local
                    .calls
                    .start(id, Some(&local.ended), self.replica.timings.max_calls)?;
            let key = self.replica.keys.call_claim(
                &self.record.id,
                &serde_json::to_string(id).unwrap_or_default(),
            );
            match claims::take(&self.replica, &key).await {
                Ok(true) => {}
                // Dropping the guard frees the id here only: the claim is another's.
                Ok(false) => return Err(crate::server::inflight::id_in_use(id)),
                Err(e) => {
                    let error = crate::protocol::RpcError::new(
                        crate::protocol::ErrorCode::INTERNAL_ERROR,
                        e.to_string(),
                    );
                    return Err(crate::server::Refusal::new(
                        crate::server::Reason::Unavailable,
                        error,
                    ));
                }
            }
            admission::mark_busy(&self.replica, &local);
            let replica = self.replica.clone();
            Ok((
                token,
                guard.on_release(move || claims::give_back(replica, key)),
            ))
        }
        .boxed()
    }

    fn take_call_slot(&self, limit: usize) -> BoxFuture<'_, Result<SlotTry, StoreError>> {
        async move {
            let local = self.replica.local(&self.record);
            super::slots::take(&self.replica, &local, limit).await
        }
        .boxed()
    }

    fn cancel_call(&self, id: &RequestId) {
        let here = self
            .replica
            .find_local(&self.record.id)
            .is_some_and(|local| local.calls.cancel(id));
        if !here {
            self.publish(Message::Cancel {
                s: self.record.id.to_string(),
                id: id.clone(),
            });
        }
    }

    fn expect_answer(
        &self,
        id: RequestId,
    ) -> BoxFuture<'_, Result<oneshot::Receiver<Answer>, StoreError>> {
        async move {
            let key = self.replica.keys.waiting(
                &self.record.id,
                &serde_json::to_string(&id).unwrap_or_default(),
            );
            let mut connection = self.replica.connection().await?;
            let mut command = redis::cmd("SET");
            command
                .arg(key)
                .arg(1)
                .arg("PX")
                .arg(millis(self.replica.timings.idle));
            let set = command.query_async::<()>(&mut connection);
            self.replica.run(set).await?;
            let (sender, receiver) = oneshot::channel();
            let local = self.replica.local(&self.record);
            lock(&local.waiting).insert(id, sender);
            Ok(receiver)
        }
        .boxed()
    }

    fn answer(&self, id: RequestId, answer: Answer) -> BoxFuture<'_, Result<bool, StoreError>> {
        async move {
            let key = self.replica.keys.waiting(
                &self.record.id,
                &serde_json::to_string(&id).unwrap_or_default(),
            );
            let mut connection = self.replica.connection().await?;
            let mut command = redis::cmd("DEL");
            command.arg(key);
            let deleted = command.query_async::<i64>(&mut connection);
            // Deleting the key claims the answer: a second one finds nobody waiting.
            if self.replica.run(deleted).await? == 0 {
                return Ok(false);
            }
            let here = self
                .replica
                .find_local(&self.record.id)
                .and_then(|local| lock(&local.waiting).remove(&id));
            match here {
                Some(sender) => {
                    let _ = sender.send(answer);
                }
                None => {
                    let (ok, err) = match answer {
                        Ok(result) => (Some(result), None),
                        Err(error) => (None, Some(error)),
                    };
                    let message = Message::Answer {
                        s: self.record.id.to_string(),
                        id,
                        ok,
                        err,
                    };
                    bus::publish(&self.replica, message).await;
                }
            }
            Ok(true)
        }
        .boxed()
    }

    fn open_stream(&self) -> BoxFuture<'_, Result<Arc<dyn EventLog>, StoreError>> {
        self.open(None).boxed()
    }

    fn open_call_stream<'a>(
        &'a self,
        request: Option<&'a RequestId>,
    ) -> BoxFuture<'a, Result<Arc<dyn EventLog>, StoreError>> {
        self.open(request).boxed()
    }

    fn stream(&self, id: u64) -> BoxFuture<'_, Result<Option<Arc<dyn EventLog>>, StoreError>> {
        async move {
            if id == 0 {
                return Ok(Some(self.standalone()));
            }
            let mut connection = self.replica.connection().await?;
            let mut command = redis::cmd("HMGET");
            command
                .arg(self.replica.keys.meta(&self.record.id, id))
                .arg("seq")
                .arg("req");
            let read = command.query_async::<(Option<u64>, Option<String>)>(&mut connection);
            let (seq, request) = self.replica.run(read).await?;
            if seq.is_none() {
                return Ok(None);
            }
            let request = request.and_then(|r| serde_json::from_str(&r).ok());
            let local = self.replica.local(&self.record);
            let log: Arc<dyn EventLog> = Arc::new(RedisLog::call(
                self.replica.clone(),
                local,
                id,
                request,
                false,
            ));
            Ok(Some(log))
        }
        .boxed()
    }

    fn standalone(&self) -> Arc<dyn EventLog> {
        let local = self.replica.local(&self.record);
        Arc::new(RedisLog::standalone(self.replica.clone(), local))
    }

    fn attach_standalone(&self) -> BoxFuture<'_, Result<Option<StandaloneGuard>, StoreError>> {
        async move {
            let local = self.replica.local(&self.record);
            if local.standalone_attached.swap(true, Ordering::Relaxed) {
                return Ok(None);
            }
            let key = self.replica.keys.get_claim(&self.record.id);
            match claims::take(&self.replica, &key).await {
                Ok(true) => {}
                Ok(false) => {
                    // Open on another replica.
                    local.standalone_attached.store(false, Ordering::Relaxed);
                    return Ok(None);
                }
                Err(e) => {
                    local.standalone_attached.store(false, Ordering::Relaxed);
                    return Err(e);
                }
            }
            admission::mark_busy(&self.replica, &local);
            let log: Arc<dyn EventLog> =
                Arc::new(RedisLog::standalone(self.replica.clone(), local.clone()));
            let replica = self.replica.clone();
            Ok(Some(StandaloneGuard {
                log,
                release: Box::new(move || {
                    local.standalone_attached.store(false, Ordering::Relaxed);
                    claims::give_back_later(replica, key);
                }),
            }))
        }
        .boxed()
    }

    fn close_standalone(&self) {
        if let Some(local) = self.replica.find_local(&self.record.id) {
            local.standalone_closed.cancel();
        }
    }
}
