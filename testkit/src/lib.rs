//! Test support shared by `mcp-runtime`'s unit tests and the `tests` crate; never published.
//!
//! Tests here use real components (Redis, nginx, Chromium), installed from Debian's packages
//! on first use, so `cargo test --workspace` passes on a fresh machine without any set-up by
//! hand. [`require`] is the one way a test gets such a package:
//!
//! ```no_run
//! let redis = mcp_testkit::require("redis-server", "redis-server");
//! std::process::Command::new(redis).arg("--version").status().unwrap();
//! ```

mod apt;

pub use apt::require;
