//! The real `wxgate` binary: its subcommands, exit codes, and serving the repo's config.toml.

use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn wxgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wxgate"))
}

fn repo_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn temp_config(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

#[test]
fn check_config_accepts_the_repo_config() {
    let out = wxgate()
        .args(["check-config", "--config"])
        .arg(repo_file("config.toml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));
}

const BROKEN: &str = r#"
[server]
listen = "127.0.0.1:8080"
max_body_byte = 100

[[accounts]]
name = "demo"
appid = "wx1234567890abcdef"
token = "callback-token"
mode = "safe"

  [[accounts.rules]]
  regex = "(unclosed"
  reply = { text = "x" }
"#;

#[test]
fn check_config_lists_every_problem_and_exits_2() {
    let file = temp_config(BROKEN);
    let out = wxgate()
        .args(["check-config", "--config"])
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let path = file.path().display().to_string();
    assert!(stderr.contains(&path), "names the file: {stderr}");
    assert!(
        stderr.contains("server.max_body_byte"),
        "unknown key: {stderr}"
    );
    assert!(
        stderr.contains("max_body_bytes"),
        "suggests the right key: {stderr}"
    );
    assert!(
        stderr.contains("accounts[0].encoding_aes_key"),
        "missing key for safe mode: {stderr}"
    );
    assert!(
        stderr.contains("accounts[0].rules[0].regex"),
        "bad regex: {stderr}"
    );
}

#[test]
fn serve_refuses_an_invalid_config_with_exit_2() {
    let file = temp_config(BROKEN);
    for args in [vec!["serve", "--config"], vec!["--config"]] {
        let out = wxgate().args(&args).arg(file.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("server.max_body_byte"));
    }
    let out = wxgate()
        .args(["--config", "/nonexistent/wxgate.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/wxgate.toml"));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The repo's config.toml, served by the real binary (on a free port instead of 8080),
/// answers the handshake and the README's curl session.
#[tokio::test]
async fn the_binary_serves_the_repo_config() {
    let port = free_port();
    let text = std::fs::read_to_string(repo_file("config.toml"))
        .unwrap()
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    let file = temp_config(&text);
    let workdir = tempfile::tempdir().unwrap(); // the sample config's SQLite file lands here
    let _server = Server(
        wxgate()
            .args(["serve", "--config"])
            .arg(file.path())
            .current_dir(workdir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = wxgate::internals::crypto::sign(&["callback-token", &ts, "42"]);
    let echo = client
        .get(format!(
            "{base}/wx/demo?signature={signature}&timestamp={ts}&nonce=42&echostr=hi"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(echo.status(), 200);
    assert_eq!(echo.text().await.unwrap(), "hi");

    let body = format!(
        "<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>"
    );
    let reply = client
        .post(format!(
            "{base}/wx/demo?signature={signature}&timestamp={ts}&nonce=42"
        ))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert!(
        reply
            .text()
            .await
            .unwrap()
            .contains("<Content><![CDATA[world]]></Content>")
    );
}

/// Every secret the gateway holds or sees, grepped for in its own logs at debug level after a
/// run that exercises the callback, the API (token fetch, menu publish, late reply) and the
/// admin API, with wrong credentials too.
#[tokio::test]
async fn logs_never_contain_secrets() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TOKEN: &str = "CallbackTok3nZQ";
    const AES_KEY: &str = "Q0FMTEJBQ0tLRVlTRUNSRVRBRVNLRVkwMTIzNDU2Nzg";
    const SECRET: &str = "AppS3cretXYZ123";
    const ADMIN: &str = "AdminT0kenQWE456";
    const ACCESS: &str = "AccessT0kenRTY789";
    const WRONG: &str = "WrongAuthValueUIO000";

    let wechat = MockServer::start().await;
    Mock::given(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "access_token": ACCESS, "expires_in": 7200 })),
        )
        .mount(&wechat)
        .await;
    Mock::given(path("/cgi-bin/menu/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "errcode": 40001, "errmsg": format!("invalid credential, access_token is invalid or not latest hint: [{ACCESS}]") })))
        .mount(&wechat)
        .await;
    let port = free_port();
    let workdir = tempfile::tempdir().unwrap();
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[admin]\ntoken = \"{ADMIN}\"\n\
         [[accounts]]\nname = \"demo\"\nappid = \"wx1234567890abcdef\"\ntoken = \"{TOKEN}\"\n\
         encoding_aes_key = \"{AES_KEY}\"\nmode = \"safe\"\nsecret = \"{SECRET}\"\napi_base = \"{}\"\n",
        wechat.uri()
    );
    let file = temp_config(&config);
    let log = workdir.path().join("log.txt");
    let mut server = Server(
        wxgate()
            .args(["--config"])
            .arg(file.path())
            .current_dir(workdir.path())
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let menu = serde_json::json!({ "button": [ { "type": "click", "name": "a", "key": "A" } ] });
    for auth in [
        format!("Bearer {ADMIN}"),
        format!("Bearer {WRONG}"),
        WRONG.to_owned(),
    ] {
        let _ = client
            .put(format!("{base}/admin/accounts/demo/menu"))
            .header("authorization", auth)
            .json(&menu)
            .send()
            .await
            .unwrap();
    }
    // Callbacks: a wrong signature, an encrypted push for another appid, and a valid one.
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let key = wxgate::internals::crypto::AesKey::from_encoding_aes_key(AES_KEY).unwrap();
    for appid in ["wx1234567890abcdef", "wxffffffffffffffff"] {
        let cipher = wxgate::internals::crypto::MsgCipher::new(&key, appid);
        let plain = format!(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>{ts}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>{}</MsgId></xml>",
            appid.len()
        );
        let encrypt = cipher.encrypt(plain.as_bytes());
        let signature = wxgate::internals::crypto::sign(&[TOKEN, &ts, "1", &encrypt]);
        let body = format!("<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
        for sig in [
            signature.as_str(),
            "0000000000000000000000000000000000000000",
        ] {
            let _ = client
                .post(format!(
                    "{base}/wx/demo?timestamp={ts}&nonce=1&encrypt_type=aes&msg_signature={sig}"
                ))
                .body(body.clone())
                .send()
                .await
                .unwrap();
        }
    }
    let _ = server.0.kill();
    let _ = server.0.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    if std::env::var_os("WXGATE_SHOW_LOG").is_some() {
        eprintln!("{text}");
    }
    assert!(
        text.contains("request rejected"),
        "the run was logged: {text}"
    );
    for secret in [TOKEN, AES_KEY, SECRET, ADMIN, ACCESS, WRONG] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the log:\n{text}"
        );
    }
}

/// The smallest valid config, with its store at `database`.
fn config_with_database(database: &str) -> tempfile::NamedTempFile {
    temp_config(&format!(
        "[storage]\ndatabase = \"{database}\"\n\n[[accounts]]\nname = \"demo\"\n\
         appid = \"wx1234567890abcdef\"\ntoken = \"callback-token\"\nmode = \"plain\"\n"
    ))
}

/// `wxgate rotate-signing-key` against `config`: exit code, stdout, stderr.
fn rotate_signing_key(config: &std::path::Path) -> (Option<i32>, String, String) {
    let out = wxgate()
        .args(["rotate-signing-key", "--config"])
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn rotate_signing_key_makes_a_new_key_and_retires_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
    let file = config_with_database(&url);

    let mut kids = Vec::new();
    for _ in 0..2 {
        let (code, stdout, stderr) = rotate_signing_key(file.path());
        assert_eq!(code, Some(0), "{stderr}");
        let kid = stdout
            .strip_prefix("new signing key ")
            .and_then(|rest| {
                rest.strip_suffix("; running gateways switch to it within 10 seconds\n")
            })
            .unwrap_or_else(|| panic!("unexpected output: {stdout:?}"));
        assert_eq!(kid.len(), 16, "{kid}");
        kids.push(kid.to_owned());
    }
    assert_ne!(kids[0], kids[1]);

    let store = wxgate::internals::store::Store::open(&url).await.unwrap();
    let stored: Vec<(String, bool)> = store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|key| (key.kid, key.retired_at.is_some()))
        .collect();
    assert_eq!(stored, [(kids[1].clone(), false), (kids[0].clone(), true)]);
}

#[test]
fn rotate_signing_key_reports_a_store_it_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/wxgate.db");
    let file = config_with_database(&format!("sqlite://{}", missing.display()));
    let (code, stdout, stderr) = rotate_signing_key(file.path());
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stderr.starts_with("wxgate rotate-signing-key: cannot open the store"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
}

/// `wxgate hash-password` with `input` on stdin (not a terminal): exit code, stdout, stderr.
fn hash_password(input: &[u8]) -> (Option<i32>, String, String) {
    let mut child = wxgate()
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn hash_password_prints_only_an_argon2id_hash_of_the_first_line() {
    use argon2::PasswordVerifier as _;
    let (code, stdout, stderr) = hash_password(b"first line\nsecond line\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let hash = stdout.strip_suffix('\n').unwrap();
    assert!(!hash.contains('\n'));
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let argon2 = argon2::Argon2::default();
    assert!(argon2.verify_password(b"first line", hash).is_ok());
    assert!(argon2.verify_password(b"second line", hash).is_err());
}

#[test]
fn hash_password_refuses_an_empty_password() {
    for input in [&b""[..], b"\n", b"\r\n"] {
        let (code, stdout, stderr) = hash_password(input);
        assert_eq!(code, Some(1), "{input:?}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains("the password is empty"), "{stderr}");
    }
}
