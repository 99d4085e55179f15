//! The store against a real Redis (Debian's `redis-server`, started on a free loopback
//! port): two stores in one process stand for two replicas.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::{Map, json};

use super::RedisStore;
use crate::protocol::types::Implementation;
use crate::protocol::{ProtocolVersion, RequestId};
use crate::server::config::Config;
use crate::server::store::{Cursor, NewSession, Store, StoreError, Unresumable};

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis_server() -> Server {
    // One install for every test and test binary that asks at once (a machine-wide lock).
    let program = mcp_testkit::require("redis-server", "redis-server");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let server = Server(
        Command::new(program)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server"),
        port,
    );
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("redis-server did not listen on {port}");
}

fn replicas(server: &Server) -> (Arc<dyn Store>, Arc<dyn Store>) {
    let store = RedisStore::new(format!("redis://127.0.0.1:{}", server.1))
        .prefix("unit")
        .lease(Duration::from_millis(400));
    let config = Config {
        replay_events: 4,
        stall_timeout: STALL,
        ..Config::default()
    };
    (store.open(&config).0, store.open(&config).0)
}

/// A session made on one of two replicas on `server`, as each of them serves it: its id,
/// then the session on the first and on the second.
async fn one_session_on_two_replicas(
    server: &Server,
) -> (
    String,
    crate::server::store::SessionRef,
    crate::server::store::SessionRef,
) {
    let (a, b) = replicas(server);
    let id = a.create(new()).await.expect("create").id().to_owned();
    let on_a = a.get(&id).await.expect("get").expect("live");
    let on_b = b.get(&id).await.expect("get").expect("live");
    (id, on_a, on_b)
}

/// Two replicas on `server` with these session caps.
fn capped_replicas(
    server: &Server,
    max_sessions: usize,
    per_client: usize,
) -> (Arc<dyn Store>, Arc<dyn Store>) {
    let store = RedisStore::new(format!("redis://127.0.0.1:{}", server.1))
        .prefix("caps")
        .lease(Duration::from_millis(400));
    let config = Config {
        max_sessions,
        max_sessions_per_client: per_client,
        ..Config::default()
    };
    (store.open(&config).0, store.open(&config).0)
}

fn from(client: &str) -> NewSession {
    NewSession {
        client: Some(crate::server::admission::ClientKey(client.into())),
        ..new()
    }
}

/// Whether the session is live, as each replica sees it (they must agree).
async fn live(a: &Arc<dyn Store>, b: &Arc<dyn Store>, id: &str) -> bool {
    let on_a = a.get(id).await.expect("get").is_some();
    let on_b = b.get(id).await.expect("get").is_some();
    assert_eq!(on_a, on_b, "the replicas disagree about {id}");
    on_a
}

/// A few milliseconds, so that uses are ordered in time.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

/// How long a call stream's writer waits for a reader to take something.
const STALL: Duration = Duration::from_millis(500);

fn new() -> NewSession {
    NewSession {
        protocol_version: ProtocolVersion::V2025_06_18,
        client_info: Implementation {
            name: "c".into(),
            version: "1".into(),
            title: None,
        },
        client_capabilities: Map::new(),
        id: None,
        client: None,
    }
}

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 5 s"))
}

#[tokio::test]
async fn a_session_made_on_one_replica_is_served_by_another() {
    let server = redis_server();
    let (a, b) = replicas(&server);
    let made = a.create(new()).await.expect("create");
    let seen = b.get(made.id()).await.expect("get").expect("found");
    assert_eq!(seen.protocol_version(), ProtocolVersion::V2025_06_18);
    assert_eq!(seen.client_info().name, "c");
    seen.set_log_level(crate::protocol::LogLevel::Warning)
        .await
        .expect("set level");
    let again = a.get(made.id()).await.expect("get").expect("found");
    assert_eq!(again.log_level(), crate::protocol::LogLevel::Warning);
    assert!(b.get("not-a-session-id").await.expect("get").is_none());
    assert!(b.get(&"f".repeat(32)).await.expect("get").is_none());

    // An answer given on B reaches the request waiting on A, once.
    let question = RequestId::String("q".into());
    let waiting = made.expect_answer(question.clone()).await.expect("expect");
    let answer = Ok(json!({"action": "accept"}));
    assert_eq!(
        seen.answer(question.clone(), answer.clone()).await,
        Ok(true)
    );
    assert_eq!(within("the answer", waiting).await.ok(), Some(answer));
    assert_eq!(seen.answer(question, Ok(json!({}))).await, Ok(false));

    // A cancellation on B stops the call running on A.
    let (token, _guard) = made
        .start_call(&RequestId::Number(5))
        .await
        .expect("free id");
    seen.cancel_call(&RequestId::Number(5));
    within("the cancellation", token.cancelled()).await;

    // Ending the session on B ends it everywhere, with what runs on A.
    let (running, _guard) = made
        .start_call(&RequestId::Number(6))
        .await
        .expect("free id");
    assert_eq!(b.remove(made.id()).await, Ok(true));
    within("the end of the session", running.cancelled()).await;
    assert!(a.get(made.id()).await.expect("get").is_none());
    assert_eq!(b.remove(made.id()).await, Ok(false));
}

