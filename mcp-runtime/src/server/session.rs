//! Sessions of the handshake era: created by `initialize`, named by `Mcp-Session-Id`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::protocol::ProtocolVersion;
use crate::protocol::types::Implementation;

/// One client's session.
#[derive(Debug)]
pub(crate) struct Session {
    id: Arc<str>,
    protocol_version: ProtocolVersion,
    client_info: Implementation,
    initialized: AtomicBool,
}

impl Session {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    #[allow(dead_code)] // read by the SSE layer once priming events depend on it
    pub(crate) fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    pub(crate) fn client_info(&self) -> &Implementation {
        &self.client_info
    }

    pub(crate) fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::Relaxed);
    }
}

/// Every live session, by id.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    map: RwLock<HashMap<Arc<str>, Arc<Session>>>,
}

impl Sessions {
    /// Opens a session with a fresh, unguessable id.
    pub(crate) fn create(
        &self,
        protocol_version: ProtocolVersion,
        client_info: Implementation,
    ) -> std::io::Result<Arc<Session>> {
        let id: Arc<str> = new_session_id()?.into();
        let session = Arc::new(Session {
            id: id.clone(),
            protocol_version,
            client_info,
            initialized: AtomicBool::new(false),
        });
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, session.clone());
        Ok(session)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Ends a session; `false` if there was none with that id.
    pub(crate) fn remove(&self, id: &str) -> bool {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
            .is_some()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// 128 bits from the operating system's CSPRNG, as 32 lowercase hex digits (visible ASCII,
/// as the transport spec requires).
fn new_session_id() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    let mut id = String::with_capacity(32);
    for b in bytes {
        let _ = write!(id, "{b:02x}");
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_created_found_and_removed() {
        let sessions = Sessions::default();
        let info = Implementation {
            name: "c".into(),
            version: "1".into(),
            title: None,
        };
        let a = sessions
            .create(ProtocolVersion::LATEST, info.clone())
            .expect("rng");
        let b = sessions.create(ProtocolVersion::LATEST, info).expect("rng");
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 32);
        assert!(sessions.get(a.id()).is_some());
        assert!(sessions.remove(a.id()));
        assert!(!sessions.remove(a.id()));
        assert!(sessions.get(a.id()).is_none());
        assert_eq!(sessions.len(), 1);
    }
}
