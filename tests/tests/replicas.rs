//! Many replicas behind a plain load balancer: a real Redis, three replicas with the Redis
//! store, nginx round-robin in front (no stickiness), all on loopback ports (see
//! `tests/src/replicas.rs`). Any replica serves any request of any session; what one
//! replica sends, a stream held by another carries; a killed replica's calls end with an
//! error, a stopped one drains; Redis going away is a fast 503 and coming back is
//! recovery.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use tests::Client;
use tests::clients::{self, run_client};
use tests::replicas::{ClusterDeployment, Deployment, SentinelDeployment, signal};

/// The lease of the replicas' calls: short, so a lost call is reported quickly.
const LEASE: Duration = Duration::from_millis(1200);

/// How long any one wait in these tests may take before it counts as a hang.
const PATIENCE: Duration = Duration::from_secs(15);

const VERSION: &str = "2025-11-25";

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_replica"))
}

fn client(url: &str) -> Client {
    Client {
        http: reqwest::Client::new(),
        url: url.to_owned(),
        session: None,
    }
}

/// The same session, spoken to at another address.
fn at(client: &Client, url: String) -> Client {
    Client {
        url,
        ..client.clone()
    }
}

/// An SSE response, read event by event.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

/// One SSE event: its id and its data (empty for priming events).
#[derive(Debug)]
struct Event {
    id: Option<String>,
    data: String,
}

impl Event {
    fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("bad data ({e}): {}", self.data))
    }
}

