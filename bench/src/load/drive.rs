//! Driving a server: sustained load for a fixed time, a burst of concurrent calls, and
//! opening many sessions.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Barrier, Semaphore};
use tokio::task::JoinSet;

use super::http::Conn;
use super::mcp::{Handshake, Script};
use super::reply::Reply;
use super::stats::Stats;

/// Where and how hard to drive.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The server.
    pub addr: SocketAddr,
    /// Load generator threads (one runtime each).
    pub threads: usize,
    /// Connections, spread over the threads.
    pub connections: usize,
    /// Unmeasured time first.
    pub warmup: Duration,
    /// Measured time.
    pub duration: Duration,
}

/// Runs `task(i)` for `count` tasks spread over `threads` single-threaded runtimes and
/// merges what they measured.
fn on_threads<F, Fut>(threads: usize, count: usize, task: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync,
    Fut: Future<Output = Stats> + 'static,
{
    let mut stats = Stats::default();
    for done in spread(threads, count, task) {
        stats.merge(done.unwrap_or_else(|e| {
            let mut s = Stats::default();
            s.error(|| e);
            s
        }));
    }
    stats
}

/// Runs `task(i)` for `count` tasks spread over `threads` single-threaded runtimes and
/// returns what each gave (or why it failed), in no particular order.
pub(super) fn spread<T, F, Fut>(threads: usize, count: usize, task: F) -> Vec<Result<T, String>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync,
    Fut: Future<Output = T> + 'static,
{
    let threads = threads.clamp(1, count.max(1));
    let task = &task;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a Tokio runtime");
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&runtime, async move {
                        let mut set = JoinSet::new();
                        for i in (t..count).step_by(threads) {
                            set.spawn_local(task(i));
                        }
                        let mut done = Vec::new();
                        while let Some(result) = set.join_next().await {
                            done.push(result.map_err(|e| format!("load task failed: {e}")));
                        }
                        done
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| vec![Err("a load thread panicked".to_owned())])
            })
            .collect()
    })
}

/// Sends `script`'s call over and over on every connection for the plan's warm-up and
/// duration; counts the calls that complete inside the measured window.
pub fn sustained(plan: &Plan, script: &Script) -> Stats {
    let start = Instant::now() + plan.warmup;
    let end = start + plan.duration;
    let script = Arc::new(script.clone());
    let mut stats = on_threads(plan.threads, plan.connections, |i| {
        connection(plan.addr, script.clone(), start, end, i)
    });
    stats.finish(plan.duration);
    stats
}

async fn connection(
    addr: SocketAddr,
    script: Arc<Script>,
    start: Instant,
    end: Instant,
    index: usize,
) -> Stats {
    let mut stats = Stats::default();
    let mut conn = match Conn::connect(addr).await {
        Ok(conn) => conn,
        Err(e) => {
            stats.error(|| format!("connect: {e}"));
            return stats;
        }
    };
    let mut out = Vec::with_capacity(1024);
    let mut reply = Reply::default();
    let session = match &script.session {
        Some(handshake) => match open_session(&mut conn, handshake, &mut out, &mut reply).await {
            Ok(session) => Some(session),
            Err(e) => {
                stats.error(|| e);
                return stats;
            }
        },
        None => None,
    };
    // Ids differ per connection and per call, as a real client's would.
    let mut id = (index as u64) << 32;
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        id += 1;
        script.call.write(&mut out, id, session.as_deref());
        reply.reset();
        let result = conn.exchange(&out, &mut reply).await;
        reply.finish();
        let done = Instant::now();
        if done < start || done > end {
            continue;
        }
        judge(
            &mut stats,
            result.map(|_| ()),
            &reply,
            script.expect_progress,
            done - sent,
        );
    }
    stats
}

/// Records one exchange: an answered call, or an error saying what went wrong.
pub(super) fn judge(
    stats: &mut Stats,
    result: std::io::Result<()>,
    reply: &Reply,
    expected: u32,
    latency: Duration,
) {
    match result {
        Err(e) => stats.error(|| format!("transport: {e}")),
        Ok(()) if reply.status != 200 => {
            stats.error(|| format!("HTTP {}: {}", reply.status, reply.snippet()));
        }
        Ok(()) if reply.responses != 1 => stats.error(|| {
            format!(
                "{} responses (after {} progress frames): {}",
                reply.responses,
                reply.progress,
                reply.snippet()
            )
        }),
        Ok(()) if reply.failed => stats.error(|| format!("error response: {}", reply.snippet())),
        Ok(()) => stats.call(latency, reply.progress, expected),
    }
}

