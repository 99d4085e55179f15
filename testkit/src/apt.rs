//! Debian packages for tests, installed with `apt-get` when missing.
//!
//! Many tests can ask at once: the threads of one test binary, several test binaries, a second
//! `cargo test`. Installs are serialized by a file lock (not only a mutex), the package lists
//! are refreshed before the first install, and dpkg's own lock, held by someone else for a
//! while (another `apt-get`, unattended upgrades), is waited out. Each wait is bounded.

use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// Where programs are looked for besides `PATH` (nginx lives in `/usr/sbin`, which a
/// non-root `PATH` may lack).
const SYSTEM_DIRS: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// How long a test waits for another process's install (Chromium's takes minutes).
const INSTALL_LOCK_WAIT: Duration = Duration::from_secs(20 * 60);
/// How long an `apt-get` waits for dpkg's lock in all, over its retries.
const DPKG_LOCK_WAIT: Duration = Duration::from_secs(5 * 60);
/// Package lists younger than this are not refreshed again.
const LISTS_FRESH_FOR: Duration = Duration::from_secs(12 * 60 * 60);

/// The path of `program`, installing Debian's `package` with `apt-get install -y` first if
/// the program is not on the machine.
///
/// Safe to call from any number of threads and processes at once: one installs, the others
/// wait for it and then find the program.
///
/// # Panics
///
/// When the program is missing and cannot be installed (not root, no `apt-get`, a failed
/// download, …): the message says what failed, with its output, and the command that
/// installs the package by hand.
pub fn require(program: &str, package: &str) -> PathBuf {
    // The lock first, even when the program is there: while another test installs the
    // package, its files exist before dpkg has finished writing and configuring them.
    static IN_PROCESS: Mutex<()> = Mutex::new(());
    let _thread = IN_PROCESS.lock().unwrap_or_else(PoisonError::into_inner);
    let _process = match InstallLock::take() {
        Ok(lock) => lock,
        Err(why) => fail(program, package, &why),
    };
    if let Some(path) = find(program) {
        return path;
    }
    let outcome = install(package);
    match (find(program), outcome) {
        // A package whose post-install step failed (a service that could not start, say)
        // can still have put the program in place: that is all a test needs.
        (Some(path), _) => path,
        (None, Err(why)) => fail(program, package, &why),
        (None, Ok(())) => fail(
            program,
            package,
            &format!(
                "`apt-get install -y {package}` succeeded, yet `{program}` is neither on PATH nor in {}",
                SYSTEM_DIRS.join(", ")
            ),
        ),
    }
}

fn fail(program: &str, package: &str, why: &str) -> ! {
    panic!(
        "this test needs `{program}` (Debian's package `{package}`), which is not installed, and installing it failed:\n{why}\n\nInstall it by hand, then run the tests again:\n    sudo apt-get update && sudo apt-get install -y {package}"
    )
}

/// `program` on `PATH` or in the system directories.
fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(SYSTEM_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The machine-wide lock every install of this crate takes, held until dropped.
struct InstallLock(File);

impl InstallLock {
    fn take() -> Result<Self, String> {
        let path = std::env::temp_dir().join("mcp-testkit-apt.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open the install lock {}: {e}", path.display()))?;
        let deadline = Instant::now() + INSTALL_LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self(file)),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(format!(
                        "another process held the install lock {} for {} minutes",
                        path.display(),
                        INSTALL_LOCK_WAIT.as_secs() / 60
                    ));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(format!("cannot lock {}: {e}", path.display()));
                }
            }
        }
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn install(package: &str) -> Result<(), String> {
    if find("apt-get").is_none() {
        return Err("`apt-get` is not on this machine (the tests install packages the Debian way; elsewhere install the package with the system's package manager)".into());
    }
    if !is_root() {
        return Err(
            "the tests are not running as root, so they cannot run `apt-get install`".into(),
        );
    }
    let refreshed = refresh_lists(false);
    match apt(&["install", "-y", package]) {
        Ok(()) => Ok(()),
        // Stale lists name package versions the mirror no longer has: refresh and retry once.
        Err(first) if refreshed.is_ok() && is_stale_lists(&first) => {
            refresh_lists(true)?;
            apt(&["install", "-y", package])
        }
        Err(install) => Err(match refreshed {
            Ok(()) => install,
            Err(update) => format!("{update}\n{install}"),
        }),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// `apt-get update`, unless this crate did it recently (or `force`).
fn refresh_lists(force: bool) -> Result<(), String> {
    let stamp = std::env::temp_dir().join("mcp-testkit-apt.updated");
    let fresh = std::fs::metadata(&stamp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|at| SystemTime::now().duration_since(at).ok())
        .is_some_and(|age| age < LISTS_FRESH_FOR);
    if fresh && !force {
        return Ok(());
    }
    apt(&["update"])?;
    let _ = std::fs::write(&stamp, b"");
    Ok(())
}

fn is_stale_lists(error: &str) -> bool {
    [
        "Unable to locate package",
        "404",
        "Unable to fetch some archives",
    ]
    .iter()
    .any(|sign| error.contains(sign))
}

/// Runs `apt-get ARGS` non-interactively, waiting out dpkg's lock when another process holds
/// it, and repairing an interrupted dpkg once.
fn apt(args: &[&str]) -> Result<(), String> {
    let deadline = Instant::now() + DPKG_LOCK_WAIT;
    let mut repaired = false;
    loop {
        let output = run("apt-get", args)?;
        if output.status.success() {
            return Ok(());
        }
        let text = combined(&output);
        if is_lock_held(&text) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_secs(2));
            continue;
        }
        if text.contains("dpkg --configure -a") && !repaired {
            repaired = true;
            let _ = run("dpkg", &["--configure", "-a"]);
            continue;
        }
        return Err(format!(
            "`apt-get {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            tail(&text, 20)
        ));
    }
}

fn run(program: &str, args: &[&str]) -> Result<Output, String> {
    let mut command = Command::new(program);
    if program == "apt-get" {
        // apt's own wait for dpkg's lock, before our retries.
        command.args(["-o", "DPkg::Lock::Timeout=60", "-q"]);
    }
    command
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{program} {}`: {e}", args.join(" ")))
}

fn is_lock_held(text: &str) -> bool {
    text.contains("Could not get lock") || text.contains("Unable to acquire the dpkg")
}

fn combined(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

/// The last `lines` lines of `text`, indented.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn finds_a_program_that_is_there() {
        assert!(find("sh").is_some_and(|p| Path::new(&p).is_file()));
        assert!(find("no-such-program-anywhere").is_none());
    }

    #[test]
    fn tells_dpkg_lock_contention_from_other_failures() {
        assert!(is_lock_held(
            "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 7 (apt-get)"
        ));
        assert!(!is_lock_held("E: Unable to locate package no-such-package"));
        assert!(is_stale_lists(
            "E: Unable to locate package no-such-package"
        ));
    }

    #[test]
    fn a_program_already_installed_needs_no_install() {
        assert_eq!(require("sh", "dash"), find("sh").expect("sh"));
    }

    #[test]
    #[should_panic(
        expected = "Install it by hand, then run the tests again:\n    sudo apt-get update && sudo apt-get install -y mcp-testkit-no-such-package"
    )]
    fn a_package_that_cannot_be_installed_says_how_to_install_it() {
        require("mcp-testkit-no-such-program", "mcp-testkit-no-such-package");
    }

    #[test]
    fn keeps_the_end_of_long_output() {
        let text = (1..=30)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        let kept = tail(&text, 3);
        assert_eq!(kept, "    28\n    29\n    30");
    }
}
