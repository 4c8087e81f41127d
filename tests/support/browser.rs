//! Headless Chromium driven through chromedriver (WebDriver), with axe-core checks and a check
//! for horizontal overflow at 320 px on every page reached.
//!
//! Each [`Browser`] runs its own chromedriver on a free port and its own Chromium profile, so
//! browser tests run in parallel. Without Chromium, chromedriver or axe-core, [`tools`] says why
//! and returns `None` (the test then skips), except in CI (`CI` set), where it panics.
//!
//! [`Options`] choose a phone or desktop viewport and, for linked nodes served over TLS under
//! test names, map those names to their addresses and accept the per-test CA. Screenshots for
//! the documentation are written only when `ENT_SCREENSHOTS_DIR` is set.

mod axe;
mod driver;
mod overflow;

pub use overflow::NARROWEST;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use driver::Driver;

/// Mobile-sized viewport (CSS pixels): the UI is mobile first, and pupils often use a phone.
/// Chromium windows are at least 500 px wide, so the size is emulated rather than a window's.
pub const VIEWPORT: (u32, u32) = (390, 844);
/// A desktop or laptop screen (CSS pixels), as teachers often use.
pub const DESKTOP: (u32, u32) = (1200, 900);
/// Attempts (50 ms apart) to see chromedriver ready, or a page loaded after a click.
const POLL_ATTEMPTS: u32 = 200;
const POLL_PERIOD: Duration = Duration::from_millis(50);

/// The programs and the script the browser tests need, found on this machine.
#[derive(Debug, Clone)]
pub struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: PathBuf,
}

/// Where `axe.min.js` is: `AXE_CORE_JS`, else `node_modules/axe-core/` at the workspace root.
pub fn axe_path() -> PathBuf {
    match std::env::var_os("AXE_CORE_JS") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/axe-core/axe.min.js"),
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Whether this run is CI's (`CI` set to anything but empty, `0` or `false`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The browser tools, or `None` after a skip message (panics in CI, where they are mandatory).
pub fn tools() -> Option<Tools> {
    let axe = axe_path();
    let missing = match (find_program("chromium"), find_program("chromedriver")) {
        (None, _) => "chromium is not installed (Debian package `chromium`)".to_owned(),
        (_, None) => "chromedriver is not installed (Debian package `chromium-driver`)".to_owned(),
        (Some(_), Some(_)) if !axe.is_file() => format!(
            "axe-core not found at {} (run `npm install --no-save axe-core` at the workspace \
             root, or set AXE_CORE_JS)",
            axe.display()
        ),
        (Some(chromium), Some(chromedriver)) => {
            return Some(Tools {
                chromium,
                chromedriver,
                axe,
            });
        }
    };
    assert!(!in_ci(), "browser tests are mandatory in CI: {missing}");
    eprintln!("SKIPPED browser test: {missing}. `.ci/run` installs everything it needs.");
    None
}

/// How a [`Browser`] starts: its viewport, and how it reaches nodes served over TLS under test
/// names (linked nodes). The default is a phone-sized viewport and the system's resolver.
#[derive(Debug, Clone)]
pub struct Options {
    /// Viewport in CSS pixels ([`VIEWPORT`] or [`DESKTOP`]).
    pub viewport: (u32, u32),
    /// Names resolved to fixed addresses (Chromium's `--host-resolver-rules`); ports are kept.
    pub hosts: Vec<(String, IpAddr)>,
    /// Accepts any certificate (`--ignore-certificate-errors`), for the nodes' per-test CA.
    /// Tests only.
    pub ignore_certificate_errors: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            viewport: VIEWPORT,
            hosts: Vec::new(),
            ignore_certificate_errors: false,
        }
    }
}

impl Options {
    /// A browser that reaches every node of `linked` by its name, over TLS with the test CA.
    pub fn linked(linked: &crate::federation::Linked, viewport: (u32, u32)) -> Self {
        // Every node of a linked set lists every name in `[federation.hosts]`.
        let hosts = linked
            .nodes
            .iter()
            .flat_map(|node| node.state.config.federation.hosts.clone())
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect();
        Self {
            viewport,
            hosts,
            ignore_certificate_errors: true,
        }
    }
}

