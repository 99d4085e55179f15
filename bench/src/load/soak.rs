//! The soak's load (workload h): thousands of streaming calls in flight at once, half
//! stateless and half each in its own session, read by four kinds of reader mixed
//! together. The readers that stay must get every frame, in order; the ones that vanish must
//! leave nothing behind on the server (the workload checks that part).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Semaphore};

use super::drive::{judge, open_session, spread};
use super::http::{Conn, Pace};
use super::mcp::{self, Era, Handshake};
use super::reply::Reply;
use super::stats::Stats;

/// How a call's reader behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Reads as fast as it can.
    Fast,
    /// Stops reading for a while after the head, then reads a few KiB at a time: the
    /// server must hold the tool back, not drop frames.
    Slow,
    /// Reads the start and closes the connection.
    Gone,
    /// Reads the start, then nothing, keeping the connection open: the server must cut it
    /// off after its write timeout.
    Frozen,
}

impl Reader {
    /// Every kind, in report order.
    pub const ALL: [Reader; 4] = [Reader::Fast, Reader::Slow, Reader::Gone, Reader::Frozen];

    /// The reader of call `i`: one in ten slow, one in ten gone, one in ten frozen.
    fn of(i: usize) -> Self {
        match i % 10 {
            0 => Self::Slow,
            1 => Self::Gone,
            2 => Self::Frozen,
            _ => Self::Fast,
        }
    }

    /// Whether it reads its call to the end.
    pub fn stays(self) -> bool {
        matches!(self, Self::Fast | Self::Slow)
    }

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Fast => "fast",
            Self::Slow => "slow",
            Self::Gone => "gone",
            Self::Frozen => "frozen",
        }
    }

    /// Progress frames its call asks for: the slow reader's is far more than the socket
    /// buffers hold; the vanishing readers' would run for minutes if nothing stopped it.
    fn frames(self) -> u32 {
        match self {
            Self::Fast => 100,
            Self::Slow => 2_000,
            Self::Gone | Self::Frozen => 1_000_000,
        }
    }

    /// `SO_RCVBUF` of the slow reader's connection: small, so the window it offers is too
    /// and the server's writes block soon. The others keep the default: a frozen reader
    /// must be able to drain what the kernel still holds quickly when it finally reads.
    fn receive_buffer(self) -> Option<u32> {
        (self == Self::Slow).then_some(16 * 1024)
    }
}

/// The slow reader's pace: a second without reading, then 4 KiB every 5 ms (about
/// 800 KiB/s, and far less when its thread is busy with the others).
fn slow_pace() -> Pace {
    Pace {
        pause: Duration::from_secs(1),
        chunk: 4096,
        gap: Duration::from_millis(5),
    }
}

/// What the readers of one kind saw.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// Answered calls, frames, losses and errors (for the vanishing kinds: an error is a
    /// reader that could not even start).
    pub stats: Stats,
    /// Progress frames out of order, over all its calls.
    pub out_of_order: u64,
    /// Frozen readers whose connection the server closed.
    pub cut_off: u64,
}

/// What the soak saw, per kind of reader.
#[derive(Debug, Clone)]
pub struct SoakLoad {
    /// In [`Reader::ALL`] order.
    pub readers: Vec<(Reader, Seen)>,
    /// From the moment the calls were sent to the end of the last reader.
    pub elapsed: Duration,
}

/// The longest one reader may take, whatever happens: past it, it counts as an error.
const READER_LIMIT: Duration = Duration::from_secs(300);

/// How long the frozen readers wait, once the others are done, for the server to end every
/// call still running (each frozen reader's is cut off once the kernel's buffers for it are
/// full, which under this load takes a while: they hold megabytes).
const RELEASE_LIMIT: Duration = Duration::from_secs(150);

