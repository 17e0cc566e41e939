//! Hostile input, black-box through HTTP: every case gets its documented 4xx quickly, nothing
//! reaches a handler (a counting plugin proves it), the refusal is counted under its reason,
//! and the gateway keeps serving. RELIABILITY.md lists the same cases.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

/// What a client may ever get back: no 5xx for anything a client sends.
/// 303: the console sends a page asked for without a session to its sign-in page.
const ALLOWED: [u16; 11] = [200, 204, 303, 400, 401, 403, 404, 405, 413, 414, 431];

/// "Quickly": far below anything a client would notice, far above a slow CI machine's jitter.
const QUICK: Duration = Duration::from_secs(3);

const MIB: usize = 1 << 20;

/// The three-account config with a 1 MiB body limit and the admin API on.
fn hostile_config() -> String {
    format!(
        "{}\n[admin]\ntoken = \"{ADMIN}\"\n",
        config_text(&format!("max_body_bytes = {MIB}"))
    )
}

/// A refused request and what it must get.
struct Case {
    name: String,
    account: &'static str,
    query: String,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    status: u16,
    /// The `wxgate_rejected_total` reason it is counted under.
    reason: &'static str,
}

impl Case {
    fn post(name: impl Into<String>, account: &'static str, query: String, body: Vec<u8>) -> Case {
        Case {
            name: name.into(),
            account,
            query,
            body,
            content_type: None,
            status: 400,
            reason: "parse",
        }
    }

    /// A signed plain push to `demo` with this body.
    fn plain(name: impl Into<String>, body: impl Into<Vec<u8>>) -> Case {
        Case::post(name, "demo", plain_query(now(), "4242"), body.into())
    }

    /// A safe-mode push to `safe` whose Encrypt is `encrypt`, with a valid msg_signature.
    fn encrypted(name: impl Into<String>, encrypt: &str) -> Case {
        let body = format!(
            "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        );
        let mut case = Case::post(
            name,
            "safe",
            encrypted_query(encrypt, now(), "5151"),
            body.into_bytes(),
        );
        case.reason = "decrypt";
        case
    }

    fn expect(mut self, status: u16, reason: &'static str) -> Case {
        self.status = status;
        self.reason = reason;
        self
    }

    fn json(mut self) -> Case {
        self.content_type = Some("application/json");
        self
    }
}

fn rejected(metrics: &str, account: &str, reason: &str) -> f64 {
    metric(
        metrics,
        &format!("wxgate_rejected_total{{account=\"{account}\",reason=\"{reason}\"}}"),
    )
}

/// Sends every case, checking status, time and the reason counter of each.
async fn run_cases(gw: &TestGateway, cases: Vec<Case>) {
    for case in cases {
        let before = rejected(&gw.metrics().await, case.account, case.reason);
        let mut request = gw
            .client
            .post(gw.url(&format!("/wx/{}?{}", case.account, case.query)))
            .body(case.body.clone());
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        let started = Instant::now();
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let took = started.elapsed();
        eprintln!("{} -> {status} ({})", case.name, case.reason);
        assert_eq!(status, case.status, "{}: {text}", case.name);
        assert!(took < QUICK, "{} took {took:?}", case.name);
        let after = rejected(&gw.metrics().await, case.account, case.reason);
        assert_eq!(
            after,
            before + 1.0,
            "{}: counted under reason {}",
            case.name,
            case.reason
        );
    }
}

/// Checks nothing was dispatched, a real push still is, and the gateway is healthy.
async fn still_serving(gw: &TestGateway, seen: &std::sync::atomic::AtomicUsize) {
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "a hostile request was dispatched"
    );
    assert_eq!(gw.get("/healthz").await.0, 200);
    let (status, body) = gw
        .post_plain("demo", &text_xml("o_ok", "count me", 77_000))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the control push is dispatched"
    );
}