#[tokio::test]
async fn streams_replay_on_any_replica_and_lost_calls_end_with_an_error() {
    let server = redis_server();
    let (a, b) = replicas(&server);
    let on_a = a.create(new()).await.expect("create");
    let on_b = b.get(on_a.id()).await.expect("get").expect("found");
    let log = on_a
        .open_call_stream(Some(&RequestId::Number(7)))
        .await
        .expect("open");
    // Two events may wait untaken (half of the four kept); the third waits for a reader.
    for m in ["one", "two"] {
        within("room", log.push(bytes::Bytes::from(m)))
            .await
            .expect("push");
    }
    let there = on_b.stream(log.id()).await.expect("read").expect("kept");
    let (after, events) = there.subscribe(Cursor::After(1)).await.expect("resumable");
    assert_eq!(after, 1);
    let replay = tokio::spawn(events.collect::<Vec<_>>());
    within("room once taken", log.push(bytes::Bytes::from("three")))
        .await
        .expect("push");
    log.close().await;
    let events: Vec<String> = within("the replay", replay)
        .await
        .expect("reader")
        .into_iter()
        .map(|(id, m)| format!("{id} {}", String::from_utf8_lossy(&m)))
        .collect();
    let n = log.id();
    assert_eq!(events, [format!("{n}-2 two"), format!("{n}-3 three")]);
    assert_eq!(
        there.subscribe(Cursor::After(3)).await.err(),
        Some(Unresumable::Finished)
    );
    assert_eq!(
        there.subscribe(Cursor::After(99)).await.err(),
        Some(Unresumable::Evicted),
        "an id from the future"
    );
    assert!(
        log.push(bytes::Bytes::from_static(b"late")).await.is_err(),
        "an ended stream takes nothing more"
    );

    // Bounded: of six events a reader took, the oldest are dropped, and a cursor before
    // them is refused.
    let long = on_a.open_call_stream(None).await.expect("open");
    let (_, events) = long.subscribe(Cursor::After(0)).await.expect("open");
    let reader = tokio::spawn(events.collect::<Vec<_>>());
    for i in 0..6 {
        within("room", long.push(bytes::Bytes::from(format!("{i}"))))
            .await
            .expect("push");
    }
    long.close().await;
    assert_eq!(within("the reader", reader).await.expect("reader").len(), 6);
    assert_eq!(
        long.subscribe(Cursor::After(0)).await.err(),
        Some(Unresumable::Evicted)
    );
    assert!(long.subscribe(Cursor::After(3)).await.is_ok());

    // A call whose replica is gone (its lease runs out: B never refreshes A's) ends with an
    // error for the call once a follower sees it.
    let lost = on_a
        .open_call_stream(Some(&RequestId::Number(8)))
        .await
        .expect("open");
    lost.push(bytes::Bytes::from_static(b"progress"))
        .await
        .expect("push");
    let id = lost.id();
    // The replica "dies": with every handle to it gone, nothing refreshes the lease.
    drop((lost, log, long, on_a, a));
    let followed = on_b.stream(id).await.expect("read").expect("kept");
    let (_, events) = followed
        .subscribe(Cursor::After(0))
        .await
        .expect("resumable");
    let events: Vec<String> = within("the lost call's error", events.collect::<Vec<_>>())
        .await
        .into_iter()
        .map(|(_, m)| String::from_utf8_lossy(&m).into_owned())
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], "progress");
    let error: serde_json::Value = serde_json::from_str(&events[1]).expect("JSON");
    assert_eq!(error["id"], 8, "{error}");
    assert_eq!(error["error"]["code"], -32603, "{error}");
}

