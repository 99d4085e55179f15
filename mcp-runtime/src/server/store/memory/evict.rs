//! Which session makes room for a newcomer: at a client's quota one of that client's own,
//! at the global cap anyone's; never one with a request in flight or a stream open.
//! Unfinished handshakes go first, then the least recently used (approximated by the CLOCK
//! algorithm: a session used since it was last looked at gets a second chance at the back of
//! the queue), so a flood churns through its own idle sessions while a session in use
//! stays. Evicting costs O(1) amortized and using a session costs nothing here.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::session::MemorySession;
use crate::server::admission::ClientKey;

/// How long a handshake may take before it counts as unfinished (first to be evicted), at
/// most: a client sends `notifications/initialized` right after `initialize`'s answer, so
/// one still missing after this is a flood's, or a client that gave up. (A quarter of the
/// handshake timeout when that is shorter.)
const HANDSHAKE_GRACE: Duration = Duration::from_secs(2);

/// A session in a queue, and when it was put there.
#[derive(Debug)]
struct Entry {
    session: Weak<MemorySession>,
    stamp: Instant,
}

impl Entry {
    fn new(session: &Arc<MemorySession>) -> Self {
        Self {
            session: Arc::downgrade(session),
            stamp: Instant::now(),
        }
    }

    /// Stamped no earlier than its handshake's end, as it joins the CLOCK: the handshake
    /// (`notifications/initialized` is a use) earns no second chance; uses after it do.
    /// Otherwise every fresh session of a flood carries one, the hand walks past all of
    /// them on each eviction, comes back at once to a session in steady use that it passed
    /// a moment ago, and evicts it between two calls.
    fn restamped(mut self, session: &MemorySession) -> Self {
        if let Some(at) = session.initialized_at() {
            self.stamp = self.stamp.max(at);
        }
        self
    }
}

/// Sessions in the order eviction looks at them: unfinished handshakes oldest first, then
/// the others in CLOCK order. Entries of ended sessions are skipped when met and compacted
/// away when they outnumber the live ones.
#[derive(Debug, Default)]
struct Queues {
    /// Sessions in order of creation, until found past their handshake.
    handshaking: VecDeque<Entry>,
    /// Sessions past their handshake, in CLOCK order.
    ready: VecDeque<Entry>,
}

impl Queues {
    fn push(&mut self, session: &Arc<MemorySession>, live: usize) {
        self.handshaking.push_back(Entry::new(session));
        if self.handshaking.len() + self.ready.len() > 2 * live + 64 {
            self.handshaking.retain(is_live);
            self.ready.retain(is_live);
        }
    }

    /// The idle session to evict: the oldest handshake left unfinished past `grace`, else
    /// the CLOCK's pick, else the oldest handshake in progress.
    fn evict(&mut self, grace: Duration) -> Option<Arc<MemorySession>> {
        for _ in 0..self.handshaking.len() {
            let Some(entry) = self.handshaking.pop_front() else {
                break;
            };
            let Some(session) = live(&entry) else {
                continue;
            };
            if session.is_initialized() {
                self.ready.push_back(entry.restamped(&session));
            } else if session.is_busy() {
                self.handshaking.push_back(entry);
            } else if session.opened().elapsed() > grace {
                return Some(session);
            } else {
                // In creation order: the rest are younger still.
                self.handshaking.push_front(entry);
                break;
            }
        }
        if let Some(victim) = clock(&mut self.ready) {
            return Some(victim);
        }
        // The scan above stops at the first handshake still in progress, so sessions behind
        // it that finished theirs have not reached the CLOCK yet: all of them go there now,
        // and the CLOCK looks again before a handshake in progress is given up (a client
        // opening its session, perhaps a well-behaved one beside a flood).
        if self.promote_finished() {
            if let Some(victim) = clock(&mut self.ready) {
                return Some(victim);
            }
        }
        let at = self
            .handshaking
            .iter()
            .position(|e| live(e).is_some_and(|s| !s.is_busy() && !s.is_initialized()))?;
        self.handshaking.remove(at).as_ref().and_then(live)
    }

