//! What the layers above the core (auth, the HTTP surface, the launcher) keep in a
//! [`Server`](super::Server) description: values the core carries for them without naming
//! their types, so that `server/` imports none of those layers.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::{Arc, Mutex};

/// A value kept in [`Attachments`]: cloned with the description.
trait Attachment: Any + Send + Sync {
    fn clone_box(&self) -> Box<dyn Attachment>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    fn type_name(&self) -> &'static str;
}

impl<T: Any + Clone + Send + Sync> Attachment for T {
    fn clone_box(&self) -> Box<dyn Attachment> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
}

/// Values of the upper layers, one per type. Most are the description's own (a clone of the
/// description gets a copy); [`shared`](Self::shared) ones are one value for the description
/// and all its clones (the body budget every router built from them draws on).
#[derive(Default)]
pub(crate) struct Attachments {
    own: Values,
    shared: Arc<Mutex<Values>>,
}

/// Values by type: a handful at most, so a list.
type Values = Vec<(TypeId, Box<dyn Attachment>)>;

impl Attachments {
    /// The value of type `T`, attached first as `T::default()` if there was none.
    pub(crate) fn get_or_default<T: Any + Clone + Default + Send + Sync>(&mut self) -> &mut T {
        let id = TypeId::of::<T>();
        let at = match self.own.iter().position(|(each, _)| *each == id) {
            Some(at) => at,
            None => {
                self.own.push((id, Box::new(T::default())));
                self.own.len() - 1
            }
        };
        (*self.own[at].1)
            .as_any_mut()
            .downcast_mut()
            .expect("attachments are keyed by their type")
    }

    /// Attaches `value`, replacing the value of its type.
    pub(crate) fn insert<T: Any + Clone + Send + Sync>(&mut self, value: T) {
        let _ = self.take::<T>();
        self.own.push((TypeId::of::<T>(), Box::new(value)));
    }

    /// Takes the value of type `T` out, if one was attached.
    pub(crate) fn take<T: Any>(&mut self) -> Option<T> {
        let at = self
            .own
            .iter()
            .position(|(id, _)| *id == TypeId::of::<T>())?;
        let (_, value) = self.own.swap_remove(at);
        value.into_any().downcast().ok().map(|value| *value)
    }

    /// The one value of type `T` that this description and all its clones share, made with
    /// `T::default()` on first use (cloning it must share it, as an `Arc` does).
    pub(crate) fn shared<T: Any + Clone + Default + Send + Sync>(&self) -> T {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let id = TypeId::of::<T>();
        if let Some((_, value)) = shared.iter().find(|(each, _)| *each == id) {
            if let Some(value) = (**value).as_any().downcast_ref::<T>() {
                return value.clone();
            }
        }
        let value = T::default();
        shared.push((id, Box::new(value.clone())));
        value
    }
}

impl Clone for Attachments {
    fn clone(&self) -> Self {
        Self {
            own: (self.own.iter())
                .map(|(id, value)| (*id, (**value).clone_box()))
                .collect(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl fmt::Debug for Attachments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.own.iter().map(|(_, value)| (**value).type_name()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Default, PartialEq)]
    struct Note(String);

    #[derive(Debug, Clone, Default)]
    struct Counter(Arc<std::sync::atomic::AtomicUsize>);

    #[test]
    fn own_values_are_copied_with_the_description_and_shared_ones_are_not() {
        let mut first = Attachments::default();
        first.insert(Note("a".into()));
        let mut second = first.clone();
        second.get_or_default::<Note>().0.push('b');
        assert_eq!(second.take::<Note>(), Some(Note("ab".into())));
        assert_eq!(second.take::<Note>(), None);

        let counter = first.shared::<Counter>();
        assert_eq!(first.take::<Note>(), Some(Note("a".into())));
        counter.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let seen = second.shared::<Counter>();
        assert_eq!(seen.0.load(std::sync::atomic::Ordering::Relaxed), 1);
    }
}
