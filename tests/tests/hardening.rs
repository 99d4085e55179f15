//! The transport under hostile clients, over raw sockets where an HTTP client would hide
//! the behaviour: slow headers, unfinished bodies, readers that stop reading, too many
//! connections, repeated headers, overflowing event ids, and a graceful stop on SIGTERM.
//!
//! Each test configures small limits so it runs in seconds; every loop is bounded.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mcp_runtime::limits::BodyMeter;
use mcp_runtime::{Server, progress, tool};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::{Instant, timeout};

/// Echoes its text.
#[tool]
async fn echo(text: String) -> String {
    text
}

/// How many `endless` calls have ended (returned, or dropped when cancelled).
static ENDLESS_ENDED: AtomicUsize = AtomicUsize::new(0);

/// Counts the end of an `endless` call however it ends.
struct Ends;

impl Drop for Ends {
    fn drop(&mut self) {
        ENDLESS_ENDED.fetch_add(1, Ordering::SeqCst);
    }
}

/// Emits progress frames as fast as it may, for as long as it is let.
#[tool]
async fn endless() -> String {
    let _ends = Ends;
    for done in 1..=100_000_000u64 {
        progress!(done, 100_000_000u64);
    }
    "all sent".to_owned()
}

/// A server on our own accept loop (not `axum::serve`), stopped when dropped.
struct Served {
    addr: SocketAddr,
    meter: BodyMeter,
    _stop: oneshot::Sender<()>,
}

impl Served {
    async fn start(server: Server) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("address");
        let meter = server.body_meter();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            meter,
            _stop: stop,
        }
    }

    fn client(&self) -> tests::Client {
        tests::Client {
            http: reqwest::Client::new(),
            url: format!("http://{}/mcp", self.addr),
            session: None,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.expect("connect")
    }
}

fn server() -> Server {
    Server::new("hardening").tool(echo_tool())
}

/// A request head for `POST /mcp` with these extra header lines.
fn post_head(content_length: usize, extra: &str) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {content_length}\r\n{extra}\r\n"
    )
}

/// One response read off a raw socket: status, head, body (by `Content-Length`).
#[derive(Debug)]
struct RawReply {
    status: u16,
    head: String,
    body: String,
}

async fn read_reply(stream: &mut TcpStream, within: Duration) -> RawReply {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = stream.read(&mut chunk).await.expect("read a response");
            assert!(n > 0, "connection closed before a response: {buf:?}");
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let n = stream.read(&mut chunk).await.expect("read the body");
            assert!(n > 0, "connection closed inside the body");
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
        RawReply { status, head, body }
    };
    timeout(within, read).await.expect("a response in time")
}