#[tokio::test]
async fn an_idle_session_leaves_nothing_in_the_replica() {
    let server = redis_server();
    let (a, _b) = replicas(&server);
    let session = a.create(new()).await.expect("create");
    let (_, guard) = session
        .start_call(&RequestId::Number(1))
        .await
        .expect("free id");
    assert_eq!(a.local().len(), 1, "a call runs here");
    drop(guard);
    drop(session);
    a.sweep();
    assert_eq!(a.len(), 0, "nothing kept for an idle session");
}

#[tokio::test]
async fn redis_down_is_an_error_not_a_hang() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let store = RedisStore::new(format!("redis://127.0.0.1:{port}"))
        .open(&Config::default())
        .0;
    let error = within("a refused connection", store.create(new()))
        .await
        .expect_err("nothing listens there");
    assert!(error.to_string().contains("Redis"), "{error}");
}

#[tokio::test]
async fn announcements_wait_in_get_streams_for_clients_that_come_back() {
    let server = redis_server();
    let (a, b) = replicas(&server);
    let session = a.create(new()).await.expect("create");
    {
        // The client listens on A a while, then goes away.
        let guard = session
            .attach_standalone()
            .await
            .expect("redis")
            .expect("free");
        let (after, _events) = guard.log.subscribe(Cursor::Now).await.expect("open");
        assert_eq!(after, 0);
    }
    b.announce(crate::server::bus::Change::ToolsListChanged);
    let (_, mut events) = session
        .standalone()
        .subscribe(Cursor::After(0))
        .await
        .expect("resumable");
    let (id, message) = within("the kept announcement", events.next())
        .await
        .expect("an event");
    assert_eq!(id.to_string(), "0-1");
    assert!(
        String::from_utf8_lossy(&message).contains("notifications/tools/list_changed"),
        "{message:?}"
    );
}

#[tokio::test]
async fn a_resource_update_reaches_only_the_sessions_subscribed_to_it() {
    use crate::server::bus::Change;
    let server = redis_server();
    let (a, b) = replicas(&server);
    let subscribed = a.create(new()).await.expect("create");
    let other = a.create(new()).await.expect("create");
    for session in [&subscribed, &other] {
        let guard = session
            .attach_standalone()
            .await
            .expect("redis")
            .expect("free");
        let _opened = guard.log.subscribe(Cursor::Now).await.expect("open");
    }
    subscribed
        .subscribe_resource("notes://1", true)
        .await
        .expect("subscribe");
    b.announce(Change::ResourceUpdated("notes://1".into()));
    let (_, mut events) = subscribed
        .standalone()
        .subscribe(Cursor::After(0))
        .await
        .expect("resumable");
    let (_, message) = within("the update", events.next()).await.expect("event");
    let message: serde_json::Value = serde_json::from_slice(&message).expect("JSON");
    assert_eq!(message["method"], "notifications/resources/updated");
    assert_eq!(message["params"]["uri"], "notes://1");
    // The other session's first event is the list change announced after the update.
    b.announce(Change::PromptsListChanged);
    let (_, mut events) = other
        .standalone()
        .subscribe(Cursor::After(0))
        .await
        .expect("resumable");
    let (id, message) = within("the list change", events.next())
        .await
        .expect("event");
    assert_eq!(id.to_string(), "0-1");
    assert!(
        String::from_utf8_lossy(&message).contains("notifications/prompts/list_changed"),
        "{message:?}"
    );
}