/// Where documentation screenshots go: `ENT_SCREENSHOTS_DIR` when set and not empty. Unset in
/// normal runs, so that tests never rewrite the repository's images.
pub fn docs_screenshots_dir() -> Option<PathBuf> {
    std::env::var_os("ENT_SCREENSHOTS_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// One headless Chromium with a fresh profile, pointed at one node.
pub struct Browser {
    client: Client,
    base_url: String,
    axe: &'static str,
    /// The viewport it was started with (CSS pixels).
    viewport: (u32, u32),
    // Dropped after the client, and before the profile folder.
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (phone-sized viewport) for the node at `base_url`.
    pub async fn start(tools: &Tools, base_url: &str) -> Self {
        Self::start_with(tools, base_url, &Options::default()).await
    }

    /// Starts chromedriver and a headless Chromium as `options` say, for the node at `base_url`.
    pub async fn start_with(tools: &Tools, base_url: &str, options: &Options) -> Self {
        ent_node::server::install_crypto();
        let profile = tempfile::tempdir().expect("profile dir");
        let mut driver = Driver::start(&tools.chromedriver).await;
        let user_data = format!("--user-data-dir={}", profile.path().display());
        let (width, height) = options.viewport;
        let window = format!("--window-size={},{}", width.max(800), height.max(1000));
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            window,
            user_data,
        ];
        if !options.hosts.is_empty() {
            let rules: Vec<String> = options
                .hosts
                .iter()
                .map(|(name, ip)| format!("MAP {name} {ip}"))
                .collect();
            args.push(format!("--host-resolver-rules={}", rules.join(",")));
        }
        if options.ignore_certificate_errors {
            args.push("--ignore-certificate-errors".to_owned());
        }
        let viewport = options.viewport;
        let mut metrics = json!({ "width": width, "height": height, "pixelRatio": 1.0 });
        if width > VIEWPORT.0 {
            // A desktop screen: no phone behaviours (touch events, mobile viewport rules).
            metrics["mobile"] = json!(false);
            metrics["touch"] = json!(false);
        }
        let mobile = json!({ "deviceMetrics": metrics });
        let options = json!({ "binary": tools.chromium, "args": args, "mobileEmulation": mobile });
        let capabilities = serde_json::Map::from_iter([("goog:chromeOptions".to_owned(), options)]);
        // chromedriver listens on loopback over plain HTTP: no TLS stack needed (and none of
        // fantoccini's TLS features, which would pull a second crypto library into the build).
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("WebDriver session");
        driver.browser_pid = client
            .capabilities()
            .and_then(|c| c.get("goog:processID"))
            .and_then(Value::as_u64)
            .and_then(|pid| u32::try_from(pid).ok());
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            axe: axe::source(tools),
            viewport,
            driver,
            _profile: profile,
        }
    }

    /// The WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `path` on the node, then checks the page with axe-core and at 320 px.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base_url);
        self.client.goto(&url).await.expect("navigation");
        self.check_page().await;
    }

    /// What every page reached must pass: axe-core, and no horizontal overflow at 320 px.
    pub async fn check_page(&self) {
        self.check_accessibility().await;
        self.check_no_overflow().await;
    }

    /// Clicks what `css` selects, waits for the next page, then checks it ([`Browser::check_page`]).
    pub async fn click_through(&self, css: &str) {
        self.client
            .execute("window.__entOldPage = true;", vec![])
            .await
            .expect("mark page");
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click on {css}: {e}"));
        let loaded =
            "return window.__entOldPage === undefined && document.readyState === 'complete';";
        for _ in 0..POLL_ATTEMPTS {
            // A script may fail while the next page replaces this one: try again.
            if let Ok(Value::Bool(true)) = self.client.execute(loaded, vec![]).await {
                self.check_page().await;
                return;
            }
            tokio::time::sleep(POLL_PERIOD).await;
        }
        panic!(
            "no new page after clicking {css} (still at {})",
            self.path().await
        );
    }

    /// Follows the link whose text is exactly `text`, then checks the next page.
    pub async fn follow_link(&self, text: &str) {
        let xpath = format!("//a[normalize-space(.)={text:?}]");
        let link = match self.client.find(Locator::XPath(&xpath)).await {
            Ok(link) => link,
            Err(e) => panic!("no link {text:?} on {}: {e}", self.path().await),
        };
        let href = link
            .attr("href")
            .await
            .expect("href")
            .expect("link has an href");
        self.click_through(&format!("a[href={href:?}]")).await;
    }

    /// Types `value` into the empty field that `css` selects.
    pub async fn fill(&self, css: &str, value: &str) {
        self.find(css).await.send_keys(value).await.expect("typing");
    }

    /// The visible text of the first element `css` selects.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// The visible text of the page.
    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    /// The path of the current page (`/portail`).
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.path().to_owned())
            .unwrap_or_default()
    }

    /// Signs in through the sign-in form and checks that the portal opened.
    pub async fn sign_in(&self, identifier: &str, password: &str) {
        self.goto("/connexion").await;
        self.fill("#identifier", identifier).await;
        self.fill("#password", password).await;
        self.click_through("main button[type=submit]").await;
        assert_eq!(
            self.path().await,
            "/portail",
            "sign-in as {identifier} failed"
        );
    }

    /// Forgets the session (all cookies), as a fresh browser would.
    pub async fn sign_out(&self) {
        self.client
            .delete_all_cookies()
            .await
            .expect("cookies deleted");
    }

    /// Saves a PNG of the window as `target/screenshots/{name}.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
        let dir = target.join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshots folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// Clicks what `css` selects, when no new page follows (a checkbox, a `<summary>`).
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click on {css}: {e}"));
    }

    /// For the documentation, only when `ENT_SCREENSHOTS_DIR` is set: saves what the window
    /// shows as `{dir}/{name}.png`.
    pub async fn doc_screenshot(&self, name: &str) {
        let Some(dir) = docs_screenshots_dir() else {
            return;
        };
        let png = self.client.screenshot().await.expect("screenshot");
        save_png(&dir, name, &png);
    }

    /// For the documentation, only when `ENT_SCREENSHOTS_DIR` is set: saves the band of the
    /// page from the top of the first element `css` selects to the bottom of the last one
    /// (full width, even beyond the window) as `{dir}/{name}.png`.
    pub async fn doc_screenshot_of(&self, name: &str, css: &str) {
        let Some(dir) = docs_screenshots_dir() else {
            return;
        };
        self.find(css).await;
        let script = "const rects = [...document.querySelectorAll(arguments[0])]
                .map(e => e.getBoundingClientRect());
            const top = Math.min(...rects.map(r => r.top)) + window.scrollY;
            const bottom = Math.max(...rects.map(r => r.bottom)) + window.scrollY;
            return [top, bottom - top, document.documentElement.clientWidth];";
        let rect = self
            .client
            .execute(script, vec![json!(css)])
            .await
            .expect("element's place");
        let number = |i: usize| rect[i].as_f64().expect("a number");
        let margin = 12.0;
        let top = (number(0) - margin).max(0.0);
        let clip = json!({
            "x": 0,
            "y": top,
            "width": number(2),
            "height": number(1) + margin + (number(0) - top),
            "scale": 1,
        });
        let params = json!({ "format": "png", "captureBeyondViewport": true, "clip": clip });
        let shot = self.devtools("Page.captureScreenshot", params).await;
        let data = shot["data"].as_str().expect("screenshot data");
        let png = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data)
            .expect("base64 PNG");
        save_png(&dir, name, &png);
    }

    /// Runs a Chrome DevTools command through chromedriver and returns its result.
    async fn devtools(&self, command: &str, params: Value) -> Value {
        let session = self
            .client
            .session_id()
            .await
            .expect("session id")
            .expect("open session");
        let url = format!(
            "http://127.0.0.1:{}/session/{session}/goog/cdp/execute",
            self.driver.port
        );
        let answer: Value = reqwest::Client::new()
            .post(url)
            .json(&json!({ "cmd": command, "params": params }))
            .send()
            .await
            .expect("chromedriver answered")
            .json()
            .await
            .expect("JSON answer");
        answer["value"].clone()
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {css} on {}: {e}", self.path().await),
        }
    }

    /// Ends the WebDriver session (Chromium quits), then stops chromedriver.
    pub async fn close(mut self) {
        if self.client.clone().close().await.is_ok() {
            self.driver.browser_pid = None;
        }
    }
}

fn save_png(dir: &Path, name: &str, png: &[u8]) {
    std::fs::create_dir_all(dir).expect("screenshots folder");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("screenshot written");
    eprintln!("screenshot: {}", path.display());
}
