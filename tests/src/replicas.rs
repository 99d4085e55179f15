//! A real multi-replica deployment on loopback ports, for `tests/tests/replicas.rs`: a
//! Redis server, replicas of the `replica` binary using the Redis store, and nginx
//! round-robin in front of them with `deploy/nginx/mcp.conf.template`.
//!
//! Redis and nginx are Debian's `redis-server` and `nginx`, installed with `apt-get` when
//! missing; each runs with its files in a temporary directory and is stopped on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command as AsyncCommand};

/// A free port on 127.0.0.1 (bound and released: good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A scratch directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory under the system's temp dir.
    pub fn new(name: &str) -> Self {
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let unique = format!("mcp-{name}-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits until something accepts TCP connections on `port` (at most `limit`).
pub async fn wait_for_port(port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// `redis-server` on 127.0.0.1:`port` with its files in `dir`, no protected mode, quiet;
/// each caller adds its persistence and role.
fn redis_server(port: u16, dir: &TempDir) -> AsyncCommand {
    let mut command = AsyncCommand::new(mcp_testkit::require("redis-server", "redis-server"));
    command
        .args(["--bind", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg("--dir")
        .arg(&dir.0)
        .args(["--protected-mode", "no", "--loglevel", "warning"]);
    command
}

/// A node of a replicated set (Sentinel's, a cluster's): nothing persisted, and a replica
/// syncs at once (the default waits 5 s for more of them).
const REPLICATED: [&str; 6] = [
    "--save",
    "",
    "--appendonly",
    "no",
    "--repl-diskless-sync-delay",
    "0",
];

fn spawn(mut command: AsyncCommand, what: &str) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"))
}

/// [`spawn`], then waits (up to 10 s) until it listens on `port`.
async fn spawn_listening(command: AsyncCommand, what: &str, port: u16) -> Child {
    let child = spawn(command, what);
    assert!(
        wait_for_port(port, Duration::from_secs(10)).await,
        "{what} did not listen on port {port}"
    );
    child
}

/// Sends `signal` (`-TERM`, `-KILL`) to a process.
pub fn signal(child: &Child, signal: &str) {
    if let Some(pid) = child.id() {
        let _ = Command::new("kill")
            .arg(signal)
            .arg(pid.to_string())
            .status();
    }
}

/// A Redis server on a loopback port, persisting to an append-only file in its temp dir
/// (so a restart keeps the sessions).
pub struct Redis {
    /// Its port.
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl Redis {
    /// Starts Redis on a free port.
    pub async fn start() -> Self {
        let mut redis = Self {
            port: free_port(),
            dir: TempDir::new("redis"),
            child: None,
        };
        redis.run().await;
        redis
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn run(&mut self) {
        let mut command = redis_server(self.port, &self.dir);
        command.args([
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ]);
        self.child = Some(spawn(command, "redis-server"));
        assert!(
            wait_for_port(self.port, Duration::from_secs(10)).await,
            "redis-server did not start on port {}",
            self.port
        );
    }

    /// Stops Redis (SIGTERM: it writes what it holds) and waits for it to exit.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(&child, "-TERM");
            let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
        }
    }

    /// Starts it again on the same port, with the same data.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.run().await;
    }
}

/// What `redis-cli` prints for `args` sent to the node on `port`.
async fn node_cli(port: u16, args: &[&str]) -> String {
    let cli = mcp_testkit::require("redis-cli", "redis-tools");
    let output = AsyncCommand::new(&cli)
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .await
        .expect("run redis-cli");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A master, a replica of it and one Redis Sentinel watching them (master set
/// `mymaster`), on loopback ports; the sentinel runs `redis-server --sentinel` on a config
/// file in its temp dir (it rewrites it).
pub struct RedisSentinel {
    /// The sentinel's port.
    pub port: u16,
    /// The ports of the first master and of its replica.
    pub nodes: [u16; 2],
    _dirs: Vec<TempDir>,
    _children: Vec<Child>,
}

impl RedisSentinel {
    /// The master set's name.
    pub const MASTER: &'static str = "mymaster";

    /// Starts the master, its replica and the sentinel; returns once the sentinel knows
    /// the replica (a failover needs one).
    pub async fn start() -> Self {
        let (mut dirs, mut children, mut ports) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..2 {
            let port = free_port();
            let dir = TempDir::new("redis-sentinel-node");
            let mut command = redis_server(port, &dir);
            command.args(REPLICATED);
            if let Some(master) = ports.first() {
                command
                    .args(["--replicaof", "127.0.0.1"])
                    .arg(format!("{master}"));
            }
            children.push(spawn_listening(command, "a redis-server for Sentinel", port).await);
            ports.push(port);
            dirs.push(dir);
        }
        let nodes = [ports[0], ports[1]];
        let port = free_port();
        let dir = TempDir::new("redis-sentinel");
        let config = dir.0.join("sentinel.conf");
        std::fs::write(
            &config,
            format!(
                "port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {}\nsentinel monitor {m} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {m} 1000\nsentinel failover-timeout {m} 5000\n",
                dir.0.display(),
                nodes[0],
                m = Self::MASTER,
            ),
        )
        .expect("write sentinel.conf");
        let server = mcp_testkit::require("redis-server", "redis-server");
        let mut command = AsyncCommand::new(server);
        command
            .arg(&config)
            .args(["--sentinel", "--loglevel", "warning"]);
        children.push(spawn_listening(command, "redis-server --sentinel", port).await);
        dirs.push(dir);
        let sentinel = Self {
            port,
            nodes,
            _dirs: dirs,
            _children: children,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let replica = format!("{}", nodes[1]);
        while !sentinel
            .cli(&["sentinel", "replicas", Self::MASTER])
            .await
            .lines()
            .any(|l| l == replica)
        {
            assert!(
                Instant::now() < deadline,
                "the sentinel never found the replica"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        sentinel.caught_up().await;
        sentinel
    }

    /// Waits until the replica has every write the master has now: a probe written on
    /// the master reaches it (replication is asynchronous, and after its first sync a
    /// replica gets nothing more until its first acknowledgment, up to a second later).
    async fn caught_up(&self) {
        let [master, replica] = self.nodes;
        let probe = format!("{:?}", Instant::now());
        let set = node_cli(master, &["set", "mcp-test-probe", &probe]).await;
        assert_eq!(set.trim(), "OK", "probe on the master: {set}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while node_cli(replica, &["get", "mcp-test-probe"]).await.trim() != probe {
            assert!(Instant::now() < deadline, "the replica never caught up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `redis+sentinel://127.0.0.1:PORT/mymaster`.
    pub fn url(&self) -> String {
        format!("redis+sentinel://127.0.0.1:{}/{}", self.port, Self::MASTER)
    }

    /// What `redis-cli` prints for `args` sent to the sentinel.
    pub async fn cli(&self, args: &[&str]) -> String {
        node_cli(self.port, args).await
    }

    /// The master's port, as the sentinel names it.
    pub async fn master_port(&self) -> Option<u16> {
        let addr = self
            .cli(&["sentinel", "get-master-addr-by-name", Self::MASTER])
            .await;
        addr.lines().nth(1).and_then(|p| p.trim().parse().ok())
    }

    /// Makes the sentinel promote the replica (`SENTINEL FAILOVER`) once it has every
    /// write of the master (`WAIT`: replication is asynchronous), and waits until the
    /// sentinel names it the master and the old master has become its replica (refusing
    /// writes).
    pub async fn fail_over(&self) {
        let before = self.master_port().await;
        let old = before.expect("a master before");
        self.caught_up().await;
        let answer = self.cli(&["sentinel", "failover", Self::MASTER]).await;
        assert!(answer.trim() == "OK", "SENTINEL FAILOVER: {answer}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.master_port().await == before {
            assert!(Instant::now() < deadline, "the failover never happened");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        loop {
            if node_cli(old, &["role"]).await.starts_with("slave") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the old master never became a replica"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A Redis Cluster of three masters (no replicas) on loopback ports, each node with its
/// files in its own temp dir; `redis-cli` (Debian's `redis-tools`) joins them.
pub struct RedisCluster {
    /// The nodes' ports.
    pub ports: Vec<u16>,
    _dirs: Vec<TempDir>,
    _nodes: Vec<Child>,
}

impl RedisCluster {
    /// Starts three nodes and creates the cluster; returns once every node reports it ok.
    pub async fn start() -> Self {
        Self::start_nodes(0).await
    }

    /// Three masters, each with a replica (six nodes).
    pub async fn start_replicated() -> Self {
        Self::start_nodes(1).await
    }

    async fn start_nodes(replicas: usize) -> Self {
        let cli = mcp_testkit::require("redis-cli", "redis-tools");
        let (mut ports, mut dirs, mut nodes) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..3 * (1 + replicas) {
            let port = free_port();
            let dir = TempDir::new("redis-cluster");
            let mut command = redis_server(port, &dir);
            command
                // The cluster bus gets a free port of its own: by default it is the
                // client port + 10000, which may be taken or past 65535.
                .arg("--cluster-port")
                .arg(free_port().to_string())
                .args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(dir.0.join("nodes.conf"))
                .args(REPLICATED);
            nodes.push(spawn_listening(command, "a redis-server cluster node", port).await);
            ports.push(port);
            dirs.push(dir);
        }
        let created = AsyncCommand::new(&cli)
            .arg("--cluster")
            .arg("create")
            .args(ports.iter().map(|p| format!("127.0.0.1:{p}")))
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status()
            .await
            .expect("run redis-cli --cluster create");
        assert!(created.success(), "redis-cli --cluster create failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in &ports {
            loop {
                let info = AsyncCommand::new(&cli)
                    .args(["-p", &port.to_string(), "cluster", "info"])
                    .output()
                    .await
                    .expect("redis-cli cluster info");
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(Instant::now() < deadline, "the cluster never became ok");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Self {
            ports,
            _dirs: dirs,
            _nodes: nodes,
        }
    }

    /// Has every replica take over from its master (`CLUSTER FAILOVER`, coordinated: no
    /// write is lost), and waits until each is a master and the cluster is ok again.
    pub async fn fail_over_every_master(&self) {
        let deadline = Instant::now() + Duration::from_secs(40);
        let mut promoted = Vec::new();
        for port in &self.ports {
            if node_cli(*port, &["role"]).await.starts_with("slave") {
                promoted.push(*port);
            }
        }
        assert!(!promoted.is_empty(), "a cluster without replicas");
        for port in promoted {
            // A replica takes over once it is in sync; asked again, more firmly, if it gave
            // up: coordinated, then forced (no handshake with its master, still elected),
            // then a takeover (no election: the masters' votes can be slow to come on a
            // loaded machine, and nothing here partitions the cluster).
            let mut asked: Option<Instant> = None;
            let mut tries = 0;
            while !node_cli(port, &["role"]).await.starts_with("master") {
                if Instant::now() >= deadline {
                    let replication = node_cli(port, &["info", "replication"]).await;
                    let nodes = node_cli(port, &["cluster", "nodes"]).await;
                    panic!(
                        "{port} never took over ({tries} tries, the last {asked:?}):\n{replication}\n{nodes}"
                    );
                }
                let synced = node_cli(port, &["info", "replication"])
                    .await
                    .contains("master_link_status:up");
                if synced && asked.is_none_or(|at| at.elapsed() > Duration::from_secs(6)) {
                    // The master is up and the replica in sync: nothing is lost either way.
                    let args: &[&str] = match tries {
                        0 => &["cluster", "failover"],
                        1 => &["cluster", "failover", "force"],
                        _ => &["cluster", "failover", "takeover"],
                    };
                    let answer = node_cli(port, args).await;
                    assert_eq!(answer.trim(), "OK", "CLUSTER FAILOVER on {port}: {answer}");
                    asked = Some(Instant::now());
                    tries += 1;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        for port in &self.ports {
            while !node_cli(*port, &["cluster", "info"])
                .await
                .contains("cluster_state:ok")
            {
                assert!(Instant::now() < deadline, "the cluster never became ok");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// What `redis-cli` prints for `args` on each node, one node after another.
    pub async fn on_each_node(&self, args: &[&str]) -> String {
        let cli = mcp_testkit::require("redis-cli", "redis-tools");
        let mut printed = String::new();
        for port in &self.ports {
            let output = AsyncCommand::new(&cli)
                .args(["-p", &port.to_string()])
                .args(args)
                .output()
                .await
                .expect("run redis-cli");
            printed.push_str(&String::from_utf8_lossy(&output.stdout));
        }
        printed
    }

    /// Every node's `redis://` URL, comma-separated (what `MCP_REDIS_URL` takes).
    pub fn url(&self) -> String {
        self.ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// One replica: the `replica` binary with the Redis store.
pub struct Replica {
    /// Its port.
    pub port: u16,
    /// The process.
    pub child: Child,
}

impl Replica {
    /// Starts a replica on `port` with the store at `redis`.
    pub async fn start(binary: &Path, port: u16, redis: &str, lease: Duration) -> Self {
        Self::start_with(binary, port, redis, lease, &[]).await
    }

    /// [`start`](Self::start) with more environment variables (settings such as
    /// `MCP_MAX_SESSIONS`).
    pub async fn start_with(
        binary: &Path,
        port: u16,
        redis: &str,
        lease: Duration,
        env: &[(&str, &str)],
    ) -> Self {
        let mut command = AsyncCommand::new(binary);
        command.envs(env.iter().copied());
        command
            .env("MCP_ADDR", format!("127.0.0.1:{port}"))
            .env("MCP_REDIS_URL", redis)
            .env("MCP_REDIS_LEASE_MS", lease.as_millis().to_string())
            .env("RUST_LOG", "warn");
        let child = spawn_listening(command, "a replica", port).await;
        Self { port, child }
    }

    /// `http://127.0.0.1:PORT/mcp`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

/// nginx on a loopback port, round-robin over the replicas, configured from
/// `deploy/nginx/mcp.conf.template`.
pub struct Nginx {
    /// Its port.
    pub port: u16,
    _dir: TempDir,
    child: Child,
}

impl Nginx {
    /// Starts nginx in front of `replicas` (`host:port` each).
    pub async fn start(replicas: &[String]) -> Self {
        let program = mcp_testkit::require("nginx", "nginx");
        let dir = TempDir::new("nginx");
        let port = free_port();
        let template =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx/mcp.conf.template");
        let mut site = std::fs::read_to_string(&template)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", template.display()))
            .replace("${MCP_LISTEN}", &format!("127.0.0.1:{port}"));
        for (i, replica) in replicas.iter().enumerate() {
            site = site.replace(&format!("${{MCP_REPLICA_{}}}", i + 1), replica);
        }
        let root = &dir.0;
        std::fs::write(root.join("mcp.conf"), site).expect("write the site");
        // One process, no master: dropping the child (SIGKILL) then leaves no worker behind
        // holding the port.
        let main = format!(
            "master_process off;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\nevents {{ worker_connections 256; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {root}/body;\n  proxy_temp_path {root}/proxy;\n  fastcgi_temp_path {root}/fastcgi;\n  uwsgi_temp_path {root}/uwsgi;\n  scgi_temp_path {root}/scgi;\n  include {root}/mcp.conf;\n}}\n",
            root = root.display()
        );
        std::fs::write(root.join("nginx.conf"), main).expect("write nginx.conf");
        let mut command = AsyncCommand::new(program);
        command
            .arg("-p")
            .arg(root)
            .arg("-c")
            .arg(root.join("nginx.conf"))
            .args(["-g", "daemon off;"]);
        let child = spawn(command, "nginx");
        assert!(
            wait_for_port(port, Duration::from_secs(10)).await,
            "nginx did not start on port {port}; its log: {}",
            std::fs::read_to_string(root.join("error.log")).unwrap_or_default()
        );
        Self {
            port,
            _dir: dir,
            child,
        }
    }

    /// `http://127.0.0.1:PORT/mcp`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        signal(&self.child, "-QUIT");
    }
}

/// Redis, three replicas and nginx in front.
pub struct Deployment {
    /// The Redis server.
    pub redis: Redis,
    /// The replicas.
    pub replicas: Vec<Replica>,
    /// The load balancer.
    pub nginx: Nginx,
}

/// Three replicas and nginx in front of them, on a master that Redis Sentinel names.
pub struct SentinelDeployment {
    /// The master, its replica and the sentinel.
    pub sentinel: RedisSentinel,
    /// The replicas.
    pub replicas: Vec<Replica>,
    /// The load balancer.
    pub nginx: Nginx,
}

impl SentinelDeployment {
    /// Starts everything; `binary` is the replica's, `lease` its calls' lease.
    pub async fn start(binary: &Path, lease: Duration) -> Self {
        let sentinel = RedisSentinel::start().await;
        let (replicas, nginx) = front(binary, lease, &[], &sentinel.url()).await;
        Self {
            sentinel,
            replicas,
            nginx,
        }
    }
}

/// Three replicas and nginx in front of them, on a Redis Cluster.
pub struct ClusterDeployment {
    /// The cluster.
    pub cluster: RedisCluster,
    /// The replicas.
    pub replicas: Vec<Replica>,
    /// The load balancer.
    pub nginx: Nginx,
}

impl ClusterDeployment {
    /// Starts everything; `binary` is the replica's, `lease` its calls' lease.
    pub async fn start(binary: &Path, lease: Duration) -> Self {
        Self::start_with(binary, lease, &[]).await
    }

    /// [`start`](Self::start) on a cluster whose masters each have a replica.
    pub async fn start_replicated(binary: &Path, lease: Duration) -> Self {
        let cluster = RedisCluster::start_replicated().await;
        let (replicas, nginx) = front(binary, lease, &[], &cluster.url()).await;
        Self {
            cluster,
            replicas,
            nginx,
        }
    }

    /// [`start`](Self::start) with more environment variables for every replica.
    pub async fn start_with(binary: &Path, lease: Duration, env: &[(&str, &str)]) -> Self {
        let cluster = RedisCluster::start().await;
        let (replicas, nginx) = front(binary, lease, env, &cluster.url()).await;
        Self {
            cluster,
            replicas,
            nginx,
        }
    }
}

/// Three replicas on the store at `url`, and nginx in front of them.
async fn front(
    binary: &Path,
    lease: Duration,
    env: &[(&str, &str)],
    url: &str,
) -> (Vec<Replica>, Nginx) {
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(Replica::start_with(binary, free_port(), url, lease, env).await);
    }
    let upstreams: Vec<String> = replicas
        .iter()
        .map(|r| format!("127.0.0.1:{}", r.port))
        .collect();
    let nginx = Nginx::start(&upstreams).await;
    (replicas, nginx)
}

impl Deployment {
    /// Starts everything; `binary` is the replica's, `lease` its calls' lease.
    pub async fn start(binary: &Path, lease: Duration) -> Self {
        Self::start_with(binary, lease, &[]).await
    }

    /// [`start`](Self::start) with more environment variables for every replica.
    pub async fn start_with(binary: &Path, lease: Duration, env: &[(&str, &str)]) -> Self {
        let redis = Redis::start().await;
        let (replicas, nginx) = front(binary, lease, env, &redis.url()).await;
        Self {
            redis,
            replicas,
            nginx,
        }
    }
}