/// Whether the server has closed the connection: reads (discarding) until EOF or an error.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut sink = [0u8; 1024];
    timeout(within, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

async fn initialized(served: &Served, version: &str) -> tests::Client {
    let mut client = served.client();
    client.initialize(version).await;
    client
}

#[tokio::test]
async fn slowloris_connections_are_closed_within_the_header_timeout() {
    let header_timeout = Duration::from_secs(2);
    let served = Served::start(server().header_timeout(header_timeout)).await;
    let head = post_head(2, "");
    let mut dribblers = Vec::new();
    for _ in 0..20 {
        let mut stream = served.connect().await;
        let head = head.clone();
        dribblers.push(tokio::spawn(async move {
            let started = Instant::now();
            // 1 byte a second, for at most the whole head (far longer than the timeout).
            for byte in head.bytes() {
                if stream.write_all(&[byte]).await.is_err() {
                    break;
                }
                if closed_within(&mut stream, Duration::from_secs(1)).await {
                    break;
                }
            }
            started.elapsed()
        }));
    }
    // Meanwhile, real clients are served.
    for _ in 0..3 {
        let client = initialized(&served, "2025-06-18").await;
        let reply = client
            .request(
                1,
                "tools/call",
                json!({"name": "echo", "arguments": {"text": "hi"}}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for dribbler in dribblers {
        let lasted = dribbler.await.expect("dribbler");
        assert!(
            lasted < header_timeout + Duration::from_millis(1500),
            "a slowloris connection lasted {lasted:?} with a {header_timeout:?} header timeout"
        );
    }
}

#[tokio::test]
async fn idle_keep_alive_connections_close_but_streams_stay_open() {
    let idle = Duration::from_millis(500);
    let served = Served::start(
        server()
            .idle_timeout(idle)
            .keep_alive(Duration::from_millis(200)),
    )
    .await;
    let mut stream = served.connect().await;
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    stream
        .write_all(format!("{}{body}", post_head(body.len(), "")).as_bytes())
        .await
        .expect("write");
    let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
    // `ping` needs no session: it may come before `initialize`.
    assert_eq!(reply.status, 200, "ping: {}", reply.body);
    assert!(
        closed_within(&mut stream, Duration::from_secs(5)).await,
        "an idle keep-alive connection is closed"
    );

    // An open GET stream is a request in flight, however long it lasts: its keep-alive
    // comments keep coming well past the idle timeout.
    let client = initialized(&served, "2025-11-25").await;
    let mut stream = client.get_stream(None).await;
    assert_eq!(stream.status(), 200);
    let until = Instant::now() + idle * 3;
    let mut chunks = 0;
    while Instant::now() < until {
        let chunk = timeout(Duration::from_secs(2), stream.chunk())
            .await
            .expect("the stream is still open")
            .expect("read the stream");
        assert!(chunk.is_some(), "the stream ended");
        chunks += 1;
    }
    assert!(chunks > 3, "keep-alives arrived: {chunks}");
}

/// A reader that stops reading entirely (its socket full, nothing taken) is cut off after the
/// write timeout, and its call is cancelled: at once for a stateless call (the connection was
/// its stream), after the stall timeout for a call in a session (whose stream could have been
/// resumed). The session itself stays usable.
#[tokio::test]
async fn a_reader_that_stops_reading_is_cut_off_and_its_call_cancelled() {
    let stop = Duration::from_millis(500);
    let served = Served::start(
        server()
            .tool(endless_tool())
            .write_timeout(stop)
            .stall_timeout(stop),
    )
    .await;
    let client = initialized(&served, "2025-11-25").await;
    let session = client.session.clone().expect("session");
    let stateless = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "endless", "arguments": {}, "_meta": {
            "progressToken": 1,
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "frozen", "version": "0"}}}});
    let in_session = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "endless", "arguments": {}, "_meta": {"progressToken": 2}}});
    let cases = [
        (
            "stateless",
            stateless,
            "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: endless\r\n"
                .to_owned(),
        ),
        (
            "in a session",
            in_session,
            format!("MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: {session}\r\n"),
        ),
    ];
    for (era, call, extra) in cases {
        let ended = ENDLESS_ENDED.load(Ordering::SeqCst);
        let body = call.to_string();
        let mut stream = served.connect().await;
        stream
            .write_all(format!("{}{body}", post_head(body.len(), &extra)).as_bytes())
            .await
            .expect("write");
        // Read nothing: the socket fills, the server's writes block, the clock runs.
        tokio::time::sleep(stop * 4).await;
        // Reading now drains what the kernel holds; a connection still open would go on
        // streaming and never reach the end.
        assert!(
            closed_within(&mut stream, Duration::from_secs(10)).await,
            "{era}: a connection whose reader stopped is closed"
        );
        let until = Instant::now() + Duration::from_secs(10);
        while ENDLESS_ENDED.load(Ordering::SeqCst) == ended {
            assert!(
                Instant::now() < until,
                "{era}: the call is cancelled once its reader is cut off"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let reply = client.request(3, "ping", json!({})).await;
    assert_eq!(reply.status, 200, "the session goes on: {}", reply.body);
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_times_out_with_408() {
    let body_timeout = Duration::from_millis(500);
    let served = Served::start(server().body_timeout(body_timeout)).await;
    let mut stream = served.connect().await;
    stream
        .write_all(format!("{}{{\"jsonrpc\":", post_head(100, "")).as_bytes())
        .await
        .expect("write");
    let reply = read_reply(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(reply.status, 408, "{reply:?}");
    assert!(
        reply.body.contains("11 of the 100 bytes"),
        "says what was missing: {}",
        reply.body
    );
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
    assert_eq!(served.meter.held(), 0, "the partial body was let go");
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_refused_before_the_body() {
    let served = Served::start(server().body_limit(1000)).await;
    let mut stream = served.connect().await;
    // Only the head: the answer must not wait for the (never sent) body.
    stream
        .write_all(post_head(5000, "").as_bytes())
        .await
        .expect("write");
    let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert!(reply.body.contains("limit of 1000 bytes"), "{}", reply.body);
}

#[tokio::test]
async fn chunked_bodies_are_counted_as_they_arrive() {
    let served = Served::start(server().body_limit(1000)).await;
    let client = initialized(&served, "2025-06-18").await;
    let session = format!(
        "Mcp-Session-Id: {}\r\n",
        client.session.clone().expect("session")
    );
    let chunked_head = |extra: &str| {
        format!(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n{extra}\r\n"
        )
    };
    // Within the limit, in two chunks: served.
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let (a, b) = body.split_at(10);
    let mut stream = served.connect().await;
    let request = format!(
        "{}{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        chunked_head(&session),
        a.len(),
        b.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // Past it: refused once the chunks add up to more, without waiting for the end.
    let mut stream = served.connect().await;
    let chunk = "x".repeat(600);
    let request = format!(
        "{}258\r\n{chunk}\r\n258\r\n{chunk}\r\n",
        chunked_head(&session)
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_eq!(served.meter.held(), 0);
}

#[tokio::test]
async fn unfinished_bodies_hold_no_more_than_the_budget_and_small_requests_pass() {
    const CONNECTIONS: usize = 250;
    const SENT: usize = 3_900_000;
    const DECLARED: usize = 4_000_000;
    const BUDGET: usize = 64 * 1024 * 1024;
    let served = Served::start(
        server()
            .body_budget(BUDGET)
            .body_timeout(Duration::from_secs(6)),
    )
    .await;
    let client = initialized(&served, "2025-06-18").await;
    let head = post_head(
        DECLARED,
        &format!(
            "Mcp-Session-Id: {}\r\n",
            client.session.clone().expect("session")
        ),
    );
    let mut floods = Vec::new();
    for _ in 0..CONNECTIONS {
        let addr = served.addr;
        let head = head.clone();
        floods.push(tokio::spawn(async move {
            let Ok(mut stream) = TcpStream::connect(addr).await else {
                return;
            };
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < SENT {
                let n = chunk.len().min(SENT - sent);
                // A server that stopped reading (budget full) leaves us blocked: give up.
                match timeout(Duration::from_secs(3), stream.write_all(&chunk[..n])).await {
                    Ok(Ok(())) => sent += n,
                    _ => return,
                }
            }
            // Then stall, holding the connection, until the server gives up on us.
            let _ = closed_within(&mut stream, Duration::from_secs(15)).await;
        }));
    }
    let watch = tokio::spawn({
        let meter = served.meter.clone();
        async move {
            let mut most = 0;
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until {
                most = most.max(meter.held());
                tokio::time::sleep(Duration::from_millis(5)).await;
                if meter.held() == 0 && most > 0 && meter.peak() > 0 {
                    break;
                }
            }
            most
        }
    });
    // While the flood is on (most of the budget held), ordinary requests are answered.
    let until = Instant::now() + Duration::from_secs(10);
    while served.meter.held() < BUDGET / 2 {
        assert!(
            Instant::now() < until,
            "the flood is not being buffered (peak {})",
            served.meter.peak()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for id in 0..5 {
        let reply = client
            .request(
                id,
                "tools/call",
                json!({"name": "echo", "arguments": {"text": "still here"}}),
            )
            .await;
        assert_eq!(reply.status, 200, "during the flood: {}", reply.body);
        assert!(reply.body.contains("still here"));
    }
    for flood in floods {
        flood.await.expect("flood task");
    }
    let most = watch.await.expect("watcher");
    assert!(most > 0);
    assert!(
        served.meter.peak() <= BUDGET,
        "held {} bytes at the peak, over the {BUDGET}-byte budget",
        served.meter.peak()
    );
    let until = Instant::now() + Duration::from_secs(10);
    while served.meter.held() > 0 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(served.meter.held(), 0, "every body was let go");
}

#[tokio::test]
async fn past_max_connections_all_busy_new_ones_get_503_and_are_closed() {
    let served = Served::start(
        server()
            .max_connections(4)
            .header_timeout(Duration::from_secs(10)),
    )
    .await;
    // Each of the four has a request in flight (its body still coming), so none may be
    // closed to admit another (an idle one would be: tests/tests/admission.rs).
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut busy = served.connect().await;
        busy.write_all(format!("{}{{", post_head(40, "")).as_bytes())
            .await
            .expect("write");
        held.push(busy);
    }
    // Accepted in order: the server has counted the four before it reads the fifth.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fifth = served.connect().await;
    fifth
        .write_all(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let reply = read_reply(&mut fifth, Duration::from_secs(5)).await;
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(
        reply.head.to_ascii_lowercase().contains("retry-after: 1"),
        "{}",
        reply.head
    );
    assert!(reply.body.contains("as many connections"), "{}", reply.body);
    assert!(closed_within(&mut fifth, Duration::from_secs(5)).await);

    drop(held);
    let client = served.client();
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = client
            .post(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .await;
        if reply.status != 503 {
            assert_eq!(reply.status, 200, "served again: {}", reply.body);
            break;
        }
        assert!(
            Instant::now() < until,
            "still refused after the others closed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_repeated_session_header_is_refused_naming_it() {
    let served = Served::start(server()).await;
    let client = initialized(&served, "2025-06-18").await;
    let session = client.session.clone().expect("session");
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    for extra in [
        format!("Mcp-Session-Id: {session}\r\nMcp-Session-Id: {session}\r\n"),
        format!(
            "Mcp-Session-Id: {session}\r\nMCP-Protocol-Version: 2025-06-18\r\nmcp-protocol-version: 2025-03-26\r\n"
        ),
    ] {
        let mut stream = served.connect().await;
        stream
            .write_all(format!("{}{body}", post_head(body.len(), &extra)).as_bytes())
            .await
            .expect("write");
        let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
        assert_eq!(reply.status, 400, "{reply:?}");
        assert!(reply.body.contains("more than once"), "{}", reply.body);
        let named = if extra.contains("2025-03-26") {
            "mcp-protocol-version"
        } else {
            "mcp-session-id"
        };
        assert!(reply.body.contains(named), "names {named}: {}", reply.body);
    }
}

#[tokio::test]
async fn an_overflowing_last_event_id_gets_a_clear_error() {
    let served = Served::start(server()).await;
    let client = initialized(&served, "2025-11-25").await;
    for id in [
        "1-18446744073709551615",
        "18446744073709551615-18446744073709551615",
        "1-18446744073709551616",
        "+1-2",
    ] {
        let reply = tests::read(client.get_stream(Some(id)).await).await;
        assert_eq!(reply.status, 404, "{id}: {}", reply.body);
        assert!(
            reply.body.contains("Last-Event-ID"),
            "{id}: says what was wrong: {}",
            reply.body
        );
    }
    // The server is fine afterwards.
    let reply = client.request(2, "ping", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// The real thing: SIGTERM (what `docker stop` sends) to an example binary during a call.
#[tokio::test]
async fn sigterm_lets_the_call_in_flight_finish_then_exits_0() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        probe.local_addr().expect("address").port()
    };
    let mut child = tokio::process::Command::new(tests::example_binary("progress"))
        .env("MCP_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the progress example");
    let mut client = tests::Client {
        http: reqwest::Client::new(),
        url: format!("http://127.0.0.1:{port}/mcp"),
        session: None,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.http.get(&client.url).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.initialize("2025-06-18").await;
    // Ten chunks, 100 ms each: about a second of work.
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .request(
                    1,
                    "tools/call",
                    json!({"name": "stream_data_analysis",
                           "arguments": {"dataset": "sales", "chunk_size": 100},
                           "_meta": {"progressToken": "p"}}),
                )
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());

    let reply = call.await.expect("call task");
    assert_eq!(reply.status, 200);
    let messages = reply.sse_messages();
    let result = messages.last().expect("a response");
    assert!(
        result["result"]["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Analysis of sales complete")),
        "the call in flight finished: {result}"
    );
    let exited = timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the server exits after the drain")
        .expect("exit status");
    assert!(exited.success(), "{exited:?}");
}

/// Sleeps `ms` milliseconds, then answers.
#[tool]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("napped {ms} ms")
}

#[tokio::test]
async fn the_drain_ends_at_its_timeout_and_new_connections_are_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(
        server()
            .tool(nap_tool())
            .drain_timeout(Duration::from_millis(300))
            .serve_with_shutdown(listener, async {
                let _ = stopped.await;
            }),
    );
    let mut client = tests::Client {
        http: reqwest::Client::new(),
        url: format!("http://{addr}/mcp"),
        session: None,
    };
    client.initialize("2025-06-18").await;
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                              "params": {"name": "nap", "arguments": {"ms": 30000}}});
            client
                .http
                .post(&client.url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .header("mcp-session-id", client.session.clone().expect("session"))
                .json(&body)
                .send()
                .await
                .map(|_| ())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).expect("still serving");
    timeout(Duration::from_secs(5), serving)
        .await
        .expect("serving stops soon after the drain timeout, the 30 s call still running")
        .expect("serve task")
        .expect("serve result");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
    assert!(
        call.await.expect("call task").is_err(),
        "the cut-off call got no response"
    );
}

/// A second SIGTERM during the drain stops the server at once.
#[tokio::test]
async fn a_second_sigterm_stops_at_once() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        probe.local_addr().expect("address").port()
    };
    let mut child = tokio::process::Command::new(tests::example_binary("progress"))
        .env("MCP_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the progress example");
    let mut client = tests::Client {
        http: reqwest::Client::new(),
        url: format!("http://127.0.0.1:{port}/mcp"),
        session: None,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.http.get(&client.url).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.initialize("2025-06-18").await;
    // Thirty seconds of work: far past the 10 s default drain.
    let _call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .request(
                    1,
                    "tools/call",
                    json!({"name": "real_time_monitoring", "arguments": {"duration": 30}}),
                )
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().expect("running").to_string();
    for _ in 0..2 {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let exited = timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("the second SIGTERM stops the server within seconds, not after the drain")
        .expect("exit status");
    assert!(exited.success(), "{exited:?}");
}

#[tokio::test]
async fn the_media_types_are_checked_before_the_body_is_read() {
    // A long body timeout: an answer before it means the body was never waited for.
    let served = Served::start(server().body_timeout(Duration::from_secs(30))).await;
    let mut stream = served.connect().await;
    let head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
                Accept: application/json, text/event-stream\r\nContent-Length: 1000000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("write");
    let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(reply.status, 415, "{}", reply.body);
    assert!(reply.body.contains("Content-Type"), "{}", reply.body);
    assert_eq!(served.meter.held(), 0, "nothing of the body was buffered");
}

#[tokio::test]
async fn an_unknown_session_is_refused_before_the_body_is_read() {
    let served = Served::start(server().body_timeout(Duration::from_secs(30))).await;
    let client = initialized(&served, "2025-11-25").await;
    let live = client.session.clone().expect("session");
    let ended = initialized(&served, "2025-03-26").await;
    let ended_id = ended.session.clone().expect("session");
    let deleted = ended
        .send(
            reqwest::Method::DELETE,
            None,
            &[("mcp-protocol-version", "2025-03-26")],
        )
        .await;
    assert_eq!(deleted.status(), 200);
    for (session, version) in [
        ("no-such-session", "2025-11-25"),
        ("no-such-session", ""),
        (ended_id.as_str(), "2025-03-26"),
    ] {
        let mut stream = served.connect().await;
        let version = if version.is_empty() {
            String::new()
        } else {
            format!("MCP-Protocol-Version: {version}\r\n")
        };
        let head = post_head(
            1_000_000,
            &format!("Mcp-Session-Id: {session}\r\n{version}"),
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
        assert_eq!(reply.status, 404, "{session}: {}", reply.body);
        assert!(
            reply.body.contains("not found") && reply.body.contains(session),
            "says which session: {}",
            reply.body
        );
        assert_eq!(served.meter.held(), 0, "nothing of the body was buffered");
    }
    // A live session's requests go on as before; a 2026-07-28 request has no session to
    // check, whatever header it carries.
    let reply = client.request(2, "ping", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let stateless =
        json!({"jsonrpc": "2.0", "id": 3, "method": "server/discover", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}}}})
        .to_string();
    let mut stream = served.connect().await;
    let extra = format!(
        "Mcp-Session-Id: {live}-gone\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: server/discover\r\n"
    );
    stream
        .write_all(format!("{}{stateless}", post_head(stateless.len(), &extra)).as_bytes())
        .await
        .expect("write");
    let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(reply.status, 200, "stateless: {}", reply.body);
}