#[tokio::test]
async fn a_call_stream_waits_for_its_reader_on_another_replica_and_stalls_without_one() {
    let server = redis_server();
    let (a, b) = replicas(&server);
    let session = a.create(new()).await.expect("create");
    let log = session.open_call_stream(None).await.expect("open");
    // The reader follows on the other replica.
    let there = b.get(session.id()).await.expect("get").expect("known");
    let followed = there.stream(log.id()).await.expect("find").expect("stream");
    let (_, mut events) = followed.subscribe(Cursor::After(0)).await.expect("open");
    // The stream keeps four events: two may wait untaken, the third waits for room.
    for i in 1..=2 {
        within("room", log.push(bytes::Bytes::from(format!("{i}"))))
            .await
            .expect("push");
    }
    let mut third = std::pin::pin!(log.push(bytes::Bytes::from_static(b"3")));
    assert!(
        tokio::time::timeout(Duration::from_millis(200), &mut third)
            .await
            .is_err(),
        "the writer waits while two events are untaken"
    );
    for expected in ["1", "2"] {
        let (_, message) = within("an event", events.next()).await.expect("event");
        assert_eq!(message, expected.as_bytes());
    }
    // Asking for more is what tells the writer the batch was taken: it goes on.
    let (pushed, next) = within("room again, and the third", async {
        tokio::join!(third, events.next())
    })
    .await;
    pushed.expect("pushed once taken");
    let (_, message) = next.expect("event");
    assert_eq!(&message[..], b"3", "every event, in order");

    // Nobody reading at all: the writer gives up after the stall timeout.
    let unread = session.open_call_stream(None).await.expect("open");
    for i in 1..=2 {
        within("room", unread.push(bytes::Bytes::from(format!("{i}"))))
            .await
            .expect("push");
    }
    let started = tokio::time::Instant::now();
    let stalled = within("the stall", unread.push(bytes::Bytes::from_static(b"3"))).await;
    assert!(
        matches!(stalled, Err(crate::server::store::StoreError::Stalled(_))),
        "{stalled:?}"
    );
    assert!(
        started.elapsed() >= STALL,
        "it waited the stall timeout first"
    );
}

#[tokio::test]
async fn a_reader_left_behind_by_the_bounded_get_stream_is_ended_not_skipped_ahead() {
    let server = redis_server();
    let (a, _b) = replicas(&server);
    let session = a.create(new()).await.expect("create");
    // Announcements go on the GET stream without waiting (they repeat themselves).
    let log = session.standalone();
    let (_, events) = log.subscribe(Cursor::After(0)).await.expect("open");
    // Six events into a stream that keeps four, before the reader reads any.
    for i in 1..=6 {
        within("no wait", log.push(bytes::Bytes::from(format!("{i}"))))
            .await
            .expect("push");
    }
    let read: Vec<_> = within("the reader's end", events.collect::<Vec<_>>()).await;
    assert!(
        read.is_empty(),
        "events 1 and 2 are gone: nothing after them is sent: {read:?}"
    );
    assert_eq!(
        log.subscribe(Cursor::After(0)).await.err(),
        Some(Unresumable::Evicted),
        "and resuming says so"
    );
}

#[tokio::test]
async fn a_task_stored_by_one_replica_is_read_by_another_until_it_expires() {
    use crate::server::store::tasks::{TaskRecord, TaskStatus};
    let server = redis_server();
    let store = RedisStore::new(format!("redis://127.0.0.1:{}", server.1)).prefix("unit");
    let ((_, a), (_, b)) = (
        store.open(&Config::default()),
        store.open(&Config::default()),
    );
    let now = crate::server::features::tasks::now_ms();
    let task = |id: &str, created_at: u64, ttl_ms: u64| TaskRecord {
        task_id: id.into(),
        status: TaskStatus::Working,
        status_message: None,
        created_at,
        last_updated_at: created_at,
        ttl_ms,
        poll_interval_ms: 100,
        input_requests: Map::new(),
        result: None,
        error: None,
        owner: Some("alice".into()),
    };
    a.put(task("live", now, 60_000)).await.expect("put");
    a.put(task("gone", now - 10_000, 5_000)).await.expect("put");
    assert_eq!(
        b.get("live").await.expect("get"),
        Some(task("live", now, 60_000))
    );
    assert_eq!(b.get("gone").await.expect("get"), None);
    assert_eq!(b.get("never").await.expect("get"), None);
    let mut done = task("live", now, 60_000);
    done.status = TaskStatus::Completed;
    done.result = Some(json!({"content": []}));
    b.put(done.clone()).await.expect("replace");
    assert_eq!(a.get("live").await.expect("get"), Some(done));
}

