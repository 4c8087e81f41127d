//! A chromedriver process on a free port, and the Chromium it starts; both are killed on drop.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use super::{POLL_ATTEMPTS, POLL_PERIOD};

/// A chromedriver process, and the Chromium it started; both are killed on drop.
pub(super) struct Driver {
    process: Child,
    /// The port chromedriver listens on.
    pub(super) port: u16,
    /// Chromium's process id, once the session is open; `None` after it quit.
    pub(super) browser_pid: Option<u32>,
}

impl Driver {
    /// Starts chromedriver on a free port and waits for its `/status` to say it is ready.
    pub(super) async fn start(program: &Path) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        // A port freed here may be taken by another test before chromedriver binds it: retry.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("free port")
                .port();
            let process = Command::new(program)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts");
            let mut driver = Self {
                process,
                port,
                browser_pid: None,
            };
            for _ in 0..POLL_ATTEMPTS {
                if driver.process.try_wait().ok().flatten().is_some() {
                    break;
                }
                let status = http
                    .get(format!("http://127.0.0.1:{port}/status"))
                    .send()
                    .await;
                if let Ok(response) = status {
                    let body: Value = response.json().await.unwrap_or_default();
                    if body["value"]["ready"] == json!(true) {
                        return driver;
                    }
                }
                tokio::time::sleep(POLL_PERIOD).await;
            }
            driver.stop();
        }
        panic!("chromedriver did not become ready");
    }

    fn stop(&mut self) {
        if let Some(pid) = self.browser_pid.take() {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}
