//! The names of everything the Redis store keeps, in one place.
//!
//! Every key of a session carries the session id as a hash tag (`{<id>}`), so a session's
//! keys live in one Redis Cluster slot and the store's scripts, which touch several keys of
//! one session at once, stay valid on a cluster. The prefix (default `mcp`) lets servers
//! share a Redis; it may not contain `{` or `}`, which would move the hash tag.

/// Builds key names under one prefix.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix`; braces (which would break the hash tags) are dropped from it.
    pub(super) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.chars().filter(|c| !matches!(c, '{' | '}')).collect(),
        }
    }

    /// The session's record: a hash with its protocol version, client, log level and TTL.
    pub(super) fn session(&self, sid: &str) -> String {
        format!("{}:{{{sid}}}", self.prefix)
    }

    /// What the scripts append a stream number and a suffix to (`…:m:3`).
    pub(super) fn session_base(&self, sid: &str) -> String {
        format!("{}:{{{sid}}}:", self.prefix)
    }

    /// A stream's metadata: its sequence counter, whether it ended, the request it answers.
    pub(super) fn meta(&self, sid: &str, stream: u64) -> String {
        format!("{}:{{{sid}}}:m:{stream}", self.prefix)
    }

    /// A stream's events (a Redis Stream, bounded in length).
    pub(super) fn events(&self, sid: &str, stream: u64) -> String {
        format!("{}:{{{sid}}}:e:{stream}", self.prefix)
    }

    /// The lease of the replica that runs a stream's request: it expires when that replica
    /// stops refreshing it (it died).
    pub(super) fn lease(&self, sid: &str, stream: u64) -> String {
        format!("{}:{{{sid}}}:l:{stream}", self.prefix)
    }

    /// The URIs of the resources the session subscribed to (`resources/subscribe`).
    pub(super) fn resources(&self, sid: &str) -> String {
        format!("{}:{{{sid}}}:r", self.prefix)
    }

    /// A request to the client that waits for its answer, by its JSON-RPC id.
    pub(super) fn waiting(&self, sid: &str, id: &str) -> String {
        format!("{}:{{{sid}}}:w:{id}", self.prefix)
    }

    /// The claim on a request id in flight (`<id>` is its JSON), held by the replica running
    /// it: the same id is refused on every replica until it ends.
    pub(super) fn call_claim(&self, sid: &str, id: &str) -> String {
        format!("{}:{{{sid}}}:q:{id}", self.prefix)
    }

    /// The slots of the session's tool calls running now (`max_calls_per_session`), on
    /// every replica: a sorted set of slot names scored by their lease deadlines.
    pub(super) fn call_slots(&self, sid: &str) -> String {
        format!("{}:{{{sid}}}:s", self.prefix)
    }

    /// The claim of the replica where the session's `GET` stream is open: one per session.
    pub(super) fn get_claim(&self, sid: &str) -> String {
        format!("{}:{{{sid}}}:g", self.prefix)
    }

    /// The sessions that had a `GET` stream open within the idle timeout, which
    /// announcements are written to: a sorted set, scored by when it was last open.
    pub(super) fn standalone_set(&self) -> String {
        format!("{}:gets", self.prefix)
    }

    /// A task's record (tasks extension), hash-tagged by its id.
    pub(super) fn task(&self, id: &str) -> String {
        format!("{}:task:{{{id}}}", self.prefix)
    }

    /// Every open session, scored by when it may be evicted (see `admission`): a sorted
    /// set. It and the other index keys share one hash tag, so the admission script that
    /// counts and evicts touches one Redis Cluster slot.
    pub(super) fn index(&self) -> String {
        format!("{p}:{{{p}:sessions}}:all", p = self.prefix)
    }

    /// Whom each indexed session counts against: a hash, session id to client key.
    pub(super) fn owners(&self) -> String {
        format!("{p}:{{{p}:sessions}}:owner", p = self.prefix)
    }

    /// What a client key is appended to for that client's index (a sorted set like
    /// [`index`](Self::index)).
    pub(super) fn client_index_base(&self) -> String {
        format!("{p}:{{{p}:sessions}}:c:", p = self.prefix)
    }

    /// The list edits replicas shared (see `server::lists`): a hash of `<kind>:<name>` to
    /// `1` (present) or `0` (removed), and `v`, its version, counted up on every edit.
    pub(super) fn lists(&self) -> String {
        format!("{}:lists", self.prefix)
    }

    /// The bus's shard channel `shard` on a Redis Cluster (sharded pub/sub): each has a
    /// hash tag of its own, so the shards spread over the cluster's slots.
    pub(super) fn shard_channel(&self, shard: usize) -> String {
        format!("{}:bus:{{{}:bus:{shard}}}", self.prefix, self.prefix)
    }

    /// The bus's backlog `shard` (see `backlog`): a Redis Stream in the slot of the shard
    /// channel of the same number. One node uses the first only.
    pub(super) fn backlog(&self, shard: usize) -> String {
        format!("{}:backlog:{{{}:bus:{shard}}}", self.prefix, self.prefix)
    }

    /// The one pub/sub channel every replica follows (the bus).
    pub(super) fn channel(&self) -> String {
        format!("{}:bus", self.prefix)
    }
}

/// Whether `id` could be one of our session ids (32 lowercase hex digits): anything else
/// names no session and never reaches Redis, so a client cannot steer key names.
pub(super) fn is_session_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_a_session_share_its_hash_tag() {
        let keys = Keys::new("a{b}");
        let sid = "0123456789abcdef0123456789abcdef";
        assert_eq!(keys.session(sid), format!("ab:{{{sid}}}"));
        assert_eq!(keys.meta(sid, 3), format!("ab:{{{sid}}}:m:3"));
        assert!(keys.events(sid, 3).starts_with(&keys.session_base(sid)));
        assert!(is_session_id(sid));
        assert!(!is_session_id("0123456789abcdef0123456789abcde}"));
        assert!(!is_session_id("short"));
    }
}
