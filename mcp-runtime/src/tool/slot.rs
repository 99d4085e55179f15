//! How the macros fill in one parameter, chosen at compile time by trait (autoref
//! specialization): a [`FromCallContext`] type is injected; any other type is an argument,
//! decoded from the call's arguments and described in the input schema.
//!
//! The macro writes `(&Slot::<T, S>::new()).method(…)` for each parameter (`T` its type,
//! `S` the type its schema describes: `U` for `Option<U>`, else `T`). Method lookup tries
//! `&Slot` by value first, where only [`InjectedSlot`] is implemented (for
//! `T: FromCallContext`), and then `&&Slot`, where [`ArgumentSlot`] is implemented for every
//! type. The argument methods carry the `Deserialize`/`JsonSchema` bounds, so a type that
//! is neither is reported at the parameter with the missing trait named.

use std::marker::PhantomData;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use super::schema::{InputSchema, ParamSpec};
use super::{ArgumentError, Arguments, Constraints, FromCallContext, StateRequirement};
use crate::context::CallContext;

/// One parameter of type `T` whose schema describes `S`. Used by the macros only.
pub struct Slot<T, S>(PhantomData<fn() -> (T, S)>);

impl<T, S> Slot<T, S> {
    /// The slot of a parameter.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T, S> Default for Slot<T, S> {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a parameter could not be filled in.
#[derive(Debug)]
pub enum SlotError {
    /// The client's argument was missing or invalid: the caller reads what to fix.
    Argument(ArgumentError),
    /// The server could not provide an injected value: an internal error.
    Unavailable(String),
}

/// Marks types `#[arg(...)]` applies to: never implemented, so `#[arg]` on an injected
/// parameter fails with this message.
#[diagnostic::on_unimplemented(
    message = "`#[arg]` does not apply to `{Self}`: it is filled in by the server, not sent by the client",
    label = "remove this `#[arg(...)]`"
)]
pub trait TakesArgOptions {}

/// Marks types that can be a URI template variable: never implemented for injected types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is filled in by the server, so it cannot be a variable of the URI template",
    label = "a template variable: take its value as `String` or another `Deserialize` type"
)]
pub trait TemplateVariable {}

/// Marks argument types allowed where only injected ones are: never implemented, so a
/// parameter that is neither a template variable nor injected fails with this message.
#[diagnostic::on_unimplemented(
    message = "this parameter is not a variable of the URI template, and `{Self}` is not filled in by the server",
    label = "put this parameter's name in braces in the URI template, or remove it"
)]
pub trait NotAVariable {}

