//! Redis Sentinel: `MCP_REDIS_URL=redis+sentinel://[user:password@]s1:26379,s2:26379/<master>`
//! names the sentinels and the master set they watch. The store asks a sentinel where the
//! master is, connects to it (a connection that reconnects by itself, as with one node),
//! and asks again whenever a sentinel announces a failover (`+switch-master`), and every
//! half second anyway: after a failover it connects to the new master and follows the
//! bus there, and every command from then on goes to it. The credentials, if any, are the master's; the sentinels are asked without.

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use redis::PushInfo;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use tokio::sync::mpsc::UnboundedSender;

/// How often the sentinels are asked where the master is.
const LOOK_EVERY: Duration = Duration::from_millis(500);
/// How long one sentinel may take to answer.
const SENTINEL_TIMEOUT: Duration = Duration::from_secs(1);

/// What a `redis+sentinel://` URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sentinels {
    /// Each sentinel's `redis://host:port`.
    pub(super) nodes: Vec<String>,
    /// The name of the master set (`sentinel monitor <name> …`).
    pub(super) master: String,
    /// `user:password@` for the master, or empty.
    pub(super) auth: String,
}

impl Sentinels {
    /// The sentinels `url` names, if it is a `redis+sentinel://` URL; an error says what
    /// is wrong with one that is malformed.
    pub(super) fn parse(url: &str) -> Option<Result<Self, String>> {
        let rest = url.trim().strip_prefix("redis+sentinel://")?;
        Some((|| {
            let (authority, master) = rest.split_once('/').ok_or_else(|| {
                format!("{url}: name the master set after the sentinels (`…:26379/mymaster`)")
            })?;
            let master = master.trim_end_matches('/');
            if master.is_empty() || master.contains('/') {
                return Err(format!("{url}: `{master}` is not a master set's name"));
            }
            let (auth, hosts) = match authority.rsplit_once('@') {
                Some((auth, hosts)) => (format!("{auth}@"), hosts),
                None => (String::new(), authority),
            };
            let nodes: Vec<String> = hosts
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(|h| format!("redis://{h}"))
                .collect();
            if nodes.is_empty() {
                return Err(format!("{url}: name at least one sentinel (`host:port`)"));
            }
            Ok(Self {
                nodes,
                master: master.to_owned(),
                auth,
            })
        })())
    }

    /// The master's address (`host:port`), as the first sentinel that answers tells it.
    pub(super) async fn master_addr(&self) -> Result<String, String> {
        Asker::new(self).master_addr().await
    }

    /// The URL of the master at `addr`, with the credentials.
    pub(super) fn master_url(&self, addr: &str) -> String {
        format!("redis://{}{addr}", self.auth)
    }
}

/// Asks the sentinels where the master is, over connections kept open between looks.
struct Asker<'a> {
    sentinels: &'a Sentinels,
    open: Vec<Option<MultiplexedConnection>>,
}

impl<'a> Asker<'a> {
    fn new(sentinels: &'a Sentinels) -> Self {
        Self {
            sentinels,
            open: vec![None; sentinels.nodes.len()],
        }
    }

    /// The master's address (`host:port`), as the first sentinel that answers tells it; a
    /// sentinel that fails is connected to again next time.
    async fn master_addr(&mut self) -> Result<String, String> {
        let master = &self.sentinels.master;
        let mut errors = Vec::new();
        for (node, open) in self.sentinels.nodes.iter().zip(&mut self.open) {
            let asked = tokio::time::timeout(SENTINEL_TIMEOUT, ask(node, open, master)).await;
            match asked {
                Ok(Ok(Some((host, port)))) => return Ok(format!("{host}:{port}")),
                Ok(Ok(None)) => errors.push(format!("{node} watches no master `{master}`")),
                Ok(Err(e)) => {
                    *open = None;
                    errors.push(format!("{node}: {e}"));
                }
                Err(_) => {
                    *open = None;
                    errors.push(format!("{node} did not answer"));
                }
            }
        }
        Err(format!(
            "no sentinel named the master `{master}`: {}",
            errors.join("; ")
        ))
    }
}

