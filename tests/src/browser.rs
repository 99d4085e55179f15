//! Headless Chromium (Debian's `chromium`), for the browser tests: installed on first use
//! with `apt-get install -y chromium` when missing, started on a page, and read through its
//! DevTools HTTP endpoint (`/json/list`), where the page's title carries its outcome.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

/// The `chromium` binary, installed if it is not there yet.
pub fn chromium() -> &'static Path {
    static CHROMIUM: OnceLock<PathBuf> = OnceLock::new();
    CHROMIUM.get_or_init(|| mcp_testkit::require("chromium", "chromium"))
}

/// A headless Chromium showing one page, stopped when dropped.
pub struct Browser {
    child: tokio::process::Child,
    profile: PathBuf,
    port: u16,
}

impl Browser {
    /// Opens `url` in a fresh profile.
    pub async fn open(url: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let profile = std::env::temp_dir().join(format!("mcp-chromium-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("create the browser profile");
        let child = tokio::process::Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it chose to DevToolsActivePort.
        let port_file = profile.join("DevToolsActivePort");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.lines().next()?.trim().parse().ok())
            {
                break port;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromium did not open its DevTools port within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Self {
            child,
            profile,
            port,
        }
    }

    /// The page's title once it starts with `prefix` (the page sets it when done); panics
    /// after `limit`.
    pub async fn title_starting_with(&self, prefix: &str, limit: Duration) -> String {
        let list = format!("http://127.0.0.1:{}/json/list", self.port);
        let deadline = tokio::time::Instant::now() + limit;
        let mut last = String::new();
        loop {
            let targets = match reqwest::get(&list).await {
                Ok(response) => response.json::<Vec<serde_json::Value>>().await.ok(),
                Err(_) => None,
            };
            for target in targets.unwrap_or_default() {
                if target["type"] == "page" {
                    last = target["title"].as_str().unwrap_or_default().to_owned();
                    if last.starts_with(prefix) {
                        return last;
                    }
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the page did not finish within {limit:?}; its title: {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