/// Runs `count` calls at once against `addr`: connects them all (and opens the sessions),
/// sends every call at the same moment, reads each as its kind does.
///
/// The frozen readers hold their connections until the readers that stay are done and
/// `calls_running` (the server's own count) says no call runs any more, or
/// [`RELEASE_LIMIT`] passes; then each reads what is left and expects the end of the
/// connection without its call's response.
pub fn run(
    addr: SocketAddr,
    threads: usize,
    count: usize,
    calls_running: &(dyn Fn() -> Option<f64> + Sync),
) -> SoakLoad {
    let shared = Arc::new(Shared {
        addr,
        gate: Barrier::new(count),
        connecting: Semaphore::new(256),
        handshake: Handshake::new(addr),
        sent_at: std::sync::Mutex::new(None),
        staying: AtomicUsize::new((0..count).filter(|&i| Reader::of(i).stays()).count()),
        released: AtomicBool::new(false),
    });
    let per_task = std::thread::scope(|scope| {
        scope.spawn(|| shared.release_when_settled(calls_running));
        spread(threads, count, |i| one(i, shared.clone()))
    });
    let started = shared
        .sent_at
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .unwrap_or_else(Instant::now);
    let elapsed = started.elapsed();
    let mut readers: Vec<(Reader, Seen)> =
        Reader::ALL.iter().map(|&r| (r, Seen::default())).collect();
    for done in per_task {
        let (reader, seen) = match done {
            Ok(done) => done,
            Err(e) => {
                let mut failed = Seen::default();
                failed.stats.error(|| e);
                (Reader::Fast, failed)
            }
        };
        if let Some((_, total)) = readers.iter_mut().find(|(r, _)| *r == reader) {
            total.stats.merge(seen.stats);
            total.out_of_order += seen.out_of_order;
            total.cut_off += seen.cut_off;
        }
    }
    for (_, seen) in &mut readers {
        seen.stats.finish(elapsed);
    }
    SoakLoad { readers, elapsed }
}

/// What every reader of the soak shares.
struct Shared {
    addr: SocketAddr,
    /// Opened once every reader is connected: all calls go out together.
    gate: Barrier,
    /// Connections being opened at once (so the listen backlog never overflows).
    connecting: Semaphore,
    handshake: Handshake,
    /// When the first call went out.
    sent_at: std::sync::Mutex<Option<Instant>>,
    /// Readers that stay and are not done yet.
    staying: AtomicUsize,
    /// Set once the frozen readers may check that they were cut off.
    released: AtomicBool,
}

impl Shared {
    /// Sets `released` once the readers that stay are done and the server runs no call
    /// (or the waits run out: then the frozen readers find out what was not cut off).
    fn release_when_settled(&self, calls_running: &(dyn Fn() -> Option<f64> + Sync)) {
        let limit = Instant::now() + READER_LIMIT;
        while self.staying.load(Ordering::Acquire) > 0 && Instant::now() < limit {
            std::thread::sleep(Duration::from_millis(100));
        }
        let limit = Instant::now() + RELEASE_LIMIT;
        while calls_running().is_none_or(|n| n > 0.0) && Instant::now() < limit {
            std::thread::sleep(Duration::from_millis(250));
        }
        self.released.store(true, Ordering::Release);
    }
}

/// Reader `i`: connects, waits for the others, sends its call and reads it as its kind does.
async fn one(i: usize, shared: Arc<Shared>) -> (Reader, Seen) {
    let reader = Reader::of(i);
    let era = if (i / 10).is_multiple_of(2) {
        Era::Stateless
    } else {
        Era::Session
    };
    let mut seen = Seen::default();
    let ready = {
        let _permit = shared.connecting.acquire().await;
        prepare(shared.addr, reader, era, &shared.handshake).await
    };
    // Every task reaches the gate, ready or not, or the others would wait forever.
    shared.gate.wait().await;
    shared
        .sent_at
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get_or_insert_with(Instant::now);
    match ready {
        Ok((conn, session)) => {
            let call = Call {
                session,
                reader,
                era,
                id: u64::try_from(i).unwrap_or(u64::MAX) + 1,
                shared: &shared,
            };
            if tokio::time::timeout(READER_LIMIT, call.read(conn, &mut seen))
                .await
                .is_err()
            {
                seen.stats.error(|| {
                    format!(
                        "a {} reader was not done within {READER_LIMIT:?}",
                        reader.name()
                    )
                });
            }
        }
        Err(e) => seen.stats.error(|| e),
    }
    if reader.stays() {
        shared.staying.fetch_sub(1, Ordering::AcqRel);
    }
    (reader, seen)
}

/// Connects, and opens the session for a call in the session era.
async fn prepare(
    addr: SocketAddr,
    reader: Reader,
    era: Era,
    handshake: &Handshake,
) -> Result<(Conn, Option<String>), String> {
    let mut conn = Conn::connect_with(addr, reader.receive_buffer())
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let session = match era {
        Era::Stateless => None,
        Era::Session => {
            let (mut out, mut reply) = (Vec::new(), Reply::default());
            Some(open_session(&mut conn, handshake, &mut out, &mut reply).await?)
        }
    };
    Ok((conn, session))
}