pub(super) async fn open_session(
    conn: &mut Conn,
    handshake: &Handshake,
    out: &mut Vec<u8>,
    reply: &mut Reply,
) -> Result<String, String> {
    handshake.initialize.write(out, 0, None);
    reply.reset();
    conn.exchange(out, reply)
        .await
        .map_err(|e| format!("initialize: {e}"))?;
    reply.finish();
    let session = match (reply.status, reply.responses, &reply.session_id) {
        (200, 1, Some(id)) if !reply.failed => id.clone(),
        _ => {
            return Err(format!(
                "initialize: HTTP {}, session {:?}: {}",
                reply.status,
                reply.session_id,
                reply.snippet()
            ));
        }
    };
    handshake.initialized.write(out, 0, Some(&session));
    reply.reset();
    conn.exchange(out, reply)
        .await
        .map_err(|e| format!("notifications/initialized: {e}"))?;
    if reply.status != 202 {
        return Err(format!("notifications/initialized: HTTP {}", reply.status));
    }
    Ok(session)
}

/// Opens `count` connections (a few hundred at a time, so the listen backlog never
/// overflows), then sends one call on each at the same moment and reads every reply to
/// its end. `elapsed` of the result runs from that moment to the last reply.
pub fn burst(addr: SocketAddr, threads: usize, count: usize, script: &Script) -> Stats {
    let script = Arc::new(script.clone());
    let gate = Arc::new(Barrier::new(count));
    let connecting = Arc::new(Semaphore::new(256));
    let first_send = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let mut stats = on_threads(threads, count, |i| {
        let (script, gate, connecting, first_send) = (
            script.clone(),
            gate.clone(),
            connecting.clone(),
            first_send.clone(),
        );
        async move {
            let mut stats = Stats::default();
            let conn = {
                let _permit = connecting.acquire().await;
                Conn::connect(addr).await
            };
            // Every task reaches the gate, connected or not, or the others would wait forever.
            gate.wait().await;
            let mut conn = match conn {
                Ok(conn) => conn,
                Err(e) => {
                    stats.error(|| format!("connect: {e}"));
                    return stats;
                }
            };
            let mut out = Vec::with_capacity(1024);
            let mut reply = Reply::default();
            script.call.write(&mut out, (i as u64) + 1, None);
            let sent = Instant::now();
            first_send
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get_or_insert(sent);
            let result = conn.exchange(&out, &mut reply).await;
            reply.finish();
            let done = Instant::now();
            judge(
                &mut stats,
                result.map(|_| ()),
                &reply,
                script.expect_progress,
                done - sent,
            );
            stats
        }
    });
    let started = first_send
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .unwrap_or_else(Instant::now);
    stats.finish(started.elapsed());
    stats
}

/// Opens `count` sessions (`initialize` + `notifications/initialized`) over `connections`
/// keep-alive connections and leaves them idle. `calls` of the result counts the sessions
/// opened.
pub fn open_sessions(plan: &Plan, count: usize, handshake: &Handshake) -> Stats {
    let handshake = Arc::new(handshake.clone());
    let connections = plan.connections.min(count);
    let started = Instant::now();
    let mut stats = on_threads(plan.threads, connections, |i| {
        let handshake = handshake.clone();
        let addr = plan.addr;
        async move {
            let mut stats = Stats::default();
            let mut conn = match Conn::connect(addr).await {
                Ok(conn) => conn,
                Err(e) => {
                    stats.error(|| format!("connect: {e}"));
                    return stats;
                }
            };
            let mut out = Vec::new();
            let mut reply = Reply::default();
            for _ in (i..count).step_by(connections) {
                let sent = Instant::now();
                match open_session(&mut conn, &handshake, &mut out, &mut reply).await {
                    Ok(_) => stats.call(sent.elapsed(), 0, 0),
                    Err(e) => stats.error(|| e),
                }
            }
            stats
        }
    });
    stats.finish(started.elapsed());
    stats
}
