//! Debian's packages the tests use (Redis, nginx, Chromium): found on the machine, or
//! installed with `apt-get install -y` (CI runs as root) when missing. A package that cannot
//! be installed fails the test with the command that installs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn on_path(program: &str) -> Option<PathBuf> {
    [
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/bin",
        "/sbin",
    ]
    .iter()
    .map(|dir| Path::new(dir).join(program))
    .find(|path| path.exists())
}

/// `program`, installing Debian's `package` (as root, with `apt-get install -y`) if it is
/// missing; panics saying how to install it when that fails.
pub fn require(program: &str, package: &str) -> PathBuf {
    static APT: OnceLock<std::sync::Mutex<()>> = OnceLock::new();
    if let Some(path) = on_path(program) {
        return path;
    }
    let _one_at_a_time = APT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(path) = on_path(program) {
        return path;
    }
    let install = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
    };
    let _ = install(&["update", "-qq"]);
    let output = install(&["install", "-y", "-qq", package]);
    on_path(program).unwrap_or_else(|| {
        panic!(
            "`{program}` is missing and installing it failed ({output:?}).\nInstall it with: sudo apt-get install -y {package}"
        )
    })
}