/// One call of the soak.
struct Call<'a> {
    session: Option<String>,
    reader: Reader,
    era: Era,
    id: u64,
    shared: &'a Shared,
}

impl Call<'_> {
    /// Sends the call and reads it as its reader does.
    async fn read(&self, mut conn: Conn, seen: &mut Seen) {
        let (addr, reader) = (self.shared.addr, self.reader);
        let mut out = Vec::with_capacity(1024);
        mcp::progress(addr, self.era, reader.frames(), 0).write(
            &mut out,
            self.id,
            self.session.as_deref(),
        );
        match reader {
            Reader::Fast | Reader::Slow => {
                if reader == Reader::Slow {
                    conn.set_pace(Some(slow_pace()));
                }
                let mut reply = Reply::default();
                reply.check_order = true;
                let sent = Instant::now();
                let result = conn.exchange(&out, &mut reply).await;
                let result = result.map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "{e} ({:?} era, {} frames in, {:.1} s after the call went out)",
                            self.era,
                            reply.progress,
                            sent.elapsed().as_secs_f64()
                        ),
                    )
                });
                reply.finish();
                seen.out_of_order += u64::from(reply.out_of_order);
                judge(
                    &mut seen.stats,
                    result.map(|_| ()),
                    &reply,
                    reader.frames(),
                    sent.elapsed(),
                );
                if let Some(session) = &self.session {
                    conn.set_pace(None);
                    end_session(&mut conn, addr, session, &mut seen.stats).await;
                }
            }
            Reader::Gone => match conn.send_and_abandon(&out, 2048).await {
                // Dropped here: the connection closes with the call streaming into it.
                Ok(_stream) => seen.stats.call(Duration::ZERO, 0, 0),
                Err(e) => seen.stats.error(|| format!("gone reader: {e}")),
            },
            Reader::Frozen => match conn.send_and_abandon(&out, 2048).await {
                Ok((stream, start)) => {
                    seen.stats.call(Duration::ZERO, 0, 0);
                    while !self.shared.released.load(Ordering::Acquire) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    match closed(stream, Duration::from_secs(30)).await {
                        Ok(()) => seen.cut_off += 1,
                        Err(why) => seen.stats.error(|| {
                            let start = String::from_utf8_lossy(&start[..start.len().min(300)]);
                            format!("frozen reader: {why}; its response began {start:?}")
                        }),
                    }
                }
                Err(e) => seen.stats.error(|| format!("frozen reader: {e}")),
            },
        }
    }
}

/// `DELETE` of the session: a reader that stays ends its session when done.
async fn end_session(conn: &mut Conn, addr: SocketAddr, session: &str, stats: &mut Stats) {
    let request = format!(
        "DELETE {} HTTP/1.1\r\nHost: {addr}\r\nMcp-Session-Id: {session}\r\n\
         MCP-Protocol-Version: {}\r\nContent-Length: 0\r\n\r\n",
        crate::spec::PATH,
        crate::spec::SESSION_VERSION
    );
    let mut reply = Reply::default();
    match conn.exchange(request.as_bytes(), &mut reply).await {
        Ok(head) if head.status < 300 => {}
        Ok(head) => stats.error(|| format!("DELETE of the session: HTTP {}", head.status)),
        Err(e) => stats.error(|| format!("DELETE of the session: {e}")),
    }
}

/// Reads what the kernel still holds and expects the end of the connection within `limit`,
/// without the call's response in it (a cut-off call never answers).
async fn closed(mut stream: TcpStream, limit: Duration) -> Result<(), String> {
    let mut tail: Vec<u8> = Vec::new();
    let mut total = 0usize;
    let mut chunk = vec![0u8; 64 * 1024];
    let drained = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    total += n;
                    tail.extend_from_slice(&chunk[..n]);
                    let keep = tail.len().saturating_sub(4096);
                    tail.drain(..keep);
                }
            }
        }
    })
    .await;
    if drained.is_err() {
        return Err(format!(
            "still open {limit:?} after it was drained ({total} bytes read meanwhile)"
        ));
    }
    if tail.windows(9).any(|w| w == b"\"result\":") {
        return Err("its call ran to the end instead of being cut off".to_owned());
    }
    Ok(())
}
