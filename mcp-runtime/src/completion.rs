//! Argument completion (`completion/complete`): a plain `async fn` suggests values for a
//! resource template variable or a prompt argument (`#[arg(complete = f)]`).
//!
//! The function takes the text typed so far and any number (up to four) of injected
//! parameters ([`FromCallContext`]: `State<T>`, `Context`, [`CompletionArguments`]) and
//! returns the suggestions; the server sends at most [`MAX_VALUES`] of them, with `total`
//! and `hasMore` saying how many there were.
//!
//! ```
//! use mcp_runtime::State;
//! use mcp_runtime::completion::CompletionArguments;
//!
//! struct Languages(Vec<String>);
//!
//! /// Languages starting with what was typed.
//! async fn languages(prefix: String, known: State<Languages>) -> Vec<String> {
//!     known.0.iter().filter(|l| l.starts_with(&prefix)).cloned().collect()
//! }
//!
//! /// Versions of the package already chosen in the `package` argument.
//! async fn versions(prefix: String, given: CompletionArguments) -> Vec<String> {
//!     let package = given.get("package").unwrap_or_default();
//!     vec![format!("{package}-1.0"), format!("{package}-2.0")]
//!         .into_iter()
//!         .filter(|v| v.starts_with(&prefix))
//!         .collect()
//! }
//! # let _ = mcp_runtime::completion::Completer::new(languages);
//! # let _ = mcp_runtime::completion::Completer::new(versions);
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;

use crate::context::CallContext;
use crate::tool::FromCallContext;

/// The most values one `completion/complete` result carries (the spec's limit).
pub const MAX_VALUES: usize = 100;

/// The future a completion runs.
pub type CompletionFuture = Pin<Box<dyn Future<Output = Result<Vec<String>, String>> + Send>>;

/// A completion function, ready to call. Built from an `async fn` by [`Completer::new`].
#[derive(Clone)]
pub struct Completer(Arc<dyn Fn(String) -> CompletionFuture + Send + Sync>);

impl Completer {
    /// Wraps a completion function: `async fn(prefix: String, injected…) -> Vec<String>`.
    pub fn new<F, Args>(function: F) -> Self
    where
        F: CompleteFn<Args>,
    {
        let function = Arc::new(function);
        Self(Arc::new(move |prefix| function.call(prefix)))
    }

    /// Runs the function for `prefix` (inside a request, so injected values are found).
    pub fn complete(&self, prefix: String) -> CompletionFuture {
        (self.0)(prefix)
    }
}

impl fmt::Debug for Completer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Completer")
    }
}

/// Functions usable as completions: `async fn(String, A, B, …) -> Vec<String>` where each
/// of `A, B, …` (at most four) is [`FromCallContext`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot complete an argument",
    label = "not a completion function",
    note = "a completion function is `async fn(prefix: String, ...) -> Vec<String>`, where the parameters after the prefix are filled in by the server (`State<T>`, `Context`, `CompletionArguments`)"
)]
pub trait CompleteFn<Args>: Send + Sync + 'static {
    /// Starts the completion of `prefix`.
    fn call(&self, prefix: String) -> CompletionFuture;
}

fn injected<T: FromCallContext>() -> Result<T, String> {
    let ctx = CallContext::current().ok_or("called outside a request")?;
    T::from_call_context(&ctx)
}

macro_rules! complete_fn {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg),*> CompleteFn<($($arg,)*)> for F
        where
            F: Fn(String $(, $arg)*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Vec<String>> + Send + 'static,
            $($arg: FromCallContext + Send + 'static,)*
        {
            #[allow(non_snake_case)]
            fn call(&self, prefix: String) -> CompletionFuture {
                $(
                    let $arg = match injected::<$arg>() {
                        Ok(value) => value,
                        Err(why) => return Box::pin(async move { Err(why) }),
                    };
                )*
                let future = self(prefix $(, $arg)*);
                Box::pin(async move { Ok(future.await) })
            }
        }
    };
}

complete_fn!();
complete_fn!(A);
complete_fn!(A, B);
complete_fn!(A, B, C);
complete_fn!(A, B, C, D);

tokio::task_local! {
    static GIVEN: Arc<HashMap<String, String>>;
}

/// The other arguments the client already filled in (`context.arguments` of
/// `completion/complete`), as a completion parameter.
#[derive(Debug, Clone, Default)]
pub struct CompletionArguments(Arc<HashMap<String, String>>);

impl CompletionArguments {
    /// The value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Every value given.
    pub fn all(&self) -> &HashMap<String, String> {
        &self.0
    }

    /// Runs `future` with `given` as the arguments a completion sees.
    pub(crate) async fn scope<F: Future>(given: HashMap<String, String>, future: F) -> F::Output {
        GIVEN.scope(Arc::new(given), future).await
    }
}

impl FromCallContext for CompletionArguments {
    fn from_call_context(_ctx: &Arc<CallContext>) -> Result<Self, String> {
        Ok(Self(GIVEN.try_with(Arc::clone).unwrap_or_default()))
    }
}

/// The `completion` object of a `completion/complete` result: at most [`MAX_VALUES`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Completion {
    /// The suggestions.
    pub values: Vec<String>,
    /// How many suggestions there were in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    /// Whether there were more than `values` holds.
    pub has_more: bool,
}

impl Completion {
    /// The first [`MAX_VALUES`] of `values`, with the total.
    pub fn capped(mut values: Vec<String>) -> Self {
        let total = values.len();
        values.truncate(MAX_VALUES);
        Self {
            has_more: total > values.len(),
            total: Some(total),
            values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_capped_at_one_hundred_with_the_total() {
        let many: Vec<String> = (0..250).map(|i| i.to_string()).collect();
        let capped = Completion::capped(many);
        assert_eq!(capped.values.len(), 100);
        assert_eq!((capped.total, capped.has_more), (Some(250), true));
        let few = Completion::capped(vec!["a".into()]);
        assert_eq!(
            serde_json::to_value(few).expect("serializes"),
            serde_json::json!({"values": ["a"], "total": 1, "hasMore": false})
        );
    }

    #[tokio::test]
    async fn a_completion_sees_the_arguments_given() {
        async fn echo(prefix: String, given: CompletionArguments) -> Vec<String> {
            vec![format!("{prefix}{}", given.get("a").unwrap_or("?"))]
        }
        let completer = Completer::new(echo);
        let given = HashMap::from([("a".to_owned(), "1".to_owned())]);
        // Outside a request there is no context to inject from.
        let outside =
            CompletionArguments::scope(given, async { completer.complete("x".into()).await }).await;
        assert_eq!(outside, Err("called outside a request".to_owned()));
        async fn plain(prefix: String) -> Vec<String> {
            vec![prefix]
        }
        assert_eq!(
            Completer::new(plain).complete("p".into()).await,
            Ok(vec!["p".to_owned()])
        );
    }
}
