//! Which session makes room for a newcomer: at a client's quota one of that client's own,
//! at the global cap anyone's; never one with a request in flight or a stream open.
//! Unfinished handshakes go first, then the least recently used (approximated by the CLOCK
//! algorithm: a session used since it was last looked at gets a second chance at the back of
//! the queue), so a flood churns through its own idle sessions while a session in use
//! stays. Evicting costs O(1) amortized and using a session costs nothing here.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Instant;

use super::session::MemorySession;
use crate::server::admission::ClientKey;

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
}

/// What one client holds.
#[derive(Debug, Default)]
struct Client {
    live: usize,
    queue: VecDeque<Entry>,
}

/// The queues eviction looks through. Entries of ended sessions are skipped when met and
/// compacted away when they outnumber the live ones.
#[derive(Debug, Default)]
pub(super) struct Evictions {
    /// Sessions in order of creation, until found past their handshake.
    handshaking: VecDeque<Entry>,
    /// Sessions past their handshake, in CLOCK order.
    ready: VecDeque<Entry>,
    clients: HashMap<ClientKey, Client>,
}

impl Evictions {
    /// Sessions `client` holds.
    pub(super) fn held_by(&self, client: &ClientKey) -> usize {
        self.clients.get(client).map_or(0, |c| c.live)
    }

    /// Counts a new session in.
    pub(super) fn admit(&mut self, session: &Arc<MemorySession>, live: usize) {
        self.handshaking.push_back(Entry::new(session));
        if let Some(key) = &session.client {
            let client = self.clients.entry(key.clone()).or_default();
            client.live += 1;
            client.queue.push_back(Entry::new(session));
            if client.queue.len() > 2 * client.live + 16 {
                client.queue.retain(is_live);
            }
        }
        if self.handshaking.len() + self.ready.len() > 2 * live + 64 {
            self.handshaking.retain(is_live);
            self.ready.retain(is_live);
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
    pub(super) fn from_client(&mut self, key: &ClientKey) -> Option<Arc<MemorySession>> {
        let client = self.clients.get_mut(key)?;
        let victim = clock(&mut client.queue, |s| !s.is_initialized())?;
        self.release(&victim);
        Some(victim)
    }

    /// Anyone's idle session, unfinished handshakes first, counted out; `None` if each is
    /// in use.
    pub(super) fn from_anyone(&mut self) -> Option<Arc<MemorySession>> {
        let mut victim = None;
        for _ in 0..self.handshaking.len() {
            let Some(entry) = self.handshaking.pop_front() else {
                break;
            };
            let Some(session) = live(&entry) else {
                continue;
            };
            if session.is_initialized() {
                self.ready.push_back(entry);
            } else if session.is_busy() {
                self.handshaking.push_back(entry);
            } else {
                victim = Some(session);
                break;
            }
        }
        let victim = victim.or_else(|| clock(&mut self.ready, |_| false))?;
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

/// One pass of the CLOCK over `queue`: the first idle session not used since it was queued
/// (or `first_choice`, whenever met); used ones go to the back with a new stamp, busy ones
/// to the back as they are.
fn clock(
    queue: &mut VecDeque<Entry>,
    first_choice: impl Fn(&MemorySession) -> bool,
) -> Option<Arc<MemorySession>> {
    // Two rounds: the first may only hand out second chances.
    for _ in 0..queue.len().saturating_mul(2) {
        let mut entry = queue.pop_front()?;
        let Some(session) = live(&entry) else {
            continue;
        };
        if session.is_busy() {
            queue.push_back(entry);
        } else if first_choice(&session) || session.last_used() <= entry.stamp {
            return Some(session);
        } else {
            entry.stamp = Instant::now();
            queue.push_back(entry);
        }
    }
    None
}
