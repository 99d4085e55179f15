//! Limits that never lock out the innocent (issue 25): at each cap the server makes room by
//! shedding the cheapest work (an idle session, an idle connection, a short wait for a call
//! slot) instead of refusing everyone once one client has filled it. Raw sockets, pipelined
//! where thousands of requests are needed.

use std::net::SocketAddr;
use std::time::Duration;

use mcp_runtime::{Server, progress, tool};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::oneshot;
use tokio::time::{Instant, timeout};

/// Sleep for `ms` milliseconds.
#[tool]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms} ms")
}

/// Report `frames` progress frames, `gap_ms` apart, then a result.
#[tool]
async fn frames(frames: u64, gap_ms: u64) -> String {
    for done in 1..=frames {
        tokio::time::sleep(Duration::from_millis(gap_ms)).await;
        progress!(done, frames);
    }
    format!("sent {frames}")
}

/// A server on our own accept loop (the one with the connection limits and the peer
/// address), stopped when dropped.
struct Served {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl Served {
    async fn start(server: Server) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        Self { addr, _stop: stop }
    }

    fn client(&self) -> tests::Client {
        tests::Client {
            http: reqwest::Client::new(),
            url: format!("http://{}/mcp", self.addr),
            session: None,
        }
    }
}

fn server() -> Server {
    Server::new("admission")
        .tool(nap_tool())
        .tool(frames_tool())
}

