//! One connection type for a single Redis node and for a Redis Cluster: `MCP_REDIS_URL`
//! naming several nodes, comma-separated, means a cluster. Every script of the store keeps
//! its keys in one hash slot (see `keys`), so both run the same commands; the only
//! difference is a pipeline that spans slots (the heartbeat's), which a cluster runs
//! command by command ([`Connection::run_each`]). A `redis+sentinel://` URL means the
//! master Redis Sentinel names (see `sentinel`).

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// A connection to one node (reconnecting by itself), to a cluster, or to the master
/// that Redis Sentinel names now.
#[derive(Clone)]
pub(super) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    Sentinel(std::sync::Arc<super::sentinel::Failover>),
}

impl Connection {
    /// Runs `pipe`, whose commands' results are all ignored, even if its keys lie in
    /// several slots: on a cluster, command by command (not atomically).
    pub(super) async fn run_each(&mut self, pipe: &Pipeline) -> redis::RedisResult<()> {
        match self {
            Self::Single(connection) => pipe.query_async::<()>(connection).await,
            Self::Sentinel(failover) => pipe.query_async::<()>(&mut failover.manager()).await,
            Self::Cluster(connection) => {
                for command in pipe.cmd_iter() {
                    command.query_async::<()>(connection).await?;
                }
                Ok(())
            }
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(connection) => connection.req_packed_command(cmd),
            Self::Cluster(connection) => connection.req_packed_command(cmd),
            Self::Sentinel(failover) => {
                let mut connection = failover.manager();
                Box::pin(async move { connection.req_packed_command(cmd).await })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(connection) => connection.req_packed_commands(cmd, offset, count),
            Self::Cluster(connection) => connection.req_packed_commands(cmd, offset, count),
            Self::Sentinel(failover) => {
                let mut connection = failover.manager();
                Box::pin(async move { connection.req_packed_commands(cmd, offset, count).await })
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(connection) => connection.get_db(),
            Self::Cluster(connection) => connection.get_db(),
            Self::Sentinel(failover) => failover.manager().get_db(),
        }
    }
}

/// A Lua script of the store, declared with a shebang (`#!lua`, Redis 7): Redis then
/// knows it writes. On a cluster that matters after a failover: a node turned replica
/// answers a write with a redirection to the new master (and the client learns the new
/// layout), where a script without a shebang, taken for a read by a connection in
/// `READONLY` mode (the cluster client's), would run there and fail with `READONLY`, on
/// and on.
pub(super) fn script(body: &str) -> redis::Script {
    redis::Script::new(&format!("#!lua\n{}", body.trim_start()))
}

/// The nodes `url` names when it names a cluster (several, comma-separated); `None` for
/// one node, or for sentinels (`redis+sentinel://`, whose list names sentinels).
pub(super) fn cluster_nodes(url: &str) -> Option<Vec<String>> {
    if url.trim().starts_with("redis+sentinel://") {
        return None;
    }
    let nodes: Vec<String> = url
        .split(',')
        .map(str::trim)
        .filter(|node| !node.is_empty())
        .map(str::to_owned)
        .collect();
    (nodes.len() > 1).then_some(nodes)
}

#[cfg(test)]
mod tests {
    use super::cluster_nodes;

    #[test]
    fn several_comma_separated_nodes_mean_a_cluster() {
        assert_eq!(cluster_nodes("redis://127.0.0.1:6379"), None);
        assert_eq!(cluster_nodes("redis+sentinel://a:26379,b:26379/m"), None);
        assert_eq!(
            cluster_nodes("redis://a:1,"),
            None,
            "one node and a stray comma"
        );
        assert_eq!(
            cluster_nodes("redis://a:7000, redis://b:7001,redis://c:7002"),
            Some(vec![
                "redis://a:7000".to_owned(),
                "redis://b:7001".to_owned(),
                "redis://c:7002".to_owned()
            ])
        );
    }
}