/// Asks the sentinel at `node` (over `open`, connected first if need be).
async fn ask(
    node: &str,
    open: &mut Option<MultiplexedConnection>,
    master: &str,
) -> redis::RedisResult<Option<(String, u16)>> {
    let connection = match open {
        Some(connection) => connection,
        None => {
            let client = redis::Client::open(node)?;
            open.insert(client.get_multiplexed_async_connection().await?)
        }
    };
    redis::cmd("SENTINEL")
        .arg("GET-MASTER-ADDR-BY-NAME")
        .arg(master)
        .query_async(connection)
        .await
}

/// The connection to whichever node is the master now.
pub(super) struct Failover {
    current: RwLock<(String, ConnectionManager)>,
}

impl Failover {
    pub(super) fn new(addr: String, manager: ConnectionManager) -> Arc<Self> {
        Arc::new(Self {
            current: RwLock::new((addr, manager)),
        })
    }

    /// The connection to the master (as of the last look).
    pub(super) fn manager(&self) -> ConnectionManager {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    fn addr(&self) -> String {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }
}

/// Asks the sentinels where the master is, every [`LOOK_EVERY`], and moves to it when it
/// changed; ends with `failover` (the store is gone). `connect` opens a connection to a
/// master URL that follows the bus, sending what it brings to `pushes`.
pub(super) async fn follow<F, Fut>(
    sentinels: Sentinels,
    failover: Weak<Failover>,
    pushes: UnboundedSender<PushInfo>,
    connect: F,
) where
    F: Fn(String, UnboundedSender<PushInfo>) -> Fut,
    Fut: std::future::Future<Output = Result<ConnectionManager, String>>,
{
    use futures_util::StreamExt as _;
    let mut asker = Asker::new(&sentinels);
    let mut switches = None;
    let mut ticks = tokio::time::interval(LOOK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if switches.is_none() {
            switches = announcements(&sentinels).await;
        }
        match &mut switches {
            // A sentinel announces a failover as it ends it: look at once.
            Some(announced) => tokio::select! {
                _ = ticks.tick() => {}
                switched = announced.next() => {
                    if switched.is_none() {
                        switches = None;
                    }
                }
            },
            None => {
                ticks.tick().await;
            }
        }
        let Some(known) = failover.upgrade().map(|f| f.addr()) else {
            return;
        };
        let addr = match asker.master_addr().await {
            Ok(addr) => addr,
            Err(e) => {
                tracing::warn!("Redis Sentinel: {e}");
                continue;
            }
        };
        if addr == known {
            continue;
        }
        match connect(sentinels.master_url(&addr), pushes.clone()).await {
            Ok(manager) => {
                let Some(failover) = failover.upgrade() else {
                    return;
                };
                tracing::warn!(from = %known, to = %addr, "Redis Sentinel: the master moved");
                *failover.current.write().unwrap_or_else(|e| e.into_inner()) = (addr, manager);
            }
            Err(e) => tracing::warn!("Redis Sentinel: the new master {addr}: {e}"),
        }
    }
}

/// The failovers a sentinel announces (`+switch-master`), from the first that answers.
async fn announcements(sentinels: &Sentinels) -> Option<redis::aio::PubSubStream> {
    for node in &sentinels.nodes {
        let subscribed = tokio::time::timeout(SENTINEL_TIMEOUT, async {
            let client = redis::Client::open(node.as_str())?;
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe("+switch-master").await?;
            Ok::<_, redis::RedisError>(pubsub.into_on_message())
        })
        .await;
        if let Ok(Ok(announced)) = subscribed {
            return Some(announced);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::Sentinels;

    #[test]
    fn a_sentinel_url_names_the_sentinels_and_the_master_set() {
        assert_eq!(Sentinels::parse("redis://127.0.0.1:6379"), None);
        assert_eq!(
            Sentinels::parse("redis+sentinel://a:26379, b:26380/mymaster"),
            Some(Ok(Sentinels {
                nodes: vec!["redis://a:26379".into(), "redis://b:26380".into()],
                master: "mymaster".into(),
                auth: String::new(),
            }))
        );
        let with_auth = Sentinels::parse("redis+sentinel://:secret@a:26379/m")
            .expect("a sentinel URL")
            .expect("well-formed");
        assert_eq!(
            with_auth.master_url("10.0.0.1:6379"),
            "redis://:secret@10.0.0.1:6379"
        );
        for bad in [
            "redis+sentinel://a:26379",
            "redis+sentinel://a:26379/",
            "redis+sentinel:///m",
        ] {
            assert!(
                matches!(Sentinels::parse(bad), Some(Err(_))),
                "{bad} is refused"
            );
        }
    }
}
