//! The three servers under test, and running each as its own process.
//!
//! Every server listens on a loopback port, prints `PORT <n>` on stdout, and serves
//! [`spec::PATH`] with the tools of [`spec::tools`] until killed. All run on the same Tokio
//! runtime configuration (multi-threaded, one worker per core the process may use) with
//! `TCP_NODELAY` on every connection, so the comparison is of the frameworks, not of their
//! setup. `ours` is served the way users run it: `Server::serve()`, with its own accept loop,
//! its limits and its default logging (`MCP_LOG=info`); `ours-router` is its router on
//! `axum::serve` with no logging, as the other two.
//!
//! [`spec::PATH`]: crate::spec::PATH
//! [`spec::tools`]: crate::spec::tools

pub mod floor;
pub mod ours;
pub mod rmcp;
pub mod secured;
pub mod soak;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;
use axum::serve::ListenerExt as _;

use crate::pin::{self, Layout, Memory};

/// A server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `mcp-runtime`, this workspace, as users run it: `Server::serve()` with its defaults.
    Ours,
    /// `mcp-runtime`'s router on `axum::serve`, no logging: what `ours` measured before.
    OursRouter,
    /// `rmcp`, the official Rust SDK.
    Rmcp,
    /// A bare axum handler: the floor.
    Floor,
    /// Ours with JWT auth and the Prometheus endpoint on (workload g only).
    Secured,
    /// `mcp-runtime` with the Redis store (sessions in Redis, as a replica of many):
    /// compared with [`Kind::Ours`]. Not in the default set: `--servers ours,ours-redis`.
    OursRedis,
    /// Ours on its own accept loop with short timeouts and metrics (workload h only).
    Soak,
}

impl Kind {
    /// Every server, in table order.
    pub const ALL: [Kind; 3] = [Kind::Ours, Kind::Rmcp, Kind::Floor];

    /// The name used on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::OursRouter => "ours-router",
            Kind::Rmcp => "rmcp",
            Kind::Floor => "floor",
            Kind::Secured => "ours+auth",
            Kind::OursRedis => "ours-redis",
            Kind::Soak => "ours-soak",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .chain([Kind::OursRouter, Kind::Secured, Kind::OursRedis, Kind::Soak])
            .find(|k| k.name() == name)
    }
}

/// The child's part: serve `kind` until killed.
pub fn serve(kind: Kind) -> anyhow::Result<()> {
    // Sized from the affinity mask, so a server pinned to one core gets one worker.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if kind == Kind::Ours {
            return serve_as_users_do().await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        if kind == Kind::Soak {
            let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            println!("PROBE {}", probe.local_addr()?.port());
            tokio::spawn(async move { axum::serve(probe, soak::probe()).await });
            println!("PORT {port}");
            // Never stops by itself: the driver kills the process.
            soak::server()
                .serve_with_shutdown(listener, std::future::pending())
                .await?;
            return Ok(());
        }
        let router = match kind {
            Kind::OursRouter => ours::router(),
            Kind::OursRedis => ours::server()
                .store(crate::redis::store_for_child()?)
                .router(),
            Kind::Rmcp => rmcp::router(),
            Kind::Floor => floor::router(),
            Kind::Ours | Kind::Soak => unreachable!("served above, on its own accept loop"),
            Kind::Secured => {
                let (router, token) = secured::router(port).await?;
                println!("TOKEN {token}");
                router
            }
        };
        println!("PORT {port}");
        let listener = listener.tap_io(|tcp| {
            // Small SSE frames must not wait for Nagle's algorithm; set for all three.
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, router).await?;
        anyhow::Ok(())
    })
}

/// `ours` as a user's binary runs it: `serve()` on `MCP_ADDR` (a free port the parent chose),
/// reading the `MCP_*` settings and installing the default log subscriber. `PORT` is
/// printed once it accepts connections.
async fn serve_as_users_do() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::var("MCP_ADDR")
        .context("MCP_ADDR (set by the parent)")?
        .parse()?;
    let server = tokio::spawn(ours::server().serve());
    for _ in 0..400 {
        if server.is_finished() {
            break;
        }
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            println!("PORT {}", addr.port());
            server.await??;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    match server.is_finished() {
        true => server.await?.context("serve() stopped"),
        false => anyhow::bail!("serve() did not listen on {addr} within 10 s"),
    }
}

/// A server running in a child process; killed when dropped.
pub struct Spawned {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The bearer token its requests need, if any.
    pub token: Option<String>,
    /// Where its probe listens (the soak server's `GET /tasks`), if it has one.
    pub probe: Option<SocketAddr>,
}

impl Spawned {
    /// Starts `kind` as `<this exe> serve <kind>`, pinned per `layout`, and waits until it
    /// listens.
    pub fn start(kind: Kind, layout: &Layout) -> anyhow::Result<Self> {
        Self::start_with_env(kind, layout, &[])
    }

    /// [`start`](Self::start), with these environment variables set for the server (a
    /// `serve()` binary reads `MCP_*` ones over its builder's settings).
    pub fn start_with_env(
        kind: Kind,
        layout: &Layout,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe()?;
        let mut command = match &layout.server {
            Some(cpus) => {
                let mut c = Command::new("taskset");
                c.args(["-c", cpus]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        // Only `ours-redis` gets the Redis: `ours` is a `serve()` binary, which would take
        // `MCP_REDIS_URL` (set here or inherited) for its own store.
        match crate::redis::url() {
            Some(url) if kind == Kind::OursRedis => {
                command.env(crate::redis::URL_VARIABLE, url);
            }
            _ => {
                command.env_remove(crate::redis::URL_VARIABLE);
            }
        }
        if kind == Kind::Ours {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            command.env("MCP_ADDR", format!("127.0.0.1:{port}"));
        }
        let mut child = command
            .envs(env.iter().copied())
            .args(["serve", kind.name()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the {} server", kind.name()))?;
        let stdout = child.stdout.take().context("child stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut token = None;
        let mut probe = None;
        let port = loop {
            let line = lines
                .next()
                .with_context(|| format!("the {} server exited before listening", kind.name()))??;
            if let Some(t) = line.strip_prefix("TOKEN ") {
                token = Some(t.trim().to_owned());
            }
            if let Some(p) = line.strip_prefix("PROBE ") {
                probe = Some(SocketAddr::from(([127, 0, 0, 1], p.trim().parse::<u16>()?)));
            }
            if let Some(port) = line.strip_prefix("PORT ") {
                break port.trim().parse::<u16>()?;
            }
        };
        // Keep draining its stdout so a chatty server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            token,
            probe,
        })
    }

    /// The server process's memory now.
    pub fn memory(&self) -> Option<Memory> {
        pin::memory(self.child.id())
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
