//! A real browser for the tests: Debian's headless Chromium driven through chromedriver's
//! WebDriver HTTP API (plain JSON over reqwest, no browser-automation crate), and a one-page
//! static server to load test pages from their own origin.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session, ended (and chromedriver stopped) when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile_dir::Dir,
}

/// Why the browser tests cannot run here (chromium not installed): they print it and pass, as
/// the issue allows only for a machine without the package; `.ci/run` installs it.
pub fn missing() -> Option<String> {
    for bin in [CHROMIUM, CHROMEDRIVER] {
        if !std::path::Path::new(bin).exists() {
            // CI (`.ci/run`) installs the browser: there, its absence is a failure, not a skip.
            assert!(
                std::env::var_os("ATENDE_REQUIRE_BROWSER").is_none(),
                "{bin} is missing and ATENDE_REQUIRE_BROWSER is set"
            );
            return Some(format!(
                "SKIPPED: {bin} is not installed (apt-get install chromium chromium-driver; \
                 .ci/run installs them)"
            ));
        }
    }
    None
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless session.
    pub async fn start() -> Self {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile_dir::Dir::new("atende-chromium");
        // The flags the machine's notes say a closed network needs (no background traffic).
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.path.display()),
        ];
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
            }}}))
            .send()
            .await
            .expect("a WebDriver session")
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_owned();
        Self {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    /// Navigates to `url`.
    pub async fn goto(&self, url: &str) {
        let resp = self
            .http
            .post(format!("{}/session/{}/url", self.base, self.session))
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub async fn eval(&self, script: &str) -> Value {
        let resp: Value = self
            .http
            .post(format!(
                "{}/session/{}/execute/sync",
                self.base, self.session
            ))
            .json(&json!({ "script": script, "args": [] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        resp["value"].clone()
    }

    /// Evaluates `script` until it returns something truthy (not null/false), within `secs`.
    pub async fn wait_for(&self, script: &str, secs: u64) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.eval(script).await;
            if !(v.is_null() || v == Value::Bool(false)) {
                return v;
            }
            if tokio::time::Instant::now() > deadline {
                let page = self
                    .eval("return JSON.stringify(window.state || null)")
                    .await;
                panic!("timed out waiting for `{script}`; page state: {page}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Browser {
    /// Ends the session (Chromium exits) and stops chromedriver.
    pub async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a failed test: at least stop chromedriver.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Serves `html` at `/` on `host` (e.g. `localhost`) and a free port; returns the origin.
pub fn serve_page(host: &str, html: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let html = html.clone();
        App::new().route(
            "/",
            web::get().to(move || {
                let html = html.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(html)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .disable_signals()
    .run();
    tokio::spawn(server);
    format!("http://{host}:{port}")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scratch directory removed when dropped.
mod tempfile_dir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }

    impl Dir {
        pub fn new(prefix: &str) -> Self {
            let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&path).unwrap();
            Self { path }
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