/// One request as bytes: `POST /mcp` with `body` and these extra header lines.
fn post(body: &str, extra: &str) -> Vec<u8> {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A reply read off a raw connection.
#[derive(Debug)]
struct Raw {
    status: u16,
    session: Option<String>,
    retry_after: bool,
    body: String,
}

/// Reads one HTTP/1.1 reply (a `Content-Length` or chunked body).
async fn read_one(reader: &mut BufReader<OwnedReadHalf>) -> Raw {
    let mut line = String::new();
    reader.read_line(&mut line).await.expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let (mut length, mut chunked, mut session, mut retry_after) = (0usize, false, None, false);
    loop {
        line.clear();
        reader.read_line(&mut line).await.expect("header line");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').expect("a header");
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().expect("length"),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "mcp-session-id" => session = Some(value.to_owned()),
            "retry-after" => retry_after = true,
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).await.expect("chunk size");
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await.expect("chunk");
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).await.expect("body");
    }
    Raw {
        status,
        session,
        retry_after,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Sends `requests` back to back on one connection and reads their replies in order.
async fn pipelined(addr: SocketAddr, requests: &[Vec<u8>]) -> Vec<Raw> {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (read, mut write) = stream.into_split();
    let all: Vec<u8> = requests.concat();
    let writer = tokio::spawn(async move {
        write.write_all(&all).await.expect("write");
        write
    });
    let mut reader = BufReader::new(read);
    let mut replies = Vec::with_capacity(requests.len());
    for _ in requests {
        replies.push(read_one(&mut reader).await);
    }
    drop(writer.await.expect("writer"));
    replies
}

fn initialize(name: &str) -> String {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": name, "version": "0"}}})
    .to_string()
}

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// Opens `count` sessions over 8 keep-alive connections, each session with `initialize`
/// and then `notifications/initialized` (a fully initialized session, one more request
/// each); every 200 sessions, `between` runs (the innocent client's turn). A session of the
/// flood may be evicted by the flood's own next one on another connection before its
/// `initialized` arrives (unfinished handshakes go first): 404, which a flood can only
/// ignore. Returns how many sessions completed their handshake.
async fn flood(addr: SocketAddr, count: usize, mut between: impl AsyncFnMut()) -> usize {
    const LANES: usize = 8;
    const ROUND: usize = 200;
    let mut completed = 0;
    let mut opened = 0;
    let mut lanes: Vec<Lane> = Vec::new();
    for _ in 0..LANES {
        lanes.push(Lane::connect(addr).await);
    }
    while opened < count {
        let round = (count - opened).min(ROUND);
        let per_lane = round.div_ceil(LANES);
        let work: Vec<_> = lanes
            .drain(..)
            .enumerate()
            .map(|(i, mut lane)| {
                let n = per_lane.min(round.saturating_sub(i * per_lane));
                tokio::spawn(async move {
                    let mut done = 0;
                    for _ in 0..n {
                        done += usize::from(lane.open_session().await);
                    }
                    (lane, n, done)
                })
            })
            .collect();
        for task in work {
            let (lane, n, done) = task.await.expect("flood lane");
            lanes.push(lane);
            opened += n;
            completed += done;
        }
        between().await;
    }
    completed
}

/// One keep-alive connection of the flood.
struct Lane {
    reader: BufReader<OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Lane {
    async fn connect(addr: SocketAddr) -> Self {
        let (read, writer) = TcpStream::connect(addr)
            .await
            .expect("connect")
            .into_split();
        Self {
            reader: BufReader::new(read),
            writer,
        }
    }

    /// `initialize`, then `notifications/initialized`: whether the session got that far.
    async fn open_session(&mut self) -> bool {
        self.writer
            .write_all(&post(&initialize("flood"), ""))
            .await
            .expect("write");
        let reply = read_one(&mut self.reader).await;
        assert_eq!(reply.status, 200, "the flood's initialize: {}", reply.body);
        let id = reply.session.expect("a session id");
        let ack = post(
            INITIALIZED,
            &format!("Mcp-Session-Id: {id}\r\nMCP-Protocol-Version: 2025-06-18\r\n"),
        );
        self.writer.write_all(&ack).await.expect("write");
        let ack = read_one(&mut self.reader).await;
        match ack.status {
            202 => true,
            404 => false,
            other => panic!("the flood's initialized: {other} {}", ack.body),
        }
    }
}

#[tokio::test]
async fn a_session_id_is_exactly_the_visible_ascii_value_issued() {
    let served = Served::start(server()).await;
    let mut client = served.client();
    client.initialize("2025-06-18").await;
    let id = client.session.clone().expect("session");
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let mut trailing = format!("Mcp-Session-Id: {id}").into_bytes();
    trailing.extend_from_slice(b"\xff\r\n");
    let folded = format!("Mcp-Session-Id: {id}, {id}\r\n").into_bytes();
    let spaced = format!("Mcp-Session-Id: {id} x\r\n").into_bytes();
    for extra in [trailing, folded, spaced] {
        let mut request = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n".to_vec();
        request.extend_from_slice(format!("Content-Length: {}\r\n", ping.len()).as_bytes());
        request.extend_from_slice(&extra);
        request.extend_from_slice(b"\r\n");
        request.extend_from_slice(ping.as_bytes());
        let reply = pipelined(served.addr, &[request]).await.remove(0);
        assert_eq!(
            reply.status,
            400,
            "{:?}: {}",
            String::from_utf8_lossy(&extra),
            reply.body
        );
        assert!(reply.body.contains("Mcp-Session-Id"), "{}", reply.body);
    }
    // The id as issued still works; a visible-ASCII id never issued is unknown (404).
    let exact = post(ping, &format!("Mcp-Session-Id: {id}\r\n"));
    assert_eq!(pipelined(served.addr, &[exact]).await[0].status, 200);
    let unknown = post(ping, "Mcp-Session-Id: 0123456789abcdef\r\n");
    assert_eq!(pipelined(served.addr, &[unknown]).await[0].status, 404);
}

#[tokio::test]
async fn a_flood_of_12000_sessions_locks_nobody_out() {
    let served = Served::start(server()).await;
    let mut active = served.client();
    active.initialize("2025-06-18").await;
    let mut turns = 0;
    let completed = flood(served.addr, 12_000, async || {
        turns += 1;
        let reply = active.request(turns, "tools/list", json!({})).await;
        assert_eq!(
            reply.status, 200,
            "the session in use, during the flood: {}",
            reply.body
        );
    })
    .await;
    assert!(
        completed >= 11_000,
        "the flood completed its handshakes: {completed}"
    );
    // A newcomer gets a session at once, and the session in use keeps working.
    let mut newcomer = served.client();
    timeout(Duration::from_secs(5), newcomer.initialize("2025-06-18"))
        .await
        .expect("initialize answered");
    let call = json!({"name": "nap", "arguments": {"ms": 0}});
    for client in [&newcomer, &active] {
        let reply = client.request(1_000_000, "tools/call", call.clone()).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["result"]["content"][0]["text"], "slept 0 ms");
    }
}

#[tokio::test]
async fn at_the_global_cap_the_least_recently_used_idle_session_makes_room() {
    let served = Served::start(
        server()
            .max_sessions(1_000)
            .max_sessions_per_client(1_000_000),
    )
    .await;
    let mut active = served.client();
    active.initialize("2025-06-18").await;
    // Busy throughout: a call running the whole flood long.
    let mut busy = served.client();
    busy.initialize("2025-06-18").await;
    let running = tokio::spawn(async move {
        busy.request(
            1,
            "tools/call",
            json!({"name": "nap", "arguments": {"ms": 4000}}),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut turns = 0;
    let _ = flood(served.addr, 3_000, async || {
        turns += 1;
        let reply = active.request(turns, "ping", json!({})).await;
        assert_eq!(reply.status, 200, "the session in use: {}", reply.body);
    })
    .await;
    let mut newcomer = served.client();
    newcomer.initialize("2025-06-18").await;
    let reply = running.await.expect("task");
    assert_eq!(
        reply.status, 200,
        "a busy session is never evicted: {}",
        reply.body
    );
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "slept 4000 ms"
    );
}

#[tokio::test]
async fn with_2000_idle_connections_open_a_new_request_is_served() {
    let served = Served::start(server().max_connections(1024)).await;
    // One connection with a request in flight the whole time: never closed to make room.
    let mut client = served.client();
    client.initialize("2025-06-18").await;
    let running = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .request(
                    1,
                    "tools/call",
                    json!({"name": "nap", "arguments": {"ms": 3000}}),
                )
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Half keep-alive connections idle after one request, half that never sent a byte.
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let mut idle = Vec::new();
    for i in 0..2_000 {
        let mut stream = TcpStream::connect(served.addr).await.expect("connect");
        if i % 2 == 0 {
            stream.write_all(&post(ping, "")).await.expect("write");
            let mut head = [0u8; 12];
            // Some of these are closed by the server to admit later ones: fine.
            let _ = timeout(Duration::from_secs(5), stream.read_exact(&mut head)).await;
        }
        idle.push(stream);
    }
    let started = Instant::now();
    let reply = timeout(
        Duration::from_secs(2),
        pipelined(served.addr, &[post(ping, "")]),
    )
    .await
    .expect("answered within 2 s");
    assert_eq!(reply[0].status, 200, "{}", reply[0].body);
    tracing::info!("served in {:?}", started.elapsed());
    let reply = running.await.expect("task");
    assert_eq!(
        reply.status, 200,
        "a busy connection is never closed: {}",
        reply.body
    );
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "slept 3000 ms"
    );
    drop(idle);
}

/// Reads one SSE reply of a call: its progress frames and its final result.
fn frames_and_result(body: &str) -> (usize, Option<Value>) {
    let messages: Vec<Value> = tests::parse_sse(body)
        .iter()
        .filter_map(|data| serde_json::from_str(data).ok())
        .collect();
    let progress = messages
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .count();
    let result = messages.iter().find_map(|m| m.get("result").cloned());
    (progress, result)
}

#[tokio::test]
async fn two_thousand_concurrent_streaming_calls_all_complete_with_defaults() {
    const SESSIONS: usize = 20;
    const CALLS: usize = 100;
    let served = Served::start(server()).await;
    let mut clients = Vec::new();
    for _ in 0..SESSIONS {
        let mut client = served.client();
        client.initialize("2025-06-18").await;
        clients.push(client);
    }
    let calls: Vec<_> = clients
        .iter()
        .flat_map(|client| {
            (0..CALLS).map(move |i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let call = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                        "params": {"name": "frames", "arguments": {"frames": 5, "gap_ms": 40},
                        "_meta": {"progressToken": i}}});
                    timeout(Duration::from_secs(60), client.post(call))
                        .await
                        .expect("answered")
                })
            })
        })
        .collect();
    for call in calls {
        let reply = call.await.expect("task");
        assert_eq!(reply.status, 200, "{}", reply.body);
        let (progress, result) = frames_and_result(&reply.body);
        assert_eq!(progress, 5, "every frame: {}", reply.body);
        let result = result.expect("a result");
        assert_eq!(result["content"][0]["text"], "sent 5", "{result}");
    }
}

