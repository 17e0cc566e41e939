//! Headless Chromium driven over WebDriver (chromedriver and Chromium from the OS packages;
//! scripts/test.sh installs them): one chromedriver per test binary, one browser per
//! [`Browser::start`], each in a fresh profile. Every page a test visits is photographed to
//! `<target>/console-screenshots/NAME.png` and its console log read: any error, and any
//! Content-Security-Policy violation, fails the test.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::actions::{
    InputSource as _, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The browser binary (override with `CHROMIUM`).
const CHROMIUM: &str = "/usr/bin/chromium";
/// The driver binary (override with `CHROMEDRIVER`).
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a wait for an element or a condition lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// The base URL of this test binary's chromedriver, started at the first call.
///
/// The driver runs in a process group of its own (so the browsers it starts do too), and a
/// small shell watches this test process: when it exits, however it exits, the group is ended
/// and the browsers' scratch directory (their `TMPDIR`) removed.
fn driver() -> &'static str {
    static DRIVER: OnceLock<Driver> = OnceLock::new();
    &DRIVER
        .get_or_init(|| {
            let port = free_port();
            let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_owned());
            let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chromedriver.log");
            // The browsers' scratch files go here, removed with the driver.
            let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("chromium-{}", std::process::id()));
            std::fs::create_dir_all(&scratch).unwrap();
            let child = Command::new(&bin)
                .env("TMPDIR", &scratch)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {bin} (scripts/test.sh installs it): {e}")
                });
            let watch = Command::new("sh")
                .args([
                    "-c",
                    "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; \
                     kill -TERM -\"$2\"; sleep 2; rm -rf \"$3\"",
                    "chromedriver-watch",
                    &std::process::id().to_string(),
                    &child.id().to_string(),
                ])
                .arg(&scratch)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let started = Instant::now();
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "chromedriver did not listen on {port}; see {}",
                    log.display()
                );
                std::thread::sleep(Duration::from_millis(25));
            }
            Driver {
                url: format!("http://127.0.0.1:{port}"),
                _process: child,
                _watch: watch,
            }
        })
        .url
}

/// The running chromedriver (never dropped: the watching shell ends it with the test process).
struct Driver {
    url: String,
    _process: std::process::Child,
    _watch: std::process::Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where the screenshots go: `<target>/console-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp");
    target.join("console-screenshots")
}

/// chromedriver's own endpoint for the browser's console log: `POST /session/{id}/se/log`.
/// Each call answers the entries logged since the previous one.
#[derive(Debug)]
struct ReadLog;

impl WebDriverCompatibleCommand for ReadLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (reqwest::Method, Option<String>) {
        (
            reqwest::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// One entry of the browser's console log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO`, `DEBUG`.
    pub level: String,
    /// The text, usually prefixed by the script or URL that logged it.
    pub message: String,
}

impl LogEntry {
    /// An error, or a Content-Security-Policy violation (whatever its level).
    pub fn is_problem(&self) -> bool {
        self.level == "SEVERE" || is_csp_violation(&self.message)
    }
}

/// Whether a console message reports a Content-Security-Policy violation.
pub fn is_csp_violation(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("content security policy") || lower.contains("content-security-policy")
}

