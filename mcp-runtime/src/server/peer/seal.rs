//! Sealing `requestState` (2026-07-28 multi-round-trip): the state travels through the
//! client, so it is encrypted and authenticated (XChaCha20-Poly1305, a random nonce per
//! seal) with the server's key. A key ring lets keys rotate: the newest key seals, every
//! key in the ring opens, so states issued before a rotation stay valid until they expire.
//! Replicas given the same keys open each other's states.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest as _, Sha256};

const NONCE_LEN: usize = 24;

/// The keys that seal and open request states: the first seals, all open.
#[derive(Clone)]
pub(crate) struct KeyRing {
    ciphers: Vec<XChaCha20Poly1305>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyRing({} keys, redacted)", self.ciphers.len())
    }
}

impl KeyRing {
    /// A ring of one random key: states live as long as this process.
    pub(crate) fn random() -> Self {
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No OS randomness at start-up: nothing secure can run; say so loudly.
            panic!("the operating system's random number generator is unavailable");
        }
        Self::from_secrets([key])
    }

    /// A ring from secrets, newest first; each secret is hashed into a 256-bit key.
    pub(crate) fn from_secrets<S: AsRef<[u8]>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let ciphers = secrets
            .into_iter()
            .map(|secret| {
                let key = Sha256::digest(secret.as_ref());
                XChaCha20Poly1305::new(&key)
            })
            .collect();
        Self { ciphers }
    }

    /// Encrypts and authenticates `payload` with the current key; URL-safe base64.
    pub(crate) fn seal(&self, payload: &[u8]) -> Option<String> {
        let cipher = self.ciphers.first()?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).ok()?;
        let sealed = cipher.encrypt(XNonce::from_slice(&nonce), payload).ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    /// The payload of a state one of the ring's keys sealed; `None` if it was modified, is
    /// not base64, or no key of the ring sealed it.
    pub(crate) fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        self.ciphers
            .iter()
            .find_map(|cipher| cipher.decrypt(XNonce::from_slice(nonce), body).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_state_opens_with_its_ring_only() {
        let ring = KeyRing::from_secrets(["secret one, long enough"]);
        let sealed = ring.seal(b"payload").expect("sealed");
        assert_eq!(ring.open(&sealed).as_deref(), Some(&b"payload"[..]));
        assert!(!sealed.contains("payload"), "the payload is encrypted");
        let other = KeyRing::from_secrets(["another secret entirely"]);
        assert_eq!(other.open(&sealed), None, "a foreign key does not open it");
        assert_eq!(KeyRing::random().open(&sealed), None);
    }

    #[test]
    fn any_modification_is_detected() {
        let ring = KeyRing::from_secrets(["k"]);
        let sealed = ring.seal(b"{\"a\":1}").expect("sealed");
        assert_eq!(ring.open(&format!("{sealed}-TAMPERED")), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).expect("base64");
        for i in [0, NONCE_LEN, bytes.len() - 1] {
            bytes[i] ^= 1;
            assert_eq!(ring.open(&URL_SAFE_NO_PAD.encode(&bytes)), None, "byte {i}");
            bytes[i] ^= 1;
        }
        assert_eq!(ring.open(""), None);
        assert_eq!(ring.open("AAAA"), None);
    }

    #[test]
    fn rotation_keeps_older_states_open_and_seals_with_the_newest() {
        let old = KeyRing::from_secrets(["old"]);
        let before = old.seal(b"before").expect("sealed");
        let rotated = KeyRing::from_secrets(["new", "old"]);
        assert_eq!(rotated.open(&before).as_deref(), Some(&b"before"[..]));
        let after = rotated.seal(b"after").expect("sealed");
        assert_eq!(old.open(&after), None, "sealed with the new key");
        let retired = KeyRing::from_secrets(["new"]);
        assert_eq!(retired.open(&before), None, "a retired key no longer opens");
    }
}