#[actix_web::test]
async fn hostile_xml_and_json_bodies_are_400_and_never_dispatched() {
    let (gw, seen) = start_counting_with(&hostile_config(), Duration::ZERO).await;
    let nested = format!(
        "<xml>{}1{}</xml>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    assert!(nested.len() < MIB);
    let deep_json = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let deep_array = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let push = text_xml("o_h", "hello", 78_000);
    let cases = vec![
        Case::plain(
            "DOCTYPE with an internal entity",
            "<!DOCTYPE xml [<!ENTITY e \"boom\">]><xml><ToUserName>&e;</ToUserName></xml>",
        ),
        Case::plain(
            "external entity (XXE)",
            "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>&xxe;</ToUserName></xml>",
        ),
        Case::plain(
            "external DTD",
            "<?xml version=\"1.0\"?><!DOCTYPE xml SYSTEM \"http://127.0.0.1:9/evil.dtd\"><xml/>",
        ),
        Case::plain(
            "billion laughs",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">{}]><xml><Content>&lol9;</Content></xml>",
                (1..=9)
                    .map(|i| format!(
                        "<!ENTITY lol{i} \"{}\">",
                        format!(
                            "&lol{};",
                            if i == 1 {
                                String::new()
                            } else {
                                (i - 1).to_string()
                            }
                        )
                        .repeat(10)
                    ))
                    .collect::<String>()
            ),
        ),
        Case::plain(
            "undeclared entity",
            "<xml><ToUserName>&nope;</ToUserName></xml>",
        ),
        Case::plain("100,000 nested elements", nested),
        Case::plain(
            "invalid UTF-8",
            b"<xml><Content>\xff\xfe\xc3</Content></xml>".to_vec(),
        ),
        Case::plain("invalid UTF-8 in a valid push", {
            let mut bytes = push.clone().into_bytes();
            let at = push.find("hello").unwrap();
            bytes.splice(at..at + 5, [0xc0, 0xaf]);
            bytes
        }),
        Case::plain("NUL byte", push.replace("hello", "hel\0lo")),
        Case::plain(
            "NUL as a character reference",
            push.replace("<![CDATA[hello]]>", "hel&#0;lo"),
        ),
        Case::plain(
            "a surrogate as a character reference",
            push.replace("<![CDATA[hello]]>", "&#xD800;"),
        ),
        Case::plain(
            "]]> inside CDATA",
            push.replace("<![CDATA[hello]]>", "<![CDATA[a]]>b]]>"),
        ),
        Case::plain("]]> in text", push.replace("<![CDATA[hello]]>", "a]]>b")),
        Case::plain("unterminated CDATA", push.replace("hello]]>", "hello")),
        Case::plain("a second root", format!("{push}{push}")),
        Case::plain("empty body", ""),
        Case::plain("deeply nested JSON", deep_json).json(),
        Case::plain("deeply nested JSON arrays", deep_array).json(),
        Case::plain("JSON that is not an object", "[1,2,3]").json(),
        Case::plain("truncated JSON", "{\"ToUserName\":\"gh\"").json(),
    ];
    run_cases(&gw, cases).await;
    still_serving(&gw, &seen).await;
}

#[actix_web::test]
async fn huge_well_formed_xml_within_the_limit_is_answered_quickly() {
    let (gw, seen) = start_counting_with(&hostile_config(), Duration::ZERO).await;
    let mut siblings = String::from("<xml>");
    for i in 0..100_000 {
        siblings.push_str(&format!("<a>{}</a>", i % 10));
    }
    siblings.push_str("</xml>");
    assert!(siblings.len() < MIB, "{}", siblings.len());
    // The same 100,000 siblings inside a valid push.
    let push = text_xml("o_big", "hello", 79_000).replace(
        "<MsgId>",
        &format!("{}<MsgId>", &siblings[5..siblings.len() - 6]),
    );
    assert!(push.len() < MIB, "{}", push.len());
    for body in [siblings, push] {
        let started = Instant::now();
        let (status, text) = gw.post_plain("demo", &body).await;
        let took = started.elapsed();
        assert!(status == 200 || status == 400, "{status}: {text}");
        assert!(took < QUICK, "took {took:?}");
    }
    assert_eq!(gw.get("/healthz").await.0, 200);
    assert!(seen.load(Ordering::SeqCst) <= 1);
}

