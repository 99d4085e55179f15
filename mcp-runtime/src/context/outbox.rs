//! Where a call's frames go (progress, log messages, requests to the client in a session):
//! a bounded channel that the call's stream reads.

use std::sync::{Mutex, OnceLock};
use std::task::Waker;

use futures_util::task::AtomicWaker;
use tokio::sync::mpsc;

use super::link::Outgoing;

/// How many frames a tool may queue before `progress!` waits for the client to read.
pub(crate) const CAPACITY: usize = 32;

/// The sending end of a call's frames, as the call's context holds it.
#[derive(Debug)]
pub(crate) enum Outbox {
    /// The call can emit no frame (no progress token, no log level, no session).
    Closed,
    /// Made by the first frame: most calls in a session send none, and a channel costs an
    /// allocation of a block of slots. The call's stream takes the receiver once it exists
    /// ([`take_receiver`](Self::take_receiver)).
    Lazy {
        sender: OnceLock<mpsc::Sender<Outgoing>>,
        receiver: Mutex<Option<mpsc::Receiver<Outgoing>>>,
        /// The stream waiting for the first frame, woken when it opens the channel (a
        /// frame may come from another task than the one polling the call).
        opened: AtomicWaker,
    },
    /// Made up front, its receiver already with the stream.
    Open(mpsc::Sender<Outgoing>),
}

impl Outbox {
    /// An outbox whose channel is made by the first frame.
    pub(crate) fn lazy() -> Self {
        Self::Lazy {
            sender: OnceLock::new(),
            receiver: Mutex::new(None),
            opened: AtomicWaker::new(),
        }
    }

    /// Where to send a frame; `None` when the call can emit none.
    pub(crate) fn sender(&self) -> Option<&mpsc::Sender<Outgoing>> {
        match self {
            Self::Closed => None,
            Self::Open(sender) => Some(sender),
            Self::Lazy {
                sender,
                receiver,
                opened,
            } => {
                let mut made = false;
                let sender = sender.get_or_init(|| {
                    let (sender, frames) = mpsc::channel(CAPACITY);
                    *receiver.lock().unwrap_or_else(|e| e.into_inner()) = Some(frames);
                    made = true;
                    sender
                });
                if made {
                    opened.wake();
                }
                Some(sender)
            }
        }
    }

    /// Wakes `waker` when a lazy outbox opens; register, then check
    /// [`take_receiver`](Self::take_receiver), so an opening in between is not missed.
    pub(crate) fn watch(&self, waker: &Waker) {
        if let Self::Lazy { opened, .. } = self {
            opened.register(waker);
        }
    }

    /// The receiving end of a lazy outbox, once its first frame made it (given once).
    pub(crate) fn take_receiver(&self) -> Option<mpsc::Receiver<Outgoing>> {
        match self {
            Self::Lazy {
                sender, receiver, ..
            } if sender.get().is_some() => {
                receiver.lock().unwrap_or_else(|e| e.into_inner()).take()
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_outbox_opens_with_its_first_frame() {
        let outbox = Outbox::lazy();
        assert!(outbox.take_receiver().is_none(), "no frame, no channel");
        let sender = outbox.sender().expect("a lazy outbox sends");
        sender
            .try_send(Outgoing::CloseStream)
            .expect("room for a frame");
        let mut frames = outbox.take_receiver().expect("opened by the first frame");
        assert_eq!(frames.try_recv().ok(), Some(Outgoing::CloseStream));
        assert!(
            outbox.take_receiver().is_none(),
            "the receiver is given once"
        );
        assert!(Outbox::Closed.sender().is_none());
    }
}
