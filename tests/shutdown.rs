//! Graceful shutdown of the real binary on SIGTERM and SIGINT: the listener closes at once,
//! requests in flight finish (their handlers get up to the deadline), idle keep-alive
//! connections do not hold the process up, pending QR counts reach the store, and the process
//! exits 0 within `handler_timeout_ms` + 2 s.

mod real;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use real::*;

const HANDLER_TIMEOUT: Duration = Duration::from_millis(3000);

fn config(port: u16, dir: &std::path::Path, bot: &str) -> String {
    format!(
        "{}[server]\nlisten = \"127.0.0.1:{port}\"\nhandler_timeout_ms = {}\n\
         [[accounts]]\nname = \"demo\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\n\
         [[accounts]]\nname = \"bot\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\n\
         [[accounts.rules]]\nforward = \"{bot}\"\n",
        storage(dir),
        HANDLER_TIMEOUT.as_millis()
    )
}

/// An upstream bot answering `text` after `delay`.
async fn slow_bot(delay: Duration, text: &str) -> MockServer {
    let bot = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bot"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "text": text }))
                .set_delay(delay),
        )
        .mount(&bot)
        .await;
    bot
}

fn text_push(content: &str, msg_id: u64) -> String {
    format!(
        "<xml><ToUserName>gh</ToUserName><FromUserName>o_u</FromUserName><CreateTime>{}</CreateTime><MsgType>text</MsgType><Content>{content}</Content><MsgId>{msg_id}</MsgId></xml>",
        now()
    )
}

fn scan_push(scene: &str) -> String {
    format!(
        "<xml><ToUserName>gh</ToUserName><FromUserName>o_scan</FromUserName><CreateTime>{}</CreateTime><MsgType>event</MsgType><Event>SCAN</Event><EventKey>{scene}</EventKey><Ticket>T</Ticket></xml>",
        now()
    )
}

async fn scans_in_store(dir: &std::path::Path, scene: &str) -> i64 {
    use sqlx::Row as _;
    let url = format!("sqlite://{}", dir.join("wxgate.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let scans = sqlx::query("SELECT scans FROM qr_counts WHERE account = 'demo' AND scene = ?")
        .bind(scene)
        .fetch_optional(&pool)
        .await
        .unwrap()
        .map_or(0, |row| row.get::<i64, _>("scans"));
    pool.close().await;
    scans
}

/// What a graceful stop looked like from outside.
struct Stopped {
    /// The in-flight push's answer.
    answer: (u16, String),
    /// From the signal to the process's exit.
    exit_after: Duration,
}

/// Starts the binary, puts a push to the bot in flight (plus a pending QR scan and an idle
/// keep-alive connection), sends `signal`, and checks the listener closes at once and the
/// process exits 0 in time.
async fn stop_with(signal: &str, bot_delay: Duration, log: &str) -> Stopped {
    let dir = tempfile::tempdir().unwrap();
    let bot = slow_bot(bot_delay, "answer from the bot").await;
    let port = free_port();
    let mut gateway = Gateway::start(
        dir.path(),
        &config(port, dir.path(), &format!("{}/bot", bot.uri())),
        port,
        log,
    )
    .await;
    let client = reqwest::Client::new();

    // A QR scan counted in memory only (the periodic flush is every 5 s).
    let scan = client
        .post(format!("{}/wx/demo?{}", gateway.base, plain_query("1")))
        .body(scan_push("77"))
        .send()
        .await
        .unwrap();
    assert_eq!(scan.status(), 200);

    // An idle keep-alive connection that has had its answer.
    let mut idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    // A push in flight: its handler is waiting on the slow bot.
    let url = format!("{}/wx/bot?{}", gateway.base, plain_query("2"));
    let in_flight = tokio::spawn({
        let client = client.clone();
        async move {
            let response = client
                .post(url)
                .body(text_push("question", 5001))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    });
    let started = Instant::now();
    while bot.received_requests().await.unwrap_or_default().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the push never reached the bot"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    gateway.signal(signal);
    let signalled = Instant::now();

    // The listener closes at once: new connections are refused.
    loop {
        match tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            Err(e) => {
                // Reset: it reached the backlog as the listener closed.
                assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
            }
            Ok(_) => {}
        }
        assert!(
            signalled.elapsed() < Duration::from_millis(1000),
            "still accepting connections {:?} after {signal}",
            signalled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let answer = in_flight.await.unwrap();
    let status = gateway
        .exited_within(HANDLER_TIMEOUT + Duration::from_secs(2))
        .await
        .unwrap_or_else(|| {
            panic!(
                "still running {:?} after {signal}; log:\n{}",
                signalled.elapsed(),
                std::fs::read_to_string(&gateway.log).unwrap_or_default()
            )
        });
    let exit_after = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "exit status after {signal}");

    // The idle connection was closed, not left hanging.
    let closed = tokio::time::timeout(Duration::from_secs(1), idle.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "idle connection not closed: {closed:?}"
    );

    // The pending count reached the store, and the store reopens fine.
    assert_eq!(scans_in_store(dir.path(), "77").await, 1);
    let port = free_port();
    let mut again = Gateway::start(
        dir.path(),
        &config(port, dir.path(), &format!("{}/bot", bot.uri())),
        port,
        &format!("{log}-restart"),
    )
    .await;
    again.signal("TERM");
    let status = again.exited_within(Duration::from_secs(5)).await;
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    assert_eq!(scans_in_store(dir.path(), "77").await, 1);

    // A clean stop logs no error (operators alert on them), the restart's stop neither.
    let log = std::fs::read_to_string(&gateway.log).unwrap();
    assert!(log.contains("stopping"), "{log}");
    for log in [log, std::fs::read_to_string(&again.log).unwrap()] {
        let errors: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(" ERROR "))
            .collect();
        assert!(
            errors.is_empty(),
            "a graceful stop logged errors: {errors:#?}"
        );
    }
    Stopped { answer, exit_after }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_with_its_reply() {
    let stopped = stop_with("TERM", Duration::from_millis(1500), "shutdown-term").await;
    assert_eq!(stopped.answer.0, 200);
    assert!(
        stopped.answer.1.contains("answer from the bot"),
        "{}",
        stopped.answer.1
    );
    assert!(stopped.exit_after < HANDLER_TIMEOUT + Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_gracefully_too_and_a_handler_past_the_deadline_gets_success() {
    let stopped = stop_with("INT", Duration::from_secs(30), "shutdown-int").await;
    assert_eq!(stopped.answer, (200, "success".to_owned()));
    assert!(stopped.exit_after < HANDLER_TIMEOUT + Duration::from_secs(2));
}