impl Events {
    async fn open(request: reqwest::RequestBuilder) -> Self {
        let response = request.send().await.expect("HTTP request");
        assert_eq!(
            response.status(),
            200,
            "expected an SSE stream: {:?}",
            response.headers()
        );
        assert!(
            response.headers()["content-type"]
                .to_str()
                .is_ok_and(|c| c.starts_with("text/event-stream")),
            "not SSE: {:?}",
            response.headers()
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event; `None` when the stream ends (or breaks).
    async fn next(&mut self) -> Option<Event> {
        loop {
            let text = self.buffer.replace("\r\n", "\n");
            if let Some(end) = text.find("\n\n") {
                let block = text[..end].to_owned();
                self.buffer = text[end + 2..].to_owned();
                let mut event = Event {
                    id: None,
                    data: String::new(),
                };
                let mut any = false;
                for line in block.lines() {
                    if let Some(id) = line.strip_prefix("id:") {
                        event.id = Some(id.trim().to_owned());
                        any = true;
                    } else if let Some(data) = line.strip_prefix("data:") {
                        event.data.push_str(data.strip_prefix(' ').unwrap_or(data));
                        any = true;
                    }
                }
                if any {
                    return Some(event);
                }
                continue; // a keep-alive comment
            }
            let chunk = tokio::time::timeout(PATIENCE, self.response.chunk())
                .await
                .expect("the stream went silent: a hang");
            match chunk {
                Ok(Some(bytes)) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// The next event that carries a message.
    async fn next_message(&mut self) -> Option<(Option<String>, Value)> {
        loop {
            let event = self.next().await?;
            if !event.data.is_empty() {
                return Some((event.id.clone(), event.json()));
            }
        }
    }
}

fn sse_request(client: &Client, method: reqwest::Method) -> reqwest::RequestBuilder {
    let mut request = client
        .http
        .request(method, &client.url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", VERSION);
    if let Some(session) = &client.session {
        request = request.header("mcp-session-id", session);
    }
    request
}

/// A `tools/call` of `slow_count` as an SSE stream.
async fn slow_count(client: &Client, id: i64, steps: u64, delay_ms: u64) -> Events {
    let body = json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "slow_count", "arguments": {"steps": steps, "delay_ms": delay_ms},
                   "_meta": {"progressToken": "p"}}
    });
    Events::open(
        sse_request(client, reqwest::Method::POST)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

/// Resumes a stream after `last_event_id`.
async fn resume(client: &Client, last_event_id: &str) -> Events {
    Events::open(sse_request(client, reqwest::Method::GET).header("last-event-id", last_event_id))
        .await
}

fn progress_of(message: &Value) -> Option<u64> {
    (message["method"] == "notifications/progress")
        .then(|| message["params"]["progress"].as_u64())
        .flatten()
}

async fn start() -> (Deployment, Client) {
    let deployment = Deployment::start(&binary(), LEASE).await;
    let mut session = client(&deployment.nginx.url());
    session.initialize(VERSION).await;
    (deployment, session)
}

#[tokio::test]
async fn any_replica_serves_any_session_through_round_robin() {
    let (deployment, session) = start().await;
    serves_any_session(&deployment.replicas, session).await;
}

#[tokio::test]
async fn any_replica_serves_any_session_on_a_redis_cluster() {
    let deployment = ClusterDeployment::start(&binary(), LEASE).await;
    let mut session = client(&deployment.nginx.url());
    session.initialize(VERSION).await;
    serves_any_session(&deployment.replicas, session).await;

    // The bus is sharded pub/sub: eight shard channels, each followed by the three
    // replicas; no regular channel.
    let cluster = &deployment.cluster;
    let shard_channels = cluster.on_each_node(&["pubsub", "shardchannels"]).await;
    let channels: Vec<&str> = shard_channels.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(channels.len(), 8, "{shard_channels}");
    for channel in &channels {
        let subscribers = cluster
            .on_each_node(&["pubsub", "shardnumsub", channel])
            .await;
        assert!(
            subscribers.lines().any(|l| l == "3"),
            "{channel}: {subscribers}"
        );
    }
    let regular = cluster.on_each_node(&["pubsub", "channels"]).await;
    assert!(regular.trim().is_empty(), "regular channels: {regular}");
}

#[tokio::test]
async fn any_replica_serves_any_session_through_a_redis_cluster_failover() {
    let deployment = ClusterDeployment::start_replicated(&binary(), LEASE).await;
    let mut before = client(&deployment.nginx.url());
    before.initialize(VERSION).await;
    for (id, replica) in (2..).zip(&deployment.replicas) {
        let listed = at(&before, replica.url())
            .request(id, "tools/list", json!({}))
            .await;
        assert_eq!(listed.status, 200, "{}", listed.body);
    }
    // Every master hands its slots to its replica (the bus's shard channels' too). The
    // store's scripts are declared writes (`#!lua`), so a demoted node redirects them to
    // the new master instead of failing each with READONLY, as it did before.
    deployment.cluster.fail_over_every_master().await;
    for (id, replica) in (5..).zip(&deployment.replicas) {
        let on = at(&before, replica.url());
        let listed = on.request(id, "tools/list", json!({})).await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        let called = on
            .request(
                id + 10,
                "tools/call",
                json!({"name": "slow_count", "arguments": {"steps": 1, "delay_ms": 1}}),
            )
            .await;
        assert_eq!(called.status, 200, "{}", called.body);
        assert!(called.body.contains("\"result\""), "{}", called.body);
        let mut fresh = client(&replica.url());
        fresh.initialize(VERSION).await;
    }
    let mut session = client(&deployment.nginx.url());
    session.initialize(VERSION).await;
    serves_any_session(&deployment.replicas, session).await;
}

#[tokio::test]
async fn any_replica_serves_any_session_through_a_sentinel_failover() {
    let deployment = SentinelDeployment::start(&binary(), LEASE).await;
    let sentinel = &deployment.sentinel;
    assert_eq!(sentinel.master_port().await, Some(sentinel.nodes[0]));
    let mut before = client(&deployment.nginx.url());
    before.initialize(VERSION).await;
    // A new id each (an id's claim is given back in the background as its request ends).
    for (id, replica) in (2..).zip(&deployment.replicas) {
        let listed = at(&before, replica.url())
            .request(id, "tools/list", json!({}))
            .await;
        assert_eq!(listed.status, 200, "{}", listed.body);
    }
    sentinel.fail_over().await;
    assert_eq!(sentinel.master_port().await, Some(sentinel.nodes[1]));

    // The old master refuses writes now. Each replica moves to the new master (it asks
    // the sentinel every half second): a new session opens on every one.
    let moved = std::time::Instant::now();
    for replica in &deployment.replicas {
        loop {
            let session = client(&replica.url());
            let reply = session
                .request(
                    1,
                    "initialize",
                    json!({"protocolVersion": VERSION, "capabilities": {},
                           "clientInfo": {"name": "t", "version": "1"}}),
                )
                .await;
            if reply.status == 200 {
                break;
            }
            assert!(
                moved.elapsed() < PATIENCE,
                "replica {} never moved to the new master: {} {}",
                replica.port,
                reply.status,
                reply.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // The session made before the failover lives on, on every replica.
    for (id, replica) in (5..).zip(&deployment.replicas) {
        let listed = at(&before, replica.url())
            .request(id, "tools/list", json!({}))
            .await;
        assert_eq!(listed.status, 200, "{}", listed.body);
    }
    // And everything between replicas works on the new master, the bus too.
    let mut session = client(&deployment.nginx.url());
    session.initialize(VERSION).await;
    serves_any_session(&deployment.replicas, session).await;
}

/// Requests of one session through round-robin and on each replica: lists, a list change
/// reaching another replica's `GET` stream, a resumption elsewhere, a cancellation
/// elsewhere, a `DELETE` that ends the session everywhere.
async fn serves_any_session(replicas: &[tests::replicas::Replica], session: Client) {
    let replica = |i: usize| at(&session, replicas[i].url());

    // Round-robin spreads these over every replica; each knows the session.
    for id in 1..=6 {
        let listed = session.request(id, "tools/list", json!({})).await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        assert!(listed.body.contains("slow_count"), "{}", listed.body);
    }

    // A GET stream held by replica 0 carries a list change made on replica 1.
    let mut get = Events::open(sse_request(&replica(0), reqwest::Method::GET)).await;
    let priming = get.next().await.expect("priming event");
    assert!(
        priming.data.is_empty() && priming.id.is_some(),
        "{priming:?}"
    );
    let changed = replica(1)
        .request(
            7,
            "tools/call",
            json!({"name": "test_trigger_tool_change", "arguments": {}}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let (_, notification) = get.next_message().await.expect("a notification");
    assert_eq!(
        notification["method"], "notifications/tools/list_changed",
        "{notification}"
    );
    drop(get);

    // A call's stream dropped on replica 0 resumes on replica 2 with nothing lost.
    let mut call = slow_count(&replica(0), 8, 6, 150).await;
    let mut seen = Vec::new();
    let mut last_id = None;
    while seen.len() < 2 {
        let (id, message) = call.next_message().await.expect("progress");
        if let Some(progress) = progress_of(&message) {
            seen.push(progress);
            last_id = id;
        }
    }
    drop(call);
    let last_id = last_id.expect("progress events carry ids");
    let mut resumed = resume(&replica(2), &last_id).await;
    let result = loop {
        let (_, message) = resumed.next_message().await.expect("the rest of the call");
        match progress_of(&message) {
            Some(progress) => seen.push(progress),
            None => break message,
        }
    };
    assert_eq!(seen, [1, 2, 3, 4, 5, 6], "every event once, in order");
    assert_eq!(result["id"], 8, "{result}");
    assert_eq!(
        result["result"]["content"][0]["text"], "counted to 6",
        "{result}"
    );

    // A cancellation sent to replica 1 stops the call running on replica 0.
    let mut running = slow_count(&replica(0), 10, 1000, 100).await;
    let (_, first) = running.next_message().await.expect("first progress");
    assert_eq!(progress_of(&first), Some(1), "{first}");
    let cancel = replica(1)
        .post(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 10, "reason": "changed my mind"}}),
        )
        .await;
    assert_eq!(cancel.status, 202, "{}", cancel.body);
    let mut after_cancel = 0;
    while let Some((_, message)) = running.next_message().await {
        assert!(
            progress_of(&message).is_some(),
            "no response after a cancel: {message}"
        );
        after_cancel += 1;
        assert!(after_cancel < 100, "the call was not stopped");
    }

    // DELETE through nginx ends the session on every replica.
    let deleted = sse_request(&session, reqwest::Method::DELETE)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(deleted.status(), 200);
    for i in 0..3 {
        let gone = replica(i).request(9, "tools/list", json!({})).await;
        assert_eq!(gone.status, 404, "replica {i}: {}", gone.body);
    }
}

#[tokio::test]
async fn the_session_cap_holds_across_replicas_and_spares_busy_sessions() {
    let deployment = Deployment::start_with(&binary(), LEASE, &[("MCP_MAX_SESSIONS", "4")]).await;
    the_cap_holds(&deployment.nginx.url()).await;
}

#[tokio::test]
async fn the_session_cap_holds_on_a_redis_cluster() {
    let deployment =
        ClusterDeployment::start_with(&binary(), LEASE, &[("MCP_MAX_SESSIONS", "4")]).await;
    the_cap_holds(&deployment.nginx.url()).await;
}

/// Through `url` (three replicas with `MCP_MAX_SESSIONS=4`): a busy session and seven
/// more leave four sessions in all, the busy one and the three newest.
async fn the_cap_holds(url: &str) {
    let url = url.to_owned();
    let mut sessions = Vec::new();

    // The first session has a call running on some replica: it must not be evicted.
    let mut busy = client(&url);
    busy.initialize(VERSION).await;
    let mut running = slow_count(&busy, 1, 400, 50).await;
    let (_, first) = running.next_message().await.expect("first progress");
    assert_eq!(progress_of(&first), Some(1), "{first}");
    sessions.push(busy);

    // Seven more through round-robin: each is admitted, evicting the least recently used
    // idle session, wherever it was made.
    for _ in 0..7 {
        let mut session = client(&url);
        session.initialize(VERSION).await;
        sessions.push(session);
    }

    let mut live = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let listed = session.request(2, "tools/list", json!({})).await;
        match listed.status {
            200 => live.push(i),
            404 => {}
            other => panic!("session {i}: unexpected {other}: {}", listed.body),
        }
    }
    assert_eq!(
        live,
        [0, 5, 6, 7],
        "four sessions in all on three replicas: the busy one and the three newest"
    );
    assert!(
        running.next_message().await.is_some(),
        "the busy session's call goes on"
    );
}

/// What a session may run at once, and wait for, in the calls-per-session tests.
const CALL_CAPS: &[(&str, &str)] = &[
    ("MCP_MAX_CALLS_PER_SESSION", "2"),
    ("MCP_CALL_QUEUE", "1"),
    ("MCP_CALL_QUEUE_TIMEOUT", "10s"),
];

#[tokio::test]
async fn the_calls_per_session_cap_holds_across_replicas() {
    let deployment = Deployment::start_with(&binary(), LEASE, CALL_CAPS).await;
    calls_per_session(&deployment.replicas).await;
}

#[tokio::test]
async fn the_calls_per_session_cap_holds_on_a_redis_cluster() {
    let deployment = ClusterDeployment::start_with(&binary(), LEASE, CALL_CAPS).await;
    calls_per_session(&deployment.replicas).await;
}

/// `MCP_MAX_CALLS_PER_SESSION=2` on three replicas: with a call of the session running on
/// replicas 0 and 1, a third on replica 2 waits (in replica 2's queue of one, so a fourth
/// there is refused at once), and runs as soon as one of the two ends.
async fn calls_per_session(replicas: &[tests::replicas::Replica]) {
    let mut session = client(&replicas[0].url());
    session.initialize(VERSION).await;
    let on = |i: usize| at(&session, replicas[i].url());
    let mut short = slow_count(&on(0), 1, 15, 100).await;
    let mut long = slow_count(&on(1), 2, 150, 100).await;
    for call in [&mut short, &mut long] {
        let (_, first) = call.next_message().await.expect("first progress");
        assert_eq!(progress_of(&first), Some(1), "{first}");
    }
    let third = tokio::spawn({
        let third = on(2);
        async move {
            let mut call = slow_count(&third, 3, 2, 10).await;
            call.next_message()
                .await
                .expect("the third call's progress")
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !third.is_finished(),
        "two calls of the session run on other replicas: the third waits"
    );
    let fourth = on(2)
        .request(
            4,
            "tools/call",
            json!({"name": "slow_count", "arguments": {"steps": 1, "delay_ms": 1}}),
        )
        .await;
    assert_eq!(
        fourth.status, 503,
        "replica 2's queue is full: {}",
        fourth.body
    );
    assert!(fourth.body.contains("waiting"), "{}", fourth.body);

    // The short call ends (about 1.5 s after it began): the third runs at once.
    while short.next_message().await.is_some() {}
    let ended = std::time::Instant::now();
    let (_, progress) = tokio::time::timeout(PATIENCE, third)
        .await
        .expect("the third call runs once a slot frees")
        .expect("task");
    assert_eq!(progress_of(&progress), Some(1), "{progress}");
    assert!(
        ended.elapsed() < Duration::from_secs(2),
        "woken by the release, not by its queue timeout: {:?}",
        ended.elapsed()
    );
    drop(long);
}

#[tokio::test]
async fn request_ids_and_the_get_stream_rule_hold_across_replicas() {
    let (deployment, session) = start().await;
    ids_and_get_stream_rule(&deployment.replicas, session).await;
}

#[tokio::test]
async fn request_ids_and_the_get_stream_rule_hold_on_a_redis_cluster() {
    let deployment = ClusterDeployment::start(&binary(), LEASE).await;
    let mut session = client(&deployment.nginx.url());
    session.initialize(VERSION).await;
    ids_and_get_stream_rule(&deployment.replicas, session).await;
}

/// An id in flight on replica 0 is refused on replica 1; a `GET` stream on replica 0
/// makes one on replica 1 a 409 until it closes.
async fn ids_and_get_stream_rule(replicas: &[tests::replicas::Replica], session: Client) {
    let replica = |i: usize| at(&session, replicas[i].url());

    // Request id 5 runs on replica 0: replica 1 refuses it while it runs.
    let mut running = slow_count(&replica(0), 5, 400, 50).await;
    let (_, first) = running.next_message().await.expect("first progress");
    assert_eq!(progress_of(&first), Some(1), "{first}");
    let reused = replica(1)
        .request(
            5,
            "tools/call",
            json!({"name": "slow_count", "arguments": {"steps": 1}}),
        )
        .await;
    assert!(
        reused.body.contains("already in use") && reused.body.contains("-32600"),
        "{}: {}",
        reused.status,
        reused.body
    );
    assert!(
        running.next_message().await.is_some(),
        "the first request goes on"
    );
    drop(running);

    // Once answered, an id is free at once on every replica: the answer goes out only
    // after the id's claim is given back. Some clients send every request as the same
    // id; they must never see "in use" for a request that was answered. Both answer
    // paths: a JSON reply (`tools/list`) and a tool call's stream.
    for round in 0..60 {
        let here = replica(round % replicas.len());
        let listed = here.request(7, "tools/list", json!({})).await;
        assert_eq!(listed.status, 200, "round {round}: {}", listed.body);
        let called = here
            .request(
                7,
                "tools/call",
                json!({"name": "slow_count", "arguments": {"steps": 0}}),
            )
            .await;
        assert!(
            called.status == 200 && called.body.contains("counted to 0"),
            "round {round}: {}: {}",
            called.status,
            called.body
        );
    }

    // One GET stream per session, whichever replica holds it.
    let get = Events::open(sse_request(&replica(0), reqwest::Method::GET)).await;
    let second = sse_request(&replica(1), reqwest::Method::GET)
        .send()
        .await
        .expect("GET");
    assert_eq!(
        second.status(),
        409,
        "a second GET stream on another replica"
    );
    drop(second);
    drop(get);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let again = sse_request(&replica(1), reqwest::Method::GET)
            .send()
            .await
            .expect("GET");
        if again.status() == 200 {
            break;
        }
        assert_eq!(again.status(), 409, "only busy, never another error");
        assert!(
            tokio::time::Instant::now() < deadline,
            "the GET stream never came free"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether `tools/list` at `url` (a session's replica) lists `name`.
async fn lists_tool(session: &Client, name: &str) -> bool {
    let listed = session.request(90, "tools/list", json!({})).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.body.contains(&format!("\"{name}\""))
}

/// Waits (boundedly) until `tools/list` on `session` does or does not list `name`.
async fn until_listed(session: &Client, name: &str, listed: bool, what: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while lists_tool(session, name).await != listed {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_tool_added_on_one_replica_is_served_by_every_replica_and_a_late_one() {
    let (mut deployment, session) = start().await;
    let replica = |d: &Deployment, i: usize| at(&session, d.replicas[i].url());
    for i in 0..3 {
        assert!(!lists_tool(&replica(&deployment, i), "test_dynamic_tool").await);
    }
    let added = replica(&deployment, 1)
        .request(
            1,
            "tools/call",
            json!({"name": "test_trigger_tool_change", "arguments": {}}),
        )
        .await;
    assert!(
        added.body.contains("Added test_dynamic_tool"),
        "{}",
        added.body
    );
    for i in 0..3 {
        let here = replica(&deployment, i);
        until_listed(&here, "test_dynamic_tool", true, "added everywhere").await;
        let called = here
            .request(
                2 + i64::try_from(i).unwrap_or(0),
                "tools/call",
                json!({"name": "test_dynamic_tool", "arguments": {}}),
            )
            .await;
        assert!(
            called.body.contains("I come and go"),
            "replica {i}: {}",
            called.body
        );
    }

    // A replica started now catches up.
    let late = tests::replicas::Replica::start(
        &binary(),
        tests::replicas::free_port(),
        &deployment.redis.url(),
        LEASE,
    )
    .await;
    let on_late = at(&session, late.url());
    until_listed(
        &on_late,
        "test_dynamic_tool",
        true,
        "the late replica catches up",
    )
    .await;
    deployment.replicas.push(late);

    // Removed on the late one: gone everywhere.
    let removed = on_late
        .request(
            10,
            "tools/call",
            json!({"name": "test_trigger_tool_change", "arguments": {}}),
        )
        .await;
    assert!(
        removed.body.contains("Removed test_dynamic_tool"),
        "{}",
        removed.body
    );
    for i in 0..4 {
        until_listed(
            &replica(&deployment, i),
            "test_dynamic_tool",
            false,
            "removed everywhere",
        )
        .await;
    }
}

#[tokio::test]
async fn an_elicitation_is_answered_through_another_replica() {
    let deployment = Deployment::start(&binary(), LEASE).await;
    let mut session = client(&deployment.nginx.url());
    let opened = session
        .post(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": VERSION, "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "tests", "version": "0"}}}),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    session.session = opened.session.clone();
    let ack = session
        .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    assert_eq!(ack.status, 202, "{}", ack.body);

    // The tool runs on replica 0 and asks the client on its call's stream...
    let asking = at(&session, deployment.replicas[0].url());
    let body = json!({"jsonrpc": "2.0", "id": 51, "method": "tools/call",
        "params": {"name": "test_elicitation", "arguments": {"message": "Who are you?"}}});
    let mut call = Events::open(
        sse_request(&asking, reqwest::Method::POST)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await;
    let (_, request) = call.next_message().await.expect("the question");
    assert_eq!(request["method"], "elicitation/create", "{request}");
    // ...and the client's answer reaches it through replica 2.
    let answer = at(&session, deployment.replicas[2].url())
        .post(json!({"jsonrpc": "2.0", "id": request["id"], "result": {
            "action": "accept", "content": {"username": "ada", "email": "ada@example.com"}}}))
        .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let (_, result) = call.next_message().await.expect("the tool's result");
    assert_eq!(result["id"], 51, "{result}");
    let text = result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("action=accept") && text.contains("ada@example.com"),
        "{result}"
    );
}

/// A 2026-07-28 request (no session) to one replica, from a client with the tasks extension.
async fn stateless(url: &str, method: &str, name: &str, params: Value) -> Value {
    const V: &str = "2026-07-28";
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let reply = client(url)
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", V)
        .header("mcp-method", method)
        .header("mcp-name", name)
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    tests::read(reply).await.json()
}

/// Starts `slow_compute` as a task on replica `url`; its task id.
async fn start_task(url: &str, seconds: u64, label: &str) -> String {
    let created = stateless(
        url,
        "tools/call",
        "slow_compute",
        json!({"name": "slow_compute", "arguments": {"seconds": seconds, "label": label}}),
    )
    .await;
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    created["result"]["taskId"]
        .as_str()
        .expect("taskId")
        .to_owned()
}

#[tokio::test]
async fn a_task_started_on_one_replica_is_polled_on_another() {
    let deployment = Deployment::start(&binary(), LEASE).await;
    let (first, second) = (deployment.replicas[0].url(), deployment.replicas[1].url());
    let task = start_task(&first, 1, "pi").await;
    let mut done = Value::Null;
    for _ in 0..100 {
        done = stateless(&second, "tasks/get", &task, json!({"taskId": task})).await;
        if done["result"]["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done["result"]["status"], "completed", "{done}");
    assert_eq!(
        done["result"]["result"]["content"][0]["text"], "Computed pi in 1s",
        "{done}"
    );
}

#[tokio::test]
async fn tasks_cancel_on_another_replica_stops_the_tool() {
    let deployment = Deployment::start(&binary(), LEASE).await;
    cancel_stops_the_tool(&deployment.replicas).await;
}

#[tokio::test]
async fn tasks_cancel_on_another_replica_stops_the_tool_on_a_redis_cluster() {
    let deployment = ClusterDeployment::start(&binary(), LEASE).await;
    cancel_stops_the_tool(&deployment.replicas).await;
}

/// A task started on replica 0, cancelled on replica 1: cancelled everywhere, and still so
/// after the tool would have finished.
async fn cancel_stops_the_tool(replicas: &[tests::replicas::Replica]) {
    let url = |i: usize| replicas[i].url();
    let task = start_task(&url(0), 2, "e").await;
    let cancelled = stateless(&url(1), "tasks/cancel", &task, json!({"taskId": task})).await;
    assert!(cancelled.get("error").is_none(), "{cancelled}");
    // Past the time the tool would have taken: had it gone on, its replica would have
    // recorded it completed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for i in 0..3 {
        let state = stateless(&url(i), "tasks/get", &task, json!({"taskId": task})).await;
        assert_eq!(
            state["result"]["status"], "cancelled",
            "replica {i}: {state}"
        );
    }
}

/// A `subscriptions/listen` on replica `url` following these tasks.
async fn follow_tasks(url: &str, tasks: &[&str]) -> Events {
    const V: &str = "2026-07-28";
    let body = json!({"jsonrpc": "2.0", "id": 8, "method": "subscriptions/listen", "params": {
        "notifications": {"taskIds": tasks},
        "_meta": {"io.modelcontextprotocol/protocolVersion": V,
            "io.modelcontextprotocol/clientCapabilities":
                {"extensions": {"io.modelcontextprotocol/tasks": {}}}}}});
    let mut events = Events::open(
        client(url)
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", V)
            .header("mcp-method", "subscriptions/listen")
            .body(body.to_string()),
    )
    .await;
    let (_, ack) = events.next_message().await.expect("ack");
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!(tasks),
        "{ack}"
    );
    events
}

/// The statuses a subscription is told until one is terminal.
async fn statuses_until_the_end(events: &mut Events) -> Vec<Value> {
    let mut told = Vec::new();
    for _ in 0..20 {
        let (_, note) = events.next_message().await.expect("a status notification");
        assert_eq!(note["method"], "notifications/tasks", "{note}");
        let status = note["params"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        told.push(note["params"].clone());
        if ["completed", "failed", "cancelled"].contains(&status.as_str()) {
            return told;
        }
    }
    panic!("no terminal status in {told:?}");
}

#[tokio::test]
async fn task_status_notifications_reach_a_subscription_on_another_replica() {
    let deployment = Deployment::start(&binary(), LEASE).await;
    task_statuses_across(&deployment.replicas).await;
}

#[tokio::test]
async fn task_status_notifications_reach_a_subscription_on_a_redis_cluster() {
    let deployment = ClusterDeployment::start(&binary(), LEASE).await;
    task_statuses_across(&deployment.replicas).await;
}

/// A task runs on replica 0 and completes, another is cancelled from replica 1: a
/// subscription on replica 2 is told each one's state, the ending once.
async fn task_statuses_across(replicas: &[tests::replicas::Replica]) {
    let url = |i: usize| replicas[i].url();
    let (finishing, cancelled) = (
        start_task(&url(0), 2, "t").await,
        start_task(&url(0), 30, "t").await,
    );
    let mut events = follow_tasks(&url(2), &[&finishing]).await;
    let told = statuses_until_the_end(&mut events).await;
    assert_eq!(
        told[0]["status"], "working",
        "the state as it opened: {told:?}"
    );
    let last = told.last().expect("one");
    assert_eq!(last["status"], "completed", "{told:?}");
    assert_eq!(
        last["result"]["content"][0]["text"], "Computed t in 2s",
        "{last}"
    );

    let mut events = follow_tasks(&url(2), &[&cancelled]).await;
    let (_, first) = events.next_message().await.expect("the state as it opened");
    assert_eq!(first["params"]["status"], "working", "{first}");
    let ack = stateless(
        &url(1),
        "tasks/cancel",
        &cancelled,
        json!({"taskId": cancelled}),
    )
    .await;
    assert!(ack.get("error").is_none(), "{ack}");
    let told = statuses_until_the_end(&mut events).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["status"], "cancelled", "{told:?}");
    // Replica 0 records the cancellation again as it stops the tool: not told twice.
    let again = tokio::time::timeout(Duration::from_millis(800), events.next_message()).await;
    assert!(again.is_err(), "told again: {again:?}");
}

#[tokio::test]
async fn a_replica_killed_mid_call_ends_the_resumed_stream_with_an_error() {
    let (mut deployment, session) = start().await;
    let first = at(&session, deployment.replicas[0].url());
    let mut call = slow_count(&first, 21, 1000, 100).await;
    let mut last_id = None;
    let mut seen = 0;
    while seen < 2 {
        let (id, message) = call.next_message().await.expect("progress");
        if progress_of(&message).is_some() {
            seen += 1;
            last_id = id;
        }
    }
    signal(&deployment.replicas[0].child, "-KILL");
    let _ = deployment.replicas[0].child.wait().await;
    // What the dead replica still sent on the broken connection is in Redis too.
    while call.next_message().await.is_some() {}

    let last_id = last_id.expect("ids");
    let other = at(&session, deployment.replicas[1].url());
    let mut resumed = resume(&other, &last_id).await;
    let mut progress = Vec::new();
    let (error_id, error) = loop {
        let (id, message) = resumed
            .next_message()
            .await
            .expect("an error for the lost call, not the end of the stream");
        match progress_of(&message) {
            Some(p) => progress.push(p),
            None => break (id, message),
        }
    };
    assert_eq!(error["id"], 21, "{error}");
    assert_eq!(error["error"]["code"], -32603, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("replica")),
        "{error}"
    );
    assert!(
        progress.windows(2).all(|w| w[1] == w[0] + 1) && progress.first().is_none_or(|p| *p == 3),
        "stored events, in order, from the cursor on: {progress:?}"
    );
    assert!(
        resumed.next().await.is_none(),
        "the stream ends after the error"
    );
    // The error is stored: resuming before it gets it again, after it there is nothing.
    let again = sse_request(&other, reqwest::Method::GET)
        .header("last-event-id", &last_id)
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), 200);
    let error_id = error_id.expect("the error is an event with an id");
    let finished = sse_request(&other, reqwest::Method::GET)
        .header("last-event-id", &error_id)
        .send()
        .await
        .expect("GET");
    assert_eq!(finished.status(), 404, "nothing follows the error");
    // The session itself lives on.
    let listed = at(&session, deployment.replicas[2].url())
        .request(22, "tools/list", json!({}))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
}

#[tokio::test]
async fn a_rolling_restart_drains_calls_and_keeps_sessions() {
    let (mut deployment, session) = start().await;
    let first = at(&session, deployment.replicas[0].url());
    let mut get = Events::open(sse_request(&first, reqwest::Method::GET)).await;
    assert!(get.next().await.is_some(), "priming event");
    let mut call = slow_count(&first, 31, 8, 150).await;
    let (_, message) = call.next_message().await.expect("first progress");
    assert_eq!(progress_of(&message), Some(1), "{message}");

    signal(&deployment.replicas[0].child, "-TERM");
    // The call runs to its end on the stopping replica.
    let mut progress = vec![1];
    let result = loop {
        let (_, message) = call.next_message().await.expect("the call drains");
        match progress_of(&message) {
            Some(p) => progress.push(p),
            None => break message,
        }
    };
    assert_eq!(progress, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(result["result"]["content"][0]["text"], "counted to 8");
    // Its GET stream ended, so the client reopens it elsewhere.
    assert!(
        get.next_message().await.is_none(),
        "GET stream ends on SIGTERM"
    );
    let status = tokio::time::timeout(PATIENCE, deployment.replicas[0].child.wait())
        .await
        .expect("the replica exits after draining")
        .expect("exit status");
    assert!(status.success(), "exit 0 on SIGTERM, got {status}");

    // Every request of the session still works through nginx, and a new GET stream opens.
    for id in 32..38 {
        let listed = session.request(id, "tools/list", json!({})).await;
        assert_eq!(listed.status, 200, "{}", listed.body);
    }
    let mut reopened = Events::open(sse_request(
        &at(&session, deployment.replicas[1].url()),
        reqwest::Method::GET,
    ))
    .await;
    assert!(reopened.next().await.is_some(), "priming event");
}

#[tokio::test]
async fn redis_down_is_a_fast_503_and_its_return_is_recovery() {
    let (mut deployment, session) = start().await;
    deployment.redis.stop().await;
    let replica = at(&session, deployment.replicas[0].url());
    let down = tokio::time::timeout(PATIENCE, replica.request(41, "tools/list", json!({})))
        .await
        .expect("fails fast, no hang");
    assert_eq!(down.status, 503, "{}", down.body);
    assert!(
        down.body.contains("Redis"),
        "says what is down: {}",
        down.body
    );
    let fresh = tokio::time::timeout(PATIENCE, async {
        let fresh = client(&deployment.nginx.url());
        fresh
            .post(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": VERSION, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}))
            .await
    })
    .await
    .expect("no hang");
    assert_eq!(fresh.status, 503, "{}", fresh.body);

    deployment.redis.restart().await;
    // The session was kept by Redis: once it is back, every replica serves it again.
    for (i, replica) in deployment.replicas.iter().enumerate() {
        let replica = at(&session, replica.url());
        let mut status = 0;
        for attempt in 0..40 {
            let reply = replica.request(42 + attempt, "tools/list", json!({})).await;
            status = reply.status;
            if status == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(status, 200, "replica {i} recovers when Redis returns");
    }
    let mut fresh = client(&deployment.nginx.url());
    fresh.initialize(VERSION).await;

    // The bus is back too: a list change made on replica 1 reaches a GET stream on replica 0.
    let mut get = Events::open(sse_request(
        &at(&session, deployment.replicas[0].url()),
        reqwest::Method::GET,
    ))
    .await;
    assert!(get.next().await.is_some(), "priming event");
    let changed = at(&session, deployment.replicas[1].url())
        .request(
            90,
            "tools/call",
            json!({"name": "test_trigger_tool_change", "arguments": {}}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let (_, notification) = get.next_message().await.expect("a notification");
    assert_eq!(notification["method"], "notifications/tools/list_changed");
}

/// The official Python SDK through nginx, in both eras.
async fn python_sdk(mode: &str) {
    let python = clients::python();
    let deployment = Deployment::start(&binary(), LEASE).await;
    let mut command = tokio::process::Command::new(python);
    command
        .arg(clients::sources().join("python/replicas_client.py"))
        .args([&deployment.nginx.url(), mode]);
    let output = run_client(command, Duration::from_secs(60)).await;
    assert!(output.stdout.contains("ok: "), "{output:?}");
}

#[tokio::test]
async fn python_sdk_in_legacy_mode_through_nginx() {
    python_sdk("legacy").await;
}

#[tokio::test]
async fn python_sdk_in_auto_mode_through_nginx() {
    python_sdk("auto").await;
}

/// The official TypeScript SDK through nginx.
#[tokio::test]
async fn typescript_sdk_through_nginx() {
    let node = clients::node();
    let deployment = Deployment::start(&binary(), LEASE).await;
    let mut command = node.script("replicas_client.mjs");
    command.arg(deployment.nginx.url());
    let output = run_client(command, Duration::from_secs(60)).await;
    assert!(output.stdout.contains("ok: "), "{output:?}");
}

/// The 2024-11-05 HTTP+SSE transport through nginx round-robin with the official Python
/// SDK's `sse_client`: the stream stays on one replica, the POSTs land on all three.
#[tokio::test]
async fn python_sdk_legacy_sse_through_nginx() {
    let python = clients::python();
    let deployment = Deployment::start(&binary(), LEASE).await;
    let mut command = tokio::process::Command::new(python);
    command
        .arg(clients::sources().join("python/replicas_sse_client.py"))
        .arg(format!("{}/sse", deployment.nginx.url()));
    let output = run_client(command, Duration::from_secs(60)).await;
    assert!(output.stdout.contains("ok: legacy sse"), "{output:?}");
}

/// The TypeScript SDK's `SSEClientTransport` through nginx round-robin: a call with
/// progress and an elicitation whose answer may reach another replica.
#[tokio::test]
async fn typescript_sdk_legacy_sse_through_nginx() {
    let node = clients::node();
    let deployment = Deployment::start(&binary(), LEASE).await;
    let mut command = node.script("sse_client.mjs");
    command.arg(format!("{}/sse", deployment.nginx.url()));
    let output = run_client(command, Duration::from_secs(60)).await;
    assert!(
        output.stdout.contains("ok: typescript legacy sse"),
        "{output:?}"
    );
}

/// What the fault test counted.
#[derive(Debug, Default)]
struct Tally {
    started: usize,
    completed: usize,
    /// Ended with a JSON-RPC error or an HTTP error status that says why.
    failed: usize,
    /// Ended without one: the connection failed, or a resumption was refused.
    broken: usize,
    /// Progress frames missing from calls that completed.
    frames_lost: usize,
    /// Sessions that were gone (404) and had to initialize again.
    reinitialized: usize,
}

/// How one call ended.
enum Ended {
    Completed { frames_lost: usize },
    Failed,
    Broken,
    SessionGone,
}

const FAULT_STEPS: u64 = 6;

/// One streaming `slow_count` call through nginx, resumed (through nginx, so on any
/// replica) whenever its stream breaks before the response.
async fn streamed_call(session: &Client, id: i64) -> Ended {
    let body = json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "slow_count", "arguments": {"steps": FAULT_STEPS, "delay_ms": 80},
                   "_meta": {"progressToken": "p"}}
    });
    let request = sse_request(session, reqwest::Method::POST)
        .header("content-type", "application/json")
        .body(body.to_string());
    let Ok(response) = request.send().await else {
        return Ended::Broken;
    };
    match response.status().as_u16() {
        200 => {}
        404 => return Ended::SessionGone,
        status => {
            let text = response.text().await.unwrap_or_default();
            assert!(!text.is_empty(), "HTTP {status} without a reason");
            return Ended::Failed;
        }
    }
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    let mut seen = Vec::new();
    let mut last_id = None;
    for _ in 0..20 {
        while let Some(event) = events.next().await {
            if event.id.is_some() {
                last_id = event.id.clone();
            }
            if event.data.is_empty() {
                continue;
            }
            let message = event.json();
            if let Some(progress) = progress_of(&message) {
                seen.push(progress);
            } else if message.get("error").is_some() {
                return Ended::Failed;
            } else if message["result"]["content"][0]["text"] == format!("counted to {FAULT_STEPS}")
            {
                seen.sort_unstable();
                seen.dedup();
                let expected = usize::try_from(FAULT_STEPS).unwrap_or(usize::MAX);
                return Ended::Completed {
                    frames_lost: expected.saturating_sub(seen.len()),
                };
            }
        }
        // The stream broke before the response: resume it wherever nginx sends us.
        let Some(cursor) = &last_id else {
            return Ended::Broken;
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        let resumed = sse_request(session, reqwest::Method::GET)
            .header("last-event-id", cursor)
            .send()
            .await;
        match resumed {
            Ok(response) if response.status() == 200 => {
                events = Events {
                    response,
                    buffer: String::new(),
                };
            }
            Ok(response) if response.status() == 503 => {} // Redis restarting: retry.
            Ok(_) | Err(_) => return Ended::Broken,
        }
    }
    Ended::Broken
}

/// Steady streaming calls from several clients through nginx while one replica is
/// killed, another restarted, and Redis restarted (AOF on): every call ends, completed or
/// with a clear error, and no completed call lost a frame.
#[tokio::test]
async fn steady_load_through_a_replica_kill_a_restart_and_a_redis_restart() {
    let mut deployment = Deployment::start(&binary(), LEASE).await;
    let url = deployment.nginx.url();
    let until = tokio::time::Instant::now() + Duration::from_secs(9);
    let mut clients = Vec::new();
    for c in 0..4_i64 {
        let url = url.clone();
        clients.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut session = client(&url);
            session.initialize(VERSION).await;
            let mut id = c * 10_000;
            while tokio::time::Instant::now() < until {
                id += 1;
                tally.started += 1;
                match streamed_call(&session, id).await {
                    Ended::Completed { frames_lost } => {
                        tally.completed += 1;
                        tally.frames_lost += frames_lost;
                    }
                    Ended::Failed => {
                        tally.failed += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Ended::Broken => {
                        tally.broken += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Ended::SessionGone => {
                        tally.failed += 1;
                        tally.reinitialized += 1;
                        session = client(&url);
                        for _ in 0..50 {
                            let reply = session
                                .post(json!({
                                    "jsonrpc": "2.0", "id": 0, "method": "initialize",
                                    "params": {"protocolVersion": VERSION, "capabilities": {},
                                               "clientInfo": {"name": "fault", "version": "0"}}
                                }))
                                .await;
                            if reply.status == 200 {
                                session.session = reply.session.clone();
                                let _ = session
                                    .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                                    .await;
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
            tally
        }));
    }

    tokio::time::sleep(Duration::from_millis(1500)).await;
    signal(&deployment.replicas[0].child, "-KILL");
    let _ = deployment.replicas[0].child.wait().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let port = deployment.replicas[1].port;
    signal(&deployment.replicas[1].child, "-TERM");
    let _ =
        tokio::time::timeout(Duration::from_secs(12), deployment.replicas[1].child.wait()).await;
    deployment.replicas[1] =
        tests::replicas::Replica::start(&binary(), port, &deployment.redis.url(), LEASE).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    deployment.redis.restart().await;

    let mut total = Tally::default();
    for handle in clients {
        let tally = tokio::time::timeout(Duration::from_secs(60), handle)
            .await
            .expect("a client hung")
            .expect("a client panicked");
        total.started += tally.started;
        total.completed += tally.completed;
        total.failed += tally.failed;
        total.broken += tally.broken;
        total.frames_lost += tally.frames_lost;
        total.reinitialized += tally.reinitialized;
    }
    println!(
        "| calls started | completed | failed with a clear error | broken without one | frames lost (completed calls) | sessions re-initialized |\n| {} | {} | {} | {} | {} | {} |",
        total.started,
        total.completed,
        total.failed,
        total.broken,
        total.frames_lost,
        total.reinitialized
    );
    assert_eq!(
        total.started,
        total.completed + total.failed + total.broken,
        "{total:?}"
    );
    assert_eq!(total.frames_lost, 0, "{total:?}");
    assert!(total.completed > 0, "{total:?}");
}