/// The raw 32-byte AES key of [`AES_KEY`] (its IV is the first 16 bytes). The 43rd character
/// carries 2 bits past the key, which WeChat ignores.
fn key_bytes() -> Vec<u8> {
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let key = lenient.decode(format!("{AES_KEY}=")).unwrap();
    assert_eq!(key.len(), 32);
    key
}

/// Encrypts `frame` (a multiple of 16 bytes) exactly as given: no padding is added, so the
/// frame can be wrong in any way while the ciphertext and its signature are valid.
fn seal_frame(frame: &[u8]) -> String {
    assert_eq!(frame.len() % 16, 0);
    let key = key_bytes();
    let encryptor = cbc::Encryptor::<Aes256>::new_from_slices(&key, &key[..16]).unwrap();
    STANDARD.encode(encryptor.encrypt_padded_vec_mut::<NoPadding>(frame))
}

/// `random(16) | len(4, big-endian) | msg | appid`, padded to 32 with `pad` bytes of `value`
/// (PKCS#7 when `value` is the count).
fn frame(declared_len: u32, msg: &[u8], appid: &[u8], pad: impl Fn(usize) -> Vec<u8>) -> Vec<u8> {
    let mut frame = vec![7u8; 16];
    frame.extend_from_slice(&declared_len.to_be_bytes());
    frame.extend_from_slice(msg);
    frame.extend_from_slice(appid);
    let count = 32 - frame.len() % 32;
    frame.extend(pad(count));
    frame
}

fn pkcs7(count: usize) -> Vec<u8> {
    vec![count as u8; count]
}

fn msg_len(msg: &[u8]) -> u32 {
    u32::try_from(msg.len()).unwrap()
}

#[actix_web::test]
async fn bad_ciphertexts_with_valid_signatures_are_400() {
    let (gw, seen) = start_counting_with(&hostile_config(), Duration::ZERO).await;
    let msg = text_xml("o_c", "hello", 80_000).into_bytes();
    let appid = APPID.as_bytes();

    // The control: the hand-built frame is right, so only the changes below make it wrong.
    let good = seal_frame(&frame(msg_len(&msg), &msg, appid, pkcs7));
    assert_eq!(cipher().decrypt(&good).unwrap(), msg);

    let good_bytes = STANDARD.decode(&good).unwrap();
    let short_by_a_block = STANDARD.encode(&good_bytes[..good_bytes.len() - 16]);
    let short_by_five = STANDARD.encode(&good_bytes[..good_bytes.len() - 5]);
    let zero_pad = frame(msg_len(&msg), &msg, appid, |n| vec![0; n]);
    // A pad byte of 33, longer than WeChat's 32-byte block: spaces up to a whole block, then
    // 33 bytes of 33.
    let mut over_pad = frame(msg_len(&msg), &msg, appid, |_| Vec::new());
    while (over_pad.len() + 33) % 16 != 0 {
        over_pad.push(b' ');
    }
    over_pad.extend([33u8; 33]);
    let bad_utf8 = b"<xml><ToUserName>gh\xff\xfe</ToUserName></xml>".to_vec();
    let cases = vec![
        Case::encrypted("empty Encrypt", ""),
        Case::encrypted("Encrypt that is not base64", "not*base64!"),
        Case::encrypted(
            "Encrypt with non-canonical base64",
            "AAAAAAAAAAAAAAAAAAAAAB==",
        ),
        Case::encrypted("Encrypt truncated (base64 cut)", &good[..good.len() - 3]),
        Case::encrypted("Encrypt truncated by a block", &short_by_a_block),
        Case::encrypted("Encrypt truncated mid-block", &short_by_five),
        Case::encrypted("padding 0", &seal_frame(&zero_pad)),
        Case::encrypted("padding over 32", &seal_frame(&over_pad)),
        Case::encrypted(
            "length field larger than the data",
            &seal_frame(&frame(msg_len(&msg) + 1000, &msg, appid, pkcs7)),
        ),
        Case::encrypted(
            "length field u32::MAX",
            &seal_frame(&frame(u32::MAX, &msg, appid, pkcs7)),
        ),
        Case::encrypted(
            "frame shorter than its header",
            &seal_frame(&[vec![7u8; 8], vec![24u8; 24]].concat()),
        ),
        Case::encrypted(
            "invalid UTF-8 inside",
            &seal_frame(&frame(msg_len(&bad_utf8), &bad_utf8, appid, pkcs7)),
        )
        .expect(400, "parse"),
        Case::encrypted(
            "a valid frame for another appid",
            &seal_frame(&frame(msg_len(&msg), &msg, b"wxffffffffffffffff", pkcs7)),
        )
        .expect(403, "appid"),
        Case::encrypted(
            "a valid frame with an empty appid",
            &seal_frame(&frame(msg_len(&msg), &msg, b"", pkcs7)),
        )
        .expect(403, "appid"),
    ];
    run_cases(&gw, cases).await;
    still_serving(&gw, &seen).await;
}

