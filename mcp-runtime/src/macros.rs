//! `progress!`: the yield point of a generator-style tool.

/// Reports progress of the current tool call (one `notifications/progress` frame).
///
/// Three forms, all `.await`ed for you (so use it in async code):
/// - `progress!("message {x}", args…)`: a status line (the count advances by one);
/// - `progress!(done, total)`: numbers (any numeric type);
/// - `progress!(done, total, "message {x}", args…)`: numbers and a message.
///
/// A message is a format string, as in `format!`, with its arguments. A string literal
/// first means the message-only form. Anything else is a compile error that lists the forms.
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
///         progress!("step {} of {n}", i);
///         progress!(i, n, "at {i} of {}", n);
///     }
///     "done".to_owned()
/// }
/// ```
#[macro_export]
macro_rules! progress {
    // Which form the arguments are is decided by a proc macro: only it can tell a string
    // literal from a number.
    ($($arguments:tt)*) => {
        $crate::__private::progress!(($crate::report_progress) $($arguments)*)
    };
}

/// Sends a log message from the current tool call (`notifications/message` on the call's
/// stream), if the client's `logging/setLevel` lets that level through.
///
/// The first argument is the level: `debug`, `info`, `notice`, `warning`, `error`,
/// `critical`, `alert` or `emergency`; the rest is a format string and its arguments.
/// `.await`ed for you; a no-op outside a tool call.
///
/// ```
/// use mcp_runtime::{log, tool};
///
/// /// Import rows.
/// #[tool]
/// async fn import(rows: u32) -> String {
///     log!(info, "importing {rows} rows");
///     if rows > 1000 {
///         log!(warning, "{rows} rows is a lot; this will take a while");
///     }
///     "imported".to_owned()
/// }
/// ```
#[macro_export]
macro_rules! log {
    (debug, $($message:tt)+) => { $crate::__log!(Debug, $($message)+) };
    (info, $($message:tt)+) => { $crate::__log!(Info, $($message)+) };
    (notice, $($message:tt)+) => { $crate::__log!(Notice, $($message)+) };
    (warning, $($message:tt)+) => { $crate::__log!(Warning, $($message)+) };
    (error, $($message:tt)+) => { $crate::__log!(Error, $($message)+) };
    (critical, $($message:tt)+) => { $crate::__log!(Critical, $($message)+) };
    (alert, $($message:tt)+) => { $crate::__log!(Alert, $($message)+) };
    (emergency, $($message:tt)+) => { $crate::__log!(Emergency, $($message)+) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __log {
    ($level:ident, $($message:tt)+) => {
        $crate::context::log_message($crate::protocol::LogLevel::$level, ::std::format!($($message)+)).await
    };
}