/// A headless Chromium session.
pub struct Browser {
    pub client: Client,
    /// Every log entry read so far, with the page it was read on.
    pub seen: Vec<(String, LogEntry)>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens a browser (English UI, 1280x900) with a fresh profile.
    pub async fn start() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned());
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1280,900",
                    "--lang=en-US",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": { "intl.accept_languages": "en-US,en" },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(driver())
            .await
            .unwrap_or_else(|e| panic!("no browser session from chromedriver: {e}"));
        Browser {
            client,
            seen: Vec::new(),
            _profile: profile,
        }
    }

    /// Loads `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    }

    /// The current URL.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.unwrap()
    }

    /// The path (and query) of the current URL.
    pub async fn path(&self) -> String {
        let url = self.url().await;
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The element `css` selects, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "no element {css} on {} within {WAIT:?}: {e}",
                self.path().await
            ),
        }
    }

    /// Every element `css` selects now (maybe none).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// Whether `css` selects something now.
    pub async fn exists(&self, css: &str) -> bool {
        !self.all(css).await.is_empty()
    }

    /// Waits until `check` holds, failing with `what` after [`WAIT`].
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            if started.elapsed() > WAIT {
                panic!("{what}: not within {WAIT:?} on {}", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of `css` (waiting for the element; an element replaced while read is
    /// read again).
    pub async fn text(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = element.text().await {
                    return text;
                }
            }
            if started.elapsed() > WAIT {
                panic!("no element {css} on {} within {WAIT:?}", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the text of `css` contains `needle`, and returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            if started.elapsed() > WAIT {
                panic!(
                    "{css} on {} says {text:?}, not {needle:?}, after {WAIT:?}",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the current path starts with `prefix`.
    pub async fn wait_path(&self, prefix: &str) {
        let started = Instant::now();
        loop {
            let path = self.path().await;
            if path.starts_with(prefix) {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "still on {path}, not {prefix}, after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the element `css` selects (a submit button, a link) and waits until the page it
    /// leads to has loaded: a new document, even at the same address.
    pub async fn click_and_load(&self, css: &str) {
        self.js("window.pageBeforeClick = true;", vec![]).await;
        self.click(css).await;
        self.wait_until("a new page loads", || async {
            let loaded = self
                .client
                .execute(
                    "return window.pageBeforeClick !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            matches!(loaded, Ok(Value::Bool(true)))
        })
        .await;
    }

    /// Clicks the element `css` selects a few pixels inside its left edge (an item's label, not
    /// the controls an item may carry in its middle or at its end).
    pub async fn click_left(&self, css: &str) {
        let element = self.find(css).await;
        self.js(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&element).unwrap()],
        )
        .await;
        let (_, _, width, _) = element.rectangle().await.unwrap();
        let mouse = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveToElement {
                element,
                duration: None,
                x: -(width / 2.0) + 5.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client
            .perform_actions(mouse)
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.client.release_actions().await.unwrap();
    }

    /// Replaces the value of the input `css` selects with `text`, typing it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.unwrap();
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Picks the option of value `value` in the select `css` selects.
    pub async fn select(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        element
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Presses `key` with Alt held, on whatever has the focus.
    pub async fn alt_key(&self, key: fantoccini::key::Key) {
        let key: char = key.into();
        let alt: char = fantoccini::key::Key::Alt.into();
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: alt })
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
            .then(KeyAction::Up { value: alt });
        self.client.perform_actions(actions).await.unwrap();
        self.client.release_actions().await.unwrap();
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// The log entries logged since the last read.
    pub async fn read_log(&self) -> Vec<LogEntry> {
        let answer = self
            .client
            .issue_cmd(ReadLog)
            .await
            .unwrap_or_else(|e| panic!("reading the browser log: {e}"));
        answer
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| LogEntry {
                        level: e["level"].as_str().unwrap_or_default().to_owned(),
                        message: e["message"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reads the log until an entry satisfies `check` (failing with `what` after [`WAIT`]), and
    /// returns every entry read.
    pub async fn wait_for_log(
        &self,
        what: &str,
        check: impl Fn(&LogEntry) -> bool,
    ) -> Vec<LogEntry> {
        let started = Instant::now();
        let mut entries = Vec::new();
        loop {
            entries.extend(self.read_log().await);
            if entries.iter().any(&check) {
                return entries;
            }
            assert!(
                started.elapsed() < WAIT,
                "{what}: not in the browser log within {WAIT:?}: {entries:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Photographs the whole page (the window made as tall as the page for a moment, up to
    /// 4000 pixels) to `<target>/console-screenshots/{name}.png` and returns the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let sizes = self
            .js(
                "return [document.documentElement.scrollHeight, \
                         window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await;
        let page = sizes[0].as_u64().unwrap_or(0).min(4000) as u32;
        let chrome = sizes[1].as_u64().unwrap_or(0) as u32;
        let (width, height) = self.client.get_window_size().await.unwrap();
        let tall = u64::from(page + chrome) > height;
        if tall {
            self.client
                .set_window_size(width as u32, page + chrome)
                .await
                .unwrap();
        }
        let png = self.client.screenshot().await;
        if tall {
            self.client
                .set_window_size(width as u32, height as u32)
                .await
                .unwrap();
        }
        let png = png.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "screenshot {name} is no PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Finishes a page: photographs it as `name`, then fails on any error or CSP violation in
    /// the console log since the previous check, except messages containing one of `allowed`.
    pub async fn page_done(&mut self, name: &str, allowed: &[&str]) {
        // Give late scripts (deferred ones, a first refresh) a moment to log.
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.screenshot(name).await;
        let entries = self.read_log().await;
        let problems: Vec<&LogEntry> = entries
            .iter()
            .filter(|e| e.is_problem() && !allowed.iter().any(|a| e.message.contains(a)))
            .collect();
        assert!(
            problems.is_empty(),
            "the browser logged problems on page {name} ({}): {problems:#?}",
            self.path().await
        );
        self.seen
            .extend(entries.into_iter().map(|e| (name.to_owned(), e)));
    }

    /// Ends the browser session (the browser exits).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