#[actix_web::test]
async fn bad_query_strings_are_400_on_get_and_post() {
    let (gw, seen) = start_counting_with(&hostile_config(), Duration::ZERO).await;
    let ts = now().to_string();
    let sig = wxgate::internals::crypto::sign(&[TOKEN, &ts, "1"]);
    let good = format!("signature={sig}&timestamp={ts}&nonce=1");
    let mut queries: Vec<(String, String)> = vec![
        (
            "nonce repeated, identical".into(),
            format!("{good}&nonce=1"),
        ),
        ("signature repeated".into(), format!("{good}&signature=abc")),
        (
            "timestamp repeated, identical".into(),
            format!("{good}&timestamp={ts}"),
        ),
        (
            "unknown parameter repeated".into(),
            format!("{good}&openid=o&openid=o"),
        ),
        (
            "encrypt_type repeated".into(),
            format!("{good}&encrypt_type=raw&encrypt_type=raw"),
        ),
        (
            "repeated through percent-encoding".into(),
            format!("{good}&%6Eonce=1"),
        ),
        (
            "encrypt_type unknown".into(),
            format!("{good}&encrypt_type=des"),
        ),
        ("no query at all".into(), String::new()),
        (
            "signature missing".into(),
            format!("timestamp={ts}&nonce=1"),
        ),
        (
            "timestamp missing".into(),
            format!("signature={sig}&nonce=1"),
        ),
        (
            "nonce missing".into(),
            format!("signature={sig}&timestamp={ts}"),
        ),
    ];
    for bad in [
        "",
        "abc",
        "-1",
        "+1",
        "-0",
        " 1",
        "1 ",
        "%201",
        "1%20",
        "1.5",
        "1e9",
        "0x10",
        "１２",
        "٣",
        "99999999999999999999999",
        "18446744073709551616",
    ] {
        queries.push((
            format!("timestamp {bad:?}"),
            format!("signature={sig}&timestamp={bad}&nonce=1"),
        ));
    }
    let mut cases = Vec::new();
    for (name, query) in &queries {
        cases.push(
            Case::post(
                format!("POST, {name}"),
                "demo",
                query.clone(),
                text_xml("o_q", "hello", 81_000).into_bytes(),
            )
            .expect(400, "bad_request"),
        );
    }
    // The encrypted path needs msg_signature.
    cases.push(
        Case::post(
            "POST, msg_signature missing",
            "safe",
            format!("{good}&encrypt_type=aes"),
            b"<xml><Encrypt>AAAA</Encrypt></xml>".to_vec(),
        )
        .expect(400, "bad_request"),
    );
    run_cases(&gw, cases).await;

    // The same on the GET handshake, plus a missing echostr.
    queries.push(("echostr missing".into(), good.clone()));
    for (name, query) in &queries {
        let query = if name == "echostr missing" || query.is_empty() {
            query.clone()
        } else {
            format!("{query}&echostr=e")
        };
        let before = rejected(&gw.metrics().await, "demo", "bad_request");
        let started = Instant::now();
        let (status, text) = gw.get(&format!("/wx/demo?{query}")).await;
        assert_eq!(status, 400, "GET, {name}: {text}");
        assert!(started.elapsed() < QUICK, "GET, {name}");
        let after = rejected(&gw.metrics().await, "demo", "bad_request");
        assert_eq!(after, before + 1.0, "GET, {name}");
    }
    // The control: the good query answers the handshake.
    assert_eq!(
        gw.get(&format!("/wx/demo?{good}&echostr=e")).await,
        (200, "e".to_owned())
    );
    still_serving(&gw, &seen).await;
}

