//! Verified tokens, remembered briefly so a client's every request does not pay for a
//! signature check (or an introspection round trip).

use std::time::{Duration, Instant, SystemTime};

use super::Identity;
use super::verifier::TokenHash;

/// A bounded map from a token's hash to its identity, each entry valid until the token
/// expires or `ttl` passes, whichever is first.
pub(crate) struct VerifiedCache {
    entries: quick_cache::sync::Cache<TokenHash, (Identity, Instant)>,
    ttl: Duration,
}

impl VerifiedCache {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(capacity.max(1)),
            ttl,
        }
    }

    /// The identity of a token verified recently and not yet expired.
    pub(crate) fn get(&self, hash: &TokenHash) -> Option<Identity> {
        let (identity, until) = self.entries.get(hash)?;
        if Instant::now() < until {
            Some(identity)
        } else {
            self.entries.remove(hash);
            None
        }
    }

    /// Remembers a verified token (not at all when the cache is off or the token expired).
    pub(crate) fn insert(&self, hash: TokenHash, identity: &Identity) {
        let mut keep = self.ttl;
        if let Some(expiry) = identity.expiry() {
            match expiry.duration_since(SystemTime::now()) {
                Ok(left) => keep = keep.min(left),
                Err(_) => return,
            }
        }
        if keep.is_zero() {
            return;
        }
        self.entries
            .insert(hash, (identity.clone(), Instant::now() + keep));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::verifier::hash;

    #[test]
    fn honours_expiry_and_ttl() {
        let cache = VerifiedCache::new(8, Duration::from_secs(60));
        let live = Identity::new("a").expires_at(SystemTime::now() + Duration::from_secs(30));
        cache.insert(hash("a"), &live);
        assert_eq!(cache.get(&hash("a")), Some(live));
        let expired = Identity::new("b").expires_at(SystemTime::now() - Duration::from_secs(1));
        cache.insert(hash("b"), &expired);
        assert_eq!(cache.get(&hash("b")), None);
        let off = VerifiedCache::new(8, Duration::ZERO);
        off.insert(hash("c"), &Identity::new("c"));
        assert_eq!(off.get(&hash("c")), None);
    }

    #[test]
    fn bounded() {
        let cache = VerifiedCache::new(4, Duration::from_secs(60));
        for i in 0..100 {
            cache.insert(hash(&i.to_string()), &Identity::new(i.to_string()));
        }
        assert!(cache.entries.len() <= 8, "{}", cache.entries.len());
    }
}
