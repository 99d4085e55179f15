//! The engine's side of requests to the client (elicitation, sampling, roots): the rounds
//! of `InputRequiredResult` of a 2026-07-28 call, their sealed state, and the settings. The
//! asking itself is the call's (`crate::peer`); a handshake-era session answers through the
//! store.

pub(crate) mod rounds;
pub(crate) mod seal;
mod settings;

pub(crate) use settings::PeerConfig;

use std::time::Duration;

use crate::context::CallContext;
pub(crate) use crate::context::PeerLink;
pub(crate) use rounds::{Rounds, StateSealing};

/// How long a handshake-era request waits for the client's answer by default.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The rounds of a 2026-07-28 call, if it has them.
pub(crate) fn rounds_of(context: &CallContext) -> Option<&Rounds> {
    match context.peer_link() {
        PeerLink::Rounds(rounds) => rounds.as_any().downcast_ref(),
        _ => None,
    }
}
