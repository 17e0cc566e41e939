//! The real `wxgate` binary serving a temp config on a free port, for the tool tests.

#![allow(dead_code)]

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

pub fn wxgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wxgate"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A config with a `safe` and a `plain` account (token `callbacktoken`), each answering the
/// keyword `hello` with `world`, subscribe with `welcome` and the MENU_NEWS click with news.
pub fn config(port: u16, token: &str) -> String {
    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[dedup]\nttl_secs = 60\ncapacity = 10000\n"
    );
    for (name, mode) in [
        ("safe", "safe"),
        ("plain", "plain"),
        ("compat", "compatible"),
    ] {
        text.push_str(&format!(
            r#"
[[accounts]]
name = "{name}"
appid = "wx1234567890abcdef"
token = "{token}"
encoding_aes_key = "{AES_KEY}"
mode = "{mode}"
  [[accounts.rules]]
  keyword = "hello"
  reply = {{ text = "world" }}
  [[accounts.rules]]
  event = "subscribe"
  reply = {{ text = "welcome" }}
  [[accounts.rules]]
  event = "click"
  event_key = "MENU_NEWS"
  reply = {{ news = [ {{ title = "wxgate news", description = "d", pic_url = "https://x/p.png", url = "https://x" }} ] }}
"#
        ));
    }
    text
}

/// A gateway process; killed when dropped.
pub struct Served {
    child: Child,
    pub port: u16,
    pub config: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    /// The gateway's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `text` to `name` in `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path
}

/// Waits until something accepts connections on `port`.
pub fn wait_for(port: u16) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Starts `wxgate serve` with [`config`].
pub fn serve() -> Served {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "wxgate.toml",
        &format!(
            "[storage]\ndatabase = \"sqlite://{}\"\n{}",
            dir.path().join("wxgate.db").display(),
            config(port, "callbacktoken")
        ),
    );
    let child = wxgate()
        .args(["serve", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(port);
    Served {
        child,
        port,
        config,
        _dir: dir,
    }
}

/// Runs the binary with `args` after `--config config`.
pub fn run(config: &Path, args: &[&str]) -> Output {
    wxgate()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

/// The body of `GET path` (HTTP/1.0, read to the end).
pub fn get(port: u16, path: &str) -> String {
    use std::io::Read as _;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or(response)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
