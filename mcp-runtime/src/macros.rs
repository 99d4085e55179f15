//! `progress!`: the yield point of a generator-style tool.

/// Reports progress of the current tool call (one `notifications/progress` frame).
///
/// Three forms, all `.await`ed for you (so use it in async code):
/// - `progress!("message {x}")`: a status line (the count advances by one);
/// - `progress!(done, total)`: numbers (any numeric type);
/// - `progress!(done, total, "fmt {x}", args…)`: numbers and a formatted message.
///
/// It works anywhere in the tool's call tree and does nothing outside a tool call or when the
/// client did not ask for progress.
///
/// ```
/// use mcp_runtime::{progress, tool};
///
/// /// Count to `n`.
/// #[tool]
/// async fn count(n: u32) -> String {
///     progress!("starting");
///     for i in 1..=n {
///         progress!(i, n, "at {i} of {n}");
///     }
///     "done".to_owned()
/// }
/// ```
#[macro_export]
macro_rules! progress {
    ($message:literal $(,)?) => {
        $crate::report_progress(::core::option::Option::None, ::core::option::Option::None, ::core::option::Option::Some(::std::format!($message))).await
    };
    ($done:expr, $total:expr $(,)?) => {
        $crate::report_progress(::core::option::Option::Some(($done) as f64), ::core::option::Option::Some(($total) as f64), ::core::option::Option::None).await
    };
    ($done:expr, $total:expr, $($message:tt)+) => {
        $crate::report_progress(::core::option::Option::Some(($done) as f64), ::core::option::Option::Some(($total) as f64), ::core::option::Option::Some(::std::format!($($message)+))).await
    };
}