/// The injected case: `T` comes from the call's context.
pub trait InjectedSlot<T: FromCallContext, S> {
    /// Injected values are not part of the input schema.
    fn describe(&self, _schema: &mut InputSchema, _spec: ParamSpec<'_>) {}

    /// Not an argument, so not among the names a call may pass.
    fn is_argument(&self) -> bool {
        false
    }

    /// The server state the value needs.
    fn state_requirement(&self) -> Option<StateRequirement> {
        T::state_requirement()
    }

    /// Rejects `#[arg(...)]` at compile time.
    fn accepts_arg_options(&self)
    where
        T: TakesArgOptions,
    {
    }

    /// Rejects an injected type named like a template variable.
    fn must_be_variable(&self)
    where
        T: TemplateVariable,
    {
    }

    /// Injected types are welcome where the client sends nothing.
    fn must_be_injected(&self) {}

    /// Runs `declare` only for arguments: injected values are not declared.
    fn if_argument(&self, _declare: impl FnOnce()) {}

    /// The value, from the current call.
    fn take_required(
        &self,
        _args: &mut Arguments,
        _name: &str,
        _constraints: &Constraints,
    ) -> Result<T, SlotError> {
        inject()
    }

    /// The value, from the current call (an `Option`-typed injected parameter).
    fn take_optional(
        &self,
        _args: &mut Arguments,
        _name: &str,
        _constraints: &Constraints,
    ) -> Result<T, SlotError> {
        inject()
    }

    /// The value, from the current call (`#[arg(default)]` is rejected for injected types).
    fn take_or_else(
        &self,
        _args: &mut Arguments,
        _name: &str,
        _constraints: &Constraints,
        _default: impl FnOnce() -> T,
    ) -> Result<T, SlotError> {
        inject()
    }
}

impl<T: FromCallContext, S> InjectedSlot<T, S> for Slot<T, S> {}

fn inject<T: FromCallContext>() -> Result<T, SlotError> {
    let ctx: Arc<CallContext> = CallContext::current()
        .ok_or_else(|| SlotError::Unavailable("called outside a request".to_owned()))?;
    T::from_call_context(&ctx).map_err(SlotError::Unavailable)
}

/// The argument case: `T` is decoded from the call's arguments.
pub trait ArgumentSlot<T, S> {
    /// Adds the argument to the input schema.
    fn describe(&self, schema: &mut InputSchema, spec: ParamSpec<'_>)
    where
        S: JsonSchema,
    {
        schema.param::<S>(spec);
    }

    /// An argument the call may pass.
    fn is_argument(&self) -> bool {
        true
    }

    /// Arguments need no server state.
    fn state_requirement(&self) -> Option<StateRequirement> {
        None
    }

    /// `#[arg(...)]` applies to arguments.
    fn accepts_arg_options(&self) {}

    /// Arguments can be template variables.
    fn must_be_variable(&self) {}

    /// Rejects an argument where the client sends nothing (a parameter of a resource that
    /// is not one of its URI template's variables).
    fn must_be_injected(&self)
    where
        T: NotAVariable,
    {
    }

    /// Runs `declare`: this is an argument.
    fn if_argument(&self, declare: impl FnOnce()) {
        declare();
    }

    /// A required argument.
    fn take_required(
        &self,
        args: &mut Arguments,
        name: &str,
        constraints: &Constraints,
    ) -> Result<T, SlotError>
    where
        T: DeserializeOwned,
    {
        args.take_required_with::<T>(name, constraints)
            .map_err(SlotError::Argument)
    }

    /// An `Option<S>` argument: absent or `null` is `None`.
    fn take_optional(
        &self,
        args: &mut Arguments,
        name: &str,
        constraints: &Constraints,
    ) -> Result<Option<S>, SlotError>
    where
        S: DeserializeOwned,
    {
        args.take_optional_with::<S>(name, constraints)
            .map_err(SlotError::Argument)
    }

    /// An argument with a default.
    fn take_or_else(
        &self,
        args: &mut Arguments,
        name: &str,
        constraints: &Constraints,
        default: impl FnOnce() -> T,
    ) -> Result<T, SlotError>
    where
        T: DeserializeOwned,
    {
        args.take_or_else_with::<T>(name, constraints, default)
            .map_err(SlotError::Argument)
    }
}

impl<T, S> ArgumentSlot<T, S> for &Slot<T, S> {}

// The explicit `&` is what the dispatch relies on; clippy sees only the injected case.
#[cfg(test)]
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;
    use crate::{Context, State};

    /// A user type that happens to be named `Context`.
    mod user {
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        pub struct Context {
            pub id: u32,
        }
    }

    #[test]
    fn injection_is_chosen_by_trait_not_by_name() {
        assert!(!(&Slot::<State<u8>, State<u8>>::new()).is_argument());
        assert!(!(&Slot::<Context, Context>::new()).is_argument());
        assert!((&Slot::<user::Context, user::Context>::new()).is_argument());
        assert!((&Slot::<Option<u8>, u8>::new()).is_argument());
        assert_eq!(
            (&Slot::<State<u8>, State<u8>>::new()).state_requirement(),
            Some(StateRequirement::of::<u8>())
        );
        let mut args = Arguments::new(
            serde_json::json!({"ctx": {"id": 7}})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let user = (&Slot::<user::Context, user::Context>::new())
            .take_required(&mut args, "ctx", &Constraints::default())
            .map(|c| c.id);
        assert!(matches!(user, Ok(7)));
        let outside = (&Slot::<Context, Context>::new()).take_required(
            &mut args,
            "ctx",
            &Constraints::default(),
        );
        assert!(matches!(outside, Err(SlotError::Unavailable(_))));
    }
}
