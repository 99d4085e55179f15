//! The Redis behind the `ours-redis` server: `MCP_REDIS_URL` if set, else a
//! `redis-server` (Debian's `redis-server` package) that the driver starts on a free
//! loopback port for the run and stops afterwards.

use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::cli::Options;
use crate::servers::Kind;

/// The variable that names the Redis, for the driver and its children alike.
pub const URL_VARIABLE: &str = "MCP_REDIS_URL";

static STARTED: OnceLock<String> = OnceLock::new();

/// The Redis the children use, if any.
pub fn url() -> Option<String> {
    STARTED
        .get()
        .cloned()
        .or_else(|| std::env::var(URL_VARIABLE).ok())
}

/// A redis-server this run started; stopped on drop.
pub struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a redis-server when `ours-redis` is to run and no `MCP_REDIS_URL` is set.
pub fn start_if_needed(options: &Options) -> anyhow::Result<Option<Started>> {
    if !options.servers.contains(&Kind::OursRedis) || url().is_some() {
        return Ok(None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("starting redis-server for ours-redis (install it: apt-get install -y redis-server, or set MCP_REDIS_URL)")?;
    let started = Started(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("redis-server did not listen on port {port}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("redis://127.0.0.1:{port}");
    eprintln!("bench: redis-server at {url} for ours-redis");
    let _ = STARTED.set(url);
    Ok(Some(started))
}

/// The child's store: the driver's Redis, under a prefix of its own process.
pub fn store_for_child() -> anyhow::Result<mcp_runtime::store::RedisStore> {
    let url = std::env::var(URL_VARIABLE).context("ours-redis needs MCP_REDIS_URL")?;
    Ok(mcp_runtime::store::RedisStore::new(url).prefix(format!("bench{}", std::process::id())))
}
