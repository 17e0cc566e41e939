//! Running the real `wxgate` binary for the shutdown and crash tests: a config in a temp dir,
//! a free port, logs at debug into the test-log directory that scripts/test.sh greps for
//! secrets.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The admin token of these tests' configs (listed in tests/secrets.txt).
pub const ADMIN: &str = "RealBinaryAdminT0ken";
/// The callback token (listed in tests/secrets.txt).
pub const TOKEN: &str = "RealBinaryCallbackT0k";
/// The AppSecret (listed in tests/secrets.txt).
pub const SECRET: &str = "RealBinaryAppS3cret";
/// The access token the mock WeChat hands out (listed in tests/secrets.txt).
pub const ACCESS: &str = "RealBinaryAccessT0ken";
/// The appid of every account.
pub const APPID: &str = "wx1234567890abcdef";

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where the real-binary tests write the gateway's logs.
pub fn log_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-logs");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.log"))
}

/// A running `wxgate serve`, killed if still running when dropped.
pub struct Gateway {
    pub child: Child,
    pub port: u16,
    pub base: String,
    pub log: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    /// Starts the binary on `config` (TOML, which must listen on `port`) in `dir`, logging
    /// to `log_path(log_name)` (one file per start), and waits until `/healthz` answers.
    pub async fn start(dir: &Path, config: &str, port: u16, log_name: &str) -> Gateway {
        let config_path = dir.join("wxgate.toml");
        std::fs::File::create(&config_path)
            .unwrap()
            .write_all(config.as_bytes())
            .unwrap();
        let log = log_path(log_name);
        let stderr = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_wxgate"))
            .args(["serve", "--config"])
            .arg(&config_path)
            .current_dir(dir)
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let gateway = Gateway {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        gateway.wait_healthy().await;
        gateway
    }

    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the gateway did not start; log: {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends a signal (`TERM`, `INT`, `KILL`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {name}");
    }

    /// Waits up to `within` for the process to exit.
    pub async fn exited_within(&mut self, within: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < within {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

/// A `[storage]` section for the SQLite file `dir/wxgate.db`.
pub fn storage(dir: &Path) -> String {
    format!(
        "[storage]\ndatabase = \"sqlite://{}\"\n",
        dir.join("wxgate.db").display()
    )
}

/// Seconds since the epoch, as text.
pub fn now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

/// The query of a signed plain push.
pub fn plain_query(nonce: &str) -> String {
    let ts = now();
    let signature = wxgate::internals::crypto::sign(&[TOKEN, &ts, nonce]);
    format!("signature={signature}&timestamp={ts}&nonce={nonce}&openid=o_user")
}

/// Mounts WeChat's token endpoint and a menu/create that accepts everything.
pub async fn mock_wechat() -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let wechat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "access_token": ACCESS, "expires_in": 7200 })),
        )
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/menu/create"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "errcode": 0, "errmsg": "ok" })),
        )
        .mount(&wechat)
        .await;
    wechat
}