    /// Moves every session past its handshake to the CLOCK's queue (dropping ended ones);
    /// `true` if any moved.
    fn promote_finished(&mut self) -> bool {
        let mut moved = false;
        let mut waiting = VecDeque::with_capacity(self.handshaking.len());
        for entry in self.handshaking.drain(..) {
            match live(&entry) {
                None => {}
                Some(session) if session.is_initialized() => {
                    self.ready.push_back(entry.restamped(&session));
                    moved = true;
                }
                Some(_) => waiting.push_back(entry),
            }
        }
        self.handshaking = waiting;
        moved
    }
}

/// What one client holds.
#[derive(Debug, Default)]
struct Client {
    live: usize,
    queues: Queues,
}

/// Every session's place in the global queues and in its client's.
#[derive(Debug)]
pub(super) struct Evictions {
    all: Queues,
    clients: HashMap<ClientKey, Client>,
    grace: Duration,
}

impl Evictions {
    /// Bookkeeping for sessions whose handshake times out after `handshake_timeout`.
    pub(super) fn new(handshake_timeout: Duration) -> Self {
        Self {
            all: Queues::default(),
            clients: HashMap::new(),
            grace: HANDSHAKE_GRACE.min(handshake_timeout / 4),
        }
    }

    /// Sessions `client` holds.
    pub(super) fn held_by(&self, client: &ClientKey) -> usize {
        self.clients.get(client).map_or(0, |c| c.live)
    }

    /// Counts a new session in.
    pub(super) fn admit(&mut self, session: &Arc<MemorySession>, live: usize) {
        self.all.push(session, live);
        if let Some(key) = &session.client {
            let client = self.clients.entry(key.clone()).or_default();
            client.live += 1;
            client.queues.push(session, client.live);
        }
    }

    /// Counts a session out (once; later calls do nothing).
    pub(super) fn release(&mut self, session: &MemorySession) {
        if !session.counted.swap(false, Ordering::AcqRel) {
            return;
        }
        if let Some(key) = &session.client {
            if let Some(client) = self.clients.get_mut(key) {
                client.live = client.live.saturating_sub(1);
                if client.live == 0 {
                    self.clients.remove(key);
                }
            }
        }
    }

    /// One of `client`'s idle sessions, counted out; `None` if each is in use.
    pub(super) fn evict_of_client(&mut self, key: &ClientKey) -> Option<Arc<MemorySession>> {
        let victim = self.clients.get_mut(key)?.queues.evict(self.grace)?;
        self.release(&victim);
        Some(victim)
    }

    /// Anyone's idle session, unfinished handshakes first, counted out; `None` if each is
    /// in use.
    pub(super) fn evict_anyone(&mut self) -> Option<Arc<MemorySession>> {
        let victim = self.all.evict(self.grace)?;
        self.release(&victim);
        Some(victim)
    }
}

fn live(entry: &Entry) -> Option<Arc<MemorySession>> {
    entry.session.upgrade().filter(|s| !s.has_ended())
}

fn is_live(entry: &Entry) -> bool {
    live(entry).is_some()
}

/// The CLOCK over `queue`: the first idle session not used since it was queued. Busy ones go to the back as they are; used ones go to the
/// back with a new stamp, in the order they were last used, so that when a whole pass finds
/// only used ones, the next one met is the least recently used rather than the oldest.
fn clock(queue: &mut VecDeque<Entry>) -> Option<Arc<MemorySession>> {
    // Two rounds: the first may only hand out second chances.
    for _ in 0..2 {
        let mut used = Vec::new();
        let mut victim = None;
        for _ in 0..queue.len() {
            let Some(entry) = queue.pop_front() else {
                break;
            };
            let Some(session) = live(&entry) else {
                continue;
            };
            if session.is_busy() {
                queue.push_back(entry);
            } else if session.last_used() <= entry.stamp {
                victim = Some(session);
                break;
            } else {
                used.push((session.last_used(), entry));
            }
        }
        used.sort_by_key(|(last_used, _)| *last_used);
        let now = Instant::now();
        for (_, mut entry) in used {
            entry.stamp = now;
            queue.push_back(entry);
        }
        if victim.is_some() {
            return victim;
        }
    }
    None
}
