//! The browser tests' harness: chromedriver on a free port, a headless Chromium session in a
//! phone-sized window, screenshots on request, and the dashboard login.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// With `FERRY_SCREENSHOTS_DIR` set, saves the page as `<dir>/<name>.png` (how the
/// screenshots in docs/ are made: `FERRY_SCREENSHOTS_DIR=$PWD/docs/screenshots cargo nextest run
/// -p ferry-server --test browser`).
pub async fn screenshot(browser: &Client, name: &str) {
    if let Ok(dir) = std::env::var("FERRY_SCREENSHOTS_DIR") {
        let png = browser.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

/// chromedriver on a free port; stopped when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver (`FERRY_TEST_CHROMEDRIVER` or `chromedriver` on the PATH).
pub fn driver() -> Driver {
    let binary = std::env::var("FERRY_TEST_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {binary}: {e}; the browser tests need Chromium and chromedriver: \
                 run `eval \"$(scripts/browser-env)\"` (the test command does)"
            )
        });
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A headless Chromium session, 420 × 900 (a phone), through `driver`.
pub async fn browser(driver: &Driver) -> Client {
    let mut options = serde_json::Map::new();
    let mut chrome = json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                      "--disable-dev-shm-usage", "--window-size=420,900"]});
    if let Ok(binary) = std::env::var("FERRY_TEST_CHROMIUM") {
        chrome["binary"] = json!(binary);
    }
    options.insert("goog:chromeOptions".into(), chrome);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(options)
        .connect(&driver.url)
        .await
        .expect("a headless Chromium session")
}

/// Logs in at `base` (`http://host:port`) with `token` and waits for the overview.
pub async fn log_in(browser: &Client, base: &str, token: &str) {
    browser.goto(&format!("{base}/ui/login")).await.unwrap();
    browser
        .find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    browser
        .find(Locator::Css("form.login button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("table.flows"))
        .await
        .unwrap();
}