/// Sends raw bytes on a fresh connection and returns what came back until the server closed
/// (or `QUICK` passed).
async fn raw(gw: &TestGateway, request: &[u8]) -> String {
    let addr = gw.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before everything is written.
    let _ = stream.write_all(request).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(QUICK, stream.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

/// The status of a raw HTTP/1.1 response.
fn status_of(response: &str) -> Option<u16> {
    response
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

#[actix_web::test]
async fn oversized_heads_and_broken_framing_are_4xx() {
    let (gw, seen) = start_counting_with(&hostile_config(), Duration::ZERO).await;
    let host = gw.base.trim_start_matches("http://").to_owned();
    let push = text_xml("o_r", "hello", 82_000);
    let q = plain_query(now(), "77");
    let long_query = format!("/wx/demo?{q}&pad={}", "x".repeat(64 * 1024));
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(&str, String, &[u16])> = vec![
        (
            "64 KiB query string (GET)",
            format!("GET {long_query} HTTP/1.1\r\nHost: {host}\r\n\r\n"),
            &[400, 414, 431],
        ),
        (
            "64 KiB query string (POST)",
            format!(
                "POST {long_query} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n{push}",
                push.len()
            ),
            &[400, 414, 431],
        ),
        (
            "64 KiB header (heads up to actix's 128 KiB are read)",
            format!(
                "GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
                "y".repeat(64 * 1024)
            ),
            &[200, 400, 431],
        ),
        (
            "200 KiB header",
            format!(
                "GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\n\r\n",
                "y".repeat(200 * 1024)
            ),
            &[400, 431],
        ),
        (
            "200 headers",
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n{many_headers}\r\n"),
            &[400, 431],
        ),
        (
            "Content-Length and Transfer-Encoding together",
            format!(
                "POST /wx/demo?{q} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            ),
            &[400],
        ),
        (
            "two different Content-Lengths",
            format!(
                "POST /wx/demo?{q} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
            ),
            &[400],
        ),
        (
            "non-numeric Content-Length",
            format!(
                "POST /wx/demo?{q} HTTP/1.1\r\nHost: {host}\r\nContent-Length: five\r\n\r\nhello"
            ),
            &[400],
        ),
        (
            "negative Content-Length",
            format!(
                "POST /wx/demo?{q} HTTP/1.1\r\nHost: {host}\r\nContent-Length: -5\r\n\r\nhello"
            ),
            &[400],
        ),
        (
            "broken chunk size",
            format!(
                "POST /wx/demo?{q} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
            ),
            &[400],
        ),
        (
            "garbage request line",
            "\x16\x03\x01\x02\x00\x01\x00\x01\x7f\x03\x03 TLS hello on a plain port\r\n\r\n"
                .to_owned(),
            &[400],
        ),
        (
            "HTTP/2 preface on an HTTP/1 port",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_owned(),
            &[400, 404, 405],
        ),
        (
            "request line without a version",
            "GET /healthz\r\n\r\n".to_owned(),
            &[400],
        ),
        (
            "bare LF line ends",
            format!("GET /healthz HTTP/1.1\nHost: {host}\nConnection: close\n\n"),
            &[200, 400],
        ),
    ];
    for (name, request, allowed) in cases {
        let started = Instant::now();
        let response = raw(&gw, request.as_bytes()).await;
        let took = started.elapsed();
        let status = status_of(&response);
        eprintln!("{name} -> {status:?}");
        // A server may also just close on bytes that are not HTTP at all.
        assert!(
            status.is_some_and(|s| allowed.contains(&s))
                || (status.is_none() && response.is_empty() && allowed.contains(&400)),
            "{name}: {allowed:?} expected, got {:?}",
            response.lines().next()
        );
        assert!(took < QUICK, "{name} took {took:?}");
    }
    still_serving(&gw, &seen).await;
}

#[actix_web::test]
async fn every_method_on_every_route_is_answered_without_5xx() {
    let (gw, seen) = start_counting_with(&hostile_config(), Duration::ZERO).await;
    let host = gw.base.trim_start_matches("http://").to_owned();
    let q = plain_query(now(), "99");
    let routes = [
        format!("/wx/demo?{q}"),
        "/wx/demo".to_owned(),
        format!("/wx/safe?{q}"),
        "/wx/nobody".to_owned(),
        "/wx/".to_owned(),
        "/wx".to_owned(),
        "/wx/demo/extra".to_owned(),
        "/wx/%00".to_owned(),
        "/wx/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/healthz".to_owned(),
        "/metrics".to_owned(),
        "/admin/accounts/demo/menu".to_owned(),
        "/admin/accounts/demo/menu/versions".to_owned(),
        "/admin/accounts/demo/menu/versions/1/publish".to_owned(),
        "/admin/accounts/demo/menu/versions/-1/publish".to_owned(),
        "/admin/accounts/demo/menu/versions/99999999999999999999/publish".to_owned(),
        "/admin/accounts/demo/qrcodes".to_owned(),
        "/admin/accounts/demo/menu/conditional".to_owned(),
        "/admin/accounts/demo/menu/conditional/208379533".to_owned(),
        "/admin/accounts/demo/menu/trymatch".to_owned(),
        "/admin/accounts/nobody/menu".to_owned(),
        "/admin/".to_owned(),
        "/admin".to_owned(),
        "/".to_owned(),
        "/favicon.ico".to_owned(),
    ];
    let methods = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
        "BREW",
    ];
    let auths = [
        String::new(),
        "Authorization: Bearer wrong\r\n".to_owned(),
        format!("Authorization: Bearer {ADMIN}\r\n"),
    ];
    let mut seen_statuses = std::collections::BTreeSet::new();
    for route in &routes {
        for method in methods {
            for auth in &auths {
                let request = format!(
                    "{method} {route} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let started = Instant::now();
                let response = raw(&gw, request.as_bytes()).await;
                let status = status_of(&response)
                    .unwrap_or_else(|| panic!("{method} {route}: no answer: {response:?}"));
                // With the right token the admin API may also say 422: the account cannot make
                // API calls, or the (empty) request breaks WeChat's rules.
                let admin_422 =
                    status == 422 && route.starts_with("/admin/") && auth.contains(ADMIN);
                assert!(
                    ALLOWED.contains(&status) || admin_422,
                    "{method} {route} ({auth:?}): {status}\n{response}"
                );
                assert!(started.elapsed() < QUICK, "{method} {route}");
                seen_statuses.insert(status);
            }
        }
    }
    // The matrix reaches the interesting answers, not just one kind.
    for status in [200, 400, 401, 404, 405] {
        assert!(
            seen_statuses.contains(&status),
            "{status} never seen: {seen_statuses:?}"
        );
    }
    // Unauthenticated admin calls are always 401, whatever the method.
    for method in methods {
        let request = format!(
            "{method} /admin/accounts/demo/menu HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let response = raw(&gw, request.as_bytes()).await;
        if method != "HEAD" {
            assert_eq!(status_of(&response), Some(401), "{method}");
        }
    }
    still_serving(&gw, &seen).await;
}

#[actix_web::test]
async fn client_text_cannot_forge_log_lines() {
    let (gw, seen) = start_counting_with(&hostile_config(), Duration::ZERO).await;
    let ts = now().to_string();
    let sig = wxgate::internals::crypto::sign(&[TOKEN, &ts, "1"]);
    let good = format!("signature={sig}&timestamp={ts}&nonce=1");
    let forged = "%0AFORGED-LINE%20ERROR%20admin%20token%20leaked";
    for (url, body) in [
        (
            format!("/wx/demo?{good}&{forged}=1&{forged}=2"),
            String::new(),
        ),
        (
            format!("/wx/demo?{good}&encrypt_type={forged}"),
            String::new(),
        ),
        (format!("/wx/{forged}?{good}"), String::new()),
        (
            format!("/wx/demo?{good}"),
            "<xml><ToUserName>&a\nFORGED-LINE;</ToUserName></xml>".to_owned(),
        ),
        (
            format!("/wx/demo?{good}"),
            "<xml><ToUserName>x</ToUserName>\nFORGED-LINE</xml>".to_owned(),
        ),
    ] {
        let (status, text) = gw.post_raw(&gw.url(&url), body).await;
        assert!((400..500).contains(&status), "{url}: {status} {text}");
        assert!(!text.contains("\nFORGED"), "{url}: {text}");
    }
    let log = std::fs::read_to_string(log_file()).unwrap();
    assert!(log.contains("FORGED-LINE"), "the requests were logged");
    for line in log.lines() {
        assert!(!line.starts_with("FORGED-LINE"), "forged log line: {line}");
    }
    still_serving(&gw, &seen).await;
}

#[actix_web::test]
async fn secrets_are_redacted_in_debug_output() {
    let config = wxgate::Config::parse(
        &api_config("http://127.0.0.1:9", "http://127.0.0.1:9", ""),
        "test.toml",
    )
    .unwrap();
    let gateway = wxgate::Gateway::from_config(config.clone());
    for shown in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{gateway:?}"),
    ] {
        for secret in [
            TOKEN,
            AES_KEY,
            ADMIN,
            "app-secret-demo",
            "app-secret-safe",
            "app-secret-bot",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("redacted"), "{shown}");
    }
}

/// A plugin that panics, hangs or fails on command.
struct Faulty;

#[wxgate::handlers::async_trait]
impl wxgate::handlers::Handler for Faulty {
    async fn on_message(&self, ctx: &wxgate::handlers::Context<'_>) -> wxgate::handlers::Outcome {
        match ctx.message().text_content() {
            Some("panic") => panic!("plugin bug"),
            Some("hang") => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                wxgate::handlers::Outcome::Pass
            }
            Some("fail") => wxgate::handlers::Outcome::failed("backend unavailable: db down"),
            _ => wxgate::handlers::Outcome::Pass,
        }
    }
}

#[actix_web::test]
async fn failing_handlers_answer_success_and_are_counted_and_logged() {
    // handler_timeout_ms is 1000 in the test config.
    let gw = start_with(
        &config_text(""),
        vec![Box::new(|g: wxgate::Gateway| g.handler(Faulty))],
    )
    .await;
    let mut msg_id = 83_000;
    for (content, kind) in [("panic", "panic"), ("hang", "deadline"), ("fail", "error")] {
        for account in ["demo", "safe"] {
            msg_id += 1;
            let push = text_xml("o_f", content, msg_id);
            let started = Instant::now();
            let (status, body) = if account == "safe" {
                let (query, body) = encrypted_push(&push, APPID);
                gw.post_raw(&gw.url(&format!("/wx/safe?{query}")), body)
                    .await
            } else {
                gw.post_plain("demo", &push).await
            };
            let took = started.elapsed();
            assert_eq!(
                (status, body.as_str()),
                (200, "success"),
                "{content} on {account}"
            );
            assert!(
                took < Duration::from_millis(2500),
                "{content} took {took:?}"
            );
            let metrics = gw.metrics().await;
            assert_eq!(
                metric(
                    &metrics,
                    &format!(
                        "wxgate_handler_failures_total{{account=\"{account}\",kind=\"{kind}\"}}"
                    )
                ),
                1.0,
                "{content} on {account}"
            );
        }
    }
    // No other kind was counted along the way, and the gateway still answers.
    let metrics = gw.metrics().await;
    for kind in ["panic", "deadline", "error"] {
        assert_eq!(
            metric(
                &metrics,
                &format!("wxgate_handler_failures_total{{account=\"compat\",kind=\"{kind}\"}}")
            ),
            0.0
        );
    }
    let (_, body) = gw
        .post_plain("demo", &text_xml("o_f", "hello", 83_100))
        .await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
    assert_eq!(gw.get("/healthz").await.0, 200);
    let log = std::fs::read_to_string(log_file()).unwrap();
    assert!(log.contains("panic=plugin bug"), "the panic is logged");
    assert!(
        log.contains("handler failed; answered success")
            && log.contains("backend unavailable: db down"),
        "the error is logged"
    );
    assert!(log.contains("handler missed the callback deadline"));
}
