//! A loopback TCP proxy whose live connections a test can cut, to drop a stream in the
//! middle the way a flaky network would.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards every connection to `upstream` until cut.
pub struct Proxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    live: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free loopback port.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let live: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accepted = Arc::new(AtomicUsize::new(0));
        let upstream = Arc::new(Mutex::new(upstream));
        let task = tokio::spawn({
            let live = live.clone();
            let accepted = accepted.clone();
            let upstream = upstream.clone();
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let upstream = *upstream.lock().expect("proxy lock");
                    let pipe = tokio::spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    let mut live = live.lock().expect("proxy lock");
                    live.retain(|p| !p.is_finished());
                    live.push(pipe);
                }
            }
        });
        Self {
            addr,
            upstream,
            live,
            accepted,
            task,
        }
    }

    /// The MCP endpoint through the proxy.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// Drops every live connection (both directions, at once); returns how many.
    pub fn cut(&self) -> usize {
        let mut live = self.live.lock().expect("proxy lock");
        let mut cut = 0;
        for pipe in live.drain(..) {
            if !pipe.is_finished() {
                cut += 1;
            }
            pipe.abort();
        }
        cut
    }

    /// Sends new connections to `upstream` from now on (live ones stay until cut).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("proxy lock") = upstream;
    }

    /// How many connections it accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}