#[tokio::test]
async fn a_burst_past_the_queue_is_refused_with_retry_after_never_a_hang() {
    let served = Served::start(
        server()
            .max_concurrent_calls(2)
            .call_queue(3)
            .call_queue_timeout(Duration::from_millis(400)),
    )
    .await;
    let mut client = served.client();
    client.initialize("2025-06-18").await;
    let session = client.session.clone().expect("session");
    let call = |id: usize, ms: u64| {
        post(
            &json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": {"name": "nap", "arguments": {"ms": ms}}})
            .to_string(),
            &format!("Mcp-Session-Id: {session}\r\nMCP-Protocol-Version: 2025-06-18\r\n"),
        )
    };
    // 2 run (1 s), 3 wait (and give up after 0.4 s), 5 are refused at once.
    let burst: Vec<_> = (0..10)
        .map(|id| {
            let request = call(id, 1000);
            let addr = served.addr;
            tokio::spawn(async move {
                timeout(Duration::from_secs(10), pipelined(addr, &[request]))
                    .await
                    .expect("never a hang")
                    .remove(0)
            })
        })
        .collect();
    let mut ok = 0;
    let mut refused = 0;
    for reply in burst {
        let reply = reply.await.expect("task");
        match reply.status {
            200 => ok += 1,
            503 => {
                refused += 1;
                assert!(reply.retry_after, "503 without Retry-After: {reply:?}");
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!((ok, refused), (2, 8));
    // Once the burst is over, calls run again.
    let reply = pipelined(served.addr, &[call(99, 0)]).await.remove(0);
    assert_eq!(reply.status, 200, "{}", reply.body);
}
