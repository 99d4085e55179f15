//! Server state for tools: a database pool, a client, configuration — registered once on
//! the builder and handed to every tool that takes a [`State<T>`] parameter. Below both the
//! tools (which take it as a parameter) and the call's context (which holds it).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A piece of server state, taken as a tool parameter. Not part of the input schema.
///
/// ```
/// use mcp_runtime::{Server, State, tool};
///
/// struct Greeting(String);
///
/// /// Greet with the configured greeting.
/// #[tool]
/// async fn greet(greeting: State<Greeting>, name: String) -> String {
///     format!("{}, {name}!", greeting.0)
/// }
///
/// let server = Server::new("greeter").state(Greeting("Ahoy".into())).tool(greet_tool());
/// # let _ = server.router();
/// ```
pub struct State<T: ?Sized>(Arc<T>);

impl<T: ?Sized> State<T> {
    /// The shared value itself.
    pub fn arc(&self) -> &Arc<T> {
        &self.0
    }
}

impl<T: ?Sized> Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&&*self.0).finish()
    }
}

/// A state type a tool needs, recorded so a missing one is caught at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRequirement {
    pub(crate) type_id: TypeId,
    pub(crate) type_name: &'static str,
}

impl StateRequirement {
    /// The requirement of a `State<T>` parameter.
    pub fn of<T: Send + Sync + 'static>() -> Self {
        Self {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
        }
    }
}

/// Every registered state value, by type.
#[derive(Clone, Default)]
pub(crate) struct StateMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        let value = self.0.get(&TypeId::of::<T>())?.clone();
        value.downcast::<T>().ok().map(State)
    }

    pub(crate) fn contains(&self, requirement: &StateRequirement) -> bool {
        self.0.contains_key(&requirement.type_id)
    }
}

impl fmt::Debug for StateMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateMap({} values)", self.0.len())
    }
}