#[tokio::test]
async fn the_session_cap_counts_every_replica_and_evicts_the_least_recently_used_idle_one() {
    let server = redis_server();
    let (a, b) = capped_replicas(&server, 3, 100);
    let s1 = a.create(new()).await.expect("create").id().to_owned();
    tick().await;
    let s2 = b.create(new()).await.expect("create").id().to_owned();
    tick().await;
    let s3 = a.create(new()).await.expect("create").id().to_owned();
    tick().await;
    // s1 used again: s2 is now the least recently used.
    assert!(live(&a, &b, &s1).await);
    tick().await;
    let s4 = b.create(new()).await.expect("evicts s2").id().to_owned();
    assert!(
        !live(&a, &b, &s2).await,
        "the least recently used idle session is evicted"
    );
    for id in [&s1, &s3, &s4] {
        assert!(live(&a, &b, id).await, "{id} stays");
    }

    // Every session busy on one replica or the other: the next one is refused.
    let mut guards = Vec::new();
    for (store, id) in [(&a, &s1), (&b, &s3), (&a, &s4)] {
        let session = store.get(id).await.expect("get").expect("live");
        guards.push((
            id.clone(),
            session
                .start_call(&RequestId::Number(1))
                .await
                .expect("free id"),
        ));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = b.create(new()).await.map(|s| s.id().to_owned());
    assert_eq!(
        refused,
        Err(StoreError::Full(3)),
        "no idle session to evict"
    );
    for id in [&s1, &s3, &s4] {
        assert!(live(&a, &b, id).await, "a busy session is never evicted");
    }

    // s3's call ends: once its replica's heartbeat marks it idle, it makes room.
    guards.retain(|(id, _)| *id != s3);
    let mut admitted = None;
    for _ in 0..40 {
        if let Ok(session) = a.create(new()).await {
            admitted = Some(session.id().to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(admitted.is_some(), "the idle session never made room");
    assert!(
        !live(&a, &b, &s3).await,
        "the session gone idle was evicted"
    );
    assert!(live(&a, &b, &s1).await && live(&a, &b, &s4).await);
    drop(guards);
}

#[tokio::test]
async fn replicas_whose_clocks_disagree_count_and_evict_by_redis_s_clock() {
    let server = redis_server();
    let store = RedisStore::new(format!("redis://127.0.0.1:{}", server.1))
        .prefix("clocks")
        .lease(Duration::from_millis(400));
    let config = Config {
        max_sessions: 2,
        session_idle_timeout: Duration::from_secs(60),
        ..Config::default()
    };
    // `ahead`'s clock is ten minutes fast, `behind`'s ten minutes slow: by their own
    // clocks, `ahead`'s sessions would look used in the future (never the least recently
    // used), and `ahead` would take every session `behind` made for idle past the timeout.
    let ahead = store.open_skewed(&config, 600_000);
    let behind = store.open_skewed(&config, -600_000);
    let first = ahead.create(new()).await.expect("create").id().to_owned();
    tick().await;
    let second = behind.create(new()).await.expect("create").id().to_owned();
    tick().await;
    let third = ahead
        .create(new())
        .await
        .expect("evicts one")
        .id()
        .to_owned();
    assert!(
        !live(&ahead, &behind, &first).await,
        "the least recently used session is evicted, whichever replica made it"
    );
    // Uses a few milliseconds apart: the two clocks, read from Redis's, agree to about
    // a millisecond.
    assert!(live(&ahead, &behind, &second).await, "the newer one stays");
    tick().await;
    assert!(live(&ahead, &behind, &third).await);
    tick().await;
    let refused = ahead.create(new()).await.map(|s| s.id().to_owned());
    assert!(
        refused.is_ok(),
        "at the cap, one more evicts the least recently used: {refused:?}"
    );
    assert!(
        !live(&ahead, &behind, &second).await,
        "the session cap counts both replicas' sessions"
    );

    // A call slot `behind` holds is not taken for expired by `ahead`.
    use crate::server::store::SlotTry;
    let on_behind = behind.get(&third).await.expect("get").expect("live");
    let on_ahead = ahead.get(&third).await.expect("get").expect("live");
    let SlotTry::Taken(_slot) = on_behind.take_call_slot(1).await.expect("redis") else {
        panic!("a free slot");
    };
    assert!(
        matches!(
            on_ahead.take_call_slot(1).await.expect("redis"),
            SlotTry::Full(_)
        ),
        "the one slot is held on the other replica"
    );
}

#[tokio::test]
async fn a_client_at_its_quota_on_any_replica_churns_only_its_own_sessions() {
    let server = redis_server();
    let (a, b) = capped_replicas(&server, 100, 2);
    let x1 = a
        .create(from("ip:10.0.0.1"))
        .await
        .expect("create")
        .id()
        .to_owned();
    tick().await;
    let y1 = b
        .create(from("ip:10.0.0.2"))
        .await
        .expect("create")
        .id()
        .to_owned();
    tick().await;
    let x2 = b
        .create(from("ip:10.0.0.1"))
        .await
        .expect("create")
        .id()
        .to_owned();
    tick().await;
    let x3 = a
        .create(from("ip:10.0.0.1"))
        .await
        .expect("evicts x1")
        .id()
        .to_owned();
    assert!(
        !live(&a, &b, &x1).await,
        "the client's own oldest session is evicted"
    );
    assert!(
        live(&a, &b, &y1).await,
        "another client's idle session stays"
    );
    assert!(live(&a, &b, &x2).await && live(&a, &b, &x3).await);

    // Both of its sessions busy: the client is refused, others are not.
    let on_b = b.get(&x2).await.expect("get").expect("live");
    let on_a = a.get(&x3).await.expect("get").expect("live");
    let _calls = (
        on_b.start_call(&RequestId::Number(1))
            .await
            .expect("free id"),
        on_a.start_call(&RequestId::Number(1))
            .await
            .expect("free id"),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = b
        .create(from("ip:10.0.0.1"))
        .await
        .map(|s| s.id().to_owned());
    assert_eq!(refused, Err(StoreError::ClientFull(2)));
    b.create(from("ip:10.0.0.2"))
        .await
        .expect("another client is admitted");

    // An ended session no longer counts.
    assert!(a.remove(&x2).await.expect("remove"));
    a.create(from("ip:10.0.0.1"))
        .await
        .expect("room after DELETE");
}

#[tokio::test]
async fn a_request_id_in_flight_and_the_get_stream_are_held_across_replicas() {
    let server = redis_server();
    let (_, on_a, on_b) = one_session_on_two_replicas(&server).await;

    let running = on_a
        .start_call(&RequestId::Number(1))
        .await
        .expect("free id");
    let refused = on_b
        .start_call(&RequestId::Number(1))
        .await
        .expect_err("the id is in flight on the other replica");
    assert_eq!(
        refused.error.code,
        crate::protocol::ErrorCode::INVALID_REQUEST
    );
    assert!(
        on_a.start_call(&RequestId::Number(1)).await.is_err(),
        "nor again here"
    );
    let _other = on_b
        .start_call(&RequestId::String("1".into()))
        .await
        .expect("the string \"1\" is another id");
    drop(running);
    let mut freed = false;
    for _ in 0..40 {
        if on_b.start_call(&RequestId::Number(1)).await.is_ok() {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        freed,
        "the id is free on every replica once its request ends"
    );
}

#[tokio::test]
async fn an_answered_request_id_is_free_on_every_replica_before_the_answer_goes_out() {
    let server = redis_server();
    let (_, on_a, on_b) = one_session_on_two_replicas(&server).await;
    for round in 0..20 {
        let (here, there) = if round % 2 == 0 {
            (&on_a, &on_b)
        } else {
            (&on_b, &on_a)
        };
        let (_, guard) = here
            .start_call(&RequestId::Number(1))
            .await
            .expect("free id");
        // What the engine does before an answer goes out: no retry, no wait after it.
        if let Some(release) = guard.end() {
            release.await;
        }
        there
            .start_call(&RequestId::Number(1))
            .await
            .map(|(_, guard)| guard.end())
            .unwrap_or_else(|refused| panic!("round {round}: {}", refused.error.message))
            .expect("a claim to give back")
            .await;
    }

    let get = on_a
        .attach_standalone()
        .await
        .expect("redis")
        .expect("free");
    assert!(
        on_b.attach_standalone().await.expect("redis").is_none(),
        "one GET stream per session, whichever replica holds it"
    );
    drop(get);
    let mut reopened = None;
    for _ in 0..40 {
        if let Some(guard) = on_b.attach_standalone().await.expect("redis") {
            reopened = Some(guard);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(reopened.is_some(), "the GET stream may reopen once closed");
    assert!(on_a.attach_standalone().await.expect("redis").is_none());
}

#[tokio::test]
async fn a_message_pub_sub_missed_reaches_the_replica_from_the_backlog_once() {
    let server = redis_server();
    let (id, _, on_b) = one_session_on_two_replicas(&server).await;
    let (running, guard) = on_b
        .start_call(&RequestId::Number(1))
        .await
        .expect("free id");
    let (other, _other_guard) = on_b
        .start_call(&RequestId::Number(2))
        .await
        .expect("free id");
    // Let b read the backlog's end first, as a replica running for a while has.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A cancellation whose pub/sub copy was lost (a failover moved the channel, the
    // connection dropped): only the backlog has it.
    let redis = redis::Client::open(format!("redis://127.0.0.1:{}", server.1)).expect("url");
    let mut raw = redis
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let cancel = format!(r#"42 {{"t":"cancel","s":"{id}","id":1}}"#);
    redis::cmd("XADD")
        .arg("unit:backlog:{unit:bus:0}")
        .arg("*")
        .arg("m")
        .arg(&cancel)
        .query_async::<String>(&mut raw)
        .await
        .expect("XADD");
    within("the cancellation from the backlog", running.cancelled()).await;

    // The same message again, on pub/sub now: handled once, so a request that took the
    // id since is not cancelled by the copy.
    if let Some(release) = guard.end() {
        release.await;
    }
    let (again, _again_guard) = on_b
        .start_call(&RequestId::Number(1))
        .await
        .expect("the id is free once its request ended");
    redis::cmd("PUBLISH")
        .arg("unit:bus")
        .arg(&cancel)
        .query_async::<i64>(&mut raw)
        .await
        .expect("PUBLISH");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!again.is_cancelled(), "a message is handled once");
    assert!(!other.is_cancelled(), "only the request it names");
}

#[tokio::test]
async fn a_sessions_call_slots_are_counted_across_replicas_and_a_release_wakes_a_waiter() {
    use crate::server::store::SlotTry;
    let server = redis_server();
    let (_, on_a, on_b) = one_session_on_two_replicas(&server).await;

    let SlotTry::Taken(slot) = on_a.take_call_slot(1).await.expect("redis") else {
        panic!("a free slot");
    };
    let SlotTry::Full(mut freed) = on_b.take_call_slot(1).await.expect("redis") else {
        panic!("the one slot is taken on the other replica");
    };
    drop(slot);
    within("the release's wake-up", freed.changed())
        .await
        .expect("woken");
    let SlotTry::Taken(slot) = on_b.take_call_slot(1).await.expect("redis") else {
        panic!("the slot is free again");
    };

    // A replica that dies gives nothing back: its slot runs out with its lease (400 ms).
    std::mem::forget(slot);
    assert!(matches!(
        on_a.take_call_slot(1).await.expect("redis"),
        SlotTry::Full(_)
    ));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(matches!(
        on_a.take_call_slot(1).await.expect("redis"),
        SlotTry::Taken(_)
    ));
}

#[tokio::test]
async fn a_task_put_on_one_replica_is_announced_on_every_one() {
    use crate::server::store::tasks::{TaskRecord, TaskStatus};
    let server = redis_server();
    let store = RedisStore::new(format!("redis://127.0.0.1:{}", server.1)).prefix("status");
    let ((_, a), (_, b)) = (
        store.open(&Config::default()),
        store.open(&Config::default()),
    );
    // Both connected (and following the bus) before the change.
    assert_eq!(a.get("t").await.expect("get"), None);
    assert_eq!(b.get("t").await.expect("get"), None);
    let (mut on_a, mut on_b) = (a.changed(), b.changed());
    let now = crate::server::features::tasks::now_ms();
    a.put(TaskRecord {
        task_id: "t".into(),
        status: TaskStatus::Completed,
        status_message: None,
        created_at: now,
        last_updated_at: now,
        ttl_ms: 60_000,
        poll_interval_ms: 100,
        input_requests: Map::new(),
        result: Some(json!({"content": []})),
        error: None,
        owner: None,
    })
    .await
    .expect("put");
    assert_eq!(within("b hears", on_b.next()).await.as_deref(), Some("t"));
    assert_eq!(within("a hears", on_a.next()).await.as_deref(), Some("t"));
}
