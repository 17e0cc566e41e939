//! Slow clients: connections that trickle a byte a second must neither keep legitimate requests
//! from being answered nor stay open past `header_timeout_ms` / `body_timeout_ms`; and the
//! `max_connections` limit is a total over every worker.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

const HEADER_TIMEOUT: Duration = Duration::from_millis(1500);
const BODY_TIMEOUT: Duration = Duration::from_millis(2000);
/// Room for a loaded machine between a timeout and the close it causes.
const MARGIN: Duration = Duration::from_millis(2500);
const SLOW_CONNECTIONS: usize = 500;

/// Soft and hard limits on open files, from /proc/self/limits.
fn open_file_limits() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line
        .split_whitespace()
        .filter_map(|word| word.parse::<u64>().ok());
    Some((numbers.next()?, numbers.next().unwrap_or(u64::MAX)))
}

/// Makes sure this process may open `needed` files (each slow connection costs two: the
/// client's socket and the server's), raising the soft limit up to the hard one with
/// util-linux's `prlimit` when it is lower.
fn ensure_open_files(needed: u64) {
    let Some((soft, hard)) = open_file_limits() else {
        return; // not Linux: nothing to read, nothing to raise
    };
    if soft >= needed {
        return;
    }
    assert!(
        hard >= needed,
        "the hard open-file limit ({hard}) is below {needed}"
    );
    let status = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={needed}:{hard}"))
        .status();
    let raised = open_file_limits().map_or(0, |(soft, _)| soft);
    assert!(
        raised >= needed,
        "open-file limit {soft} is below {needed} and could not be raised ({status:?}); \
         run `ulimit -n {needed}` first"
    );
}

/// What happened to one slow connection.
struct Closed {
    kind: Kind,
    /// From its first trickled byte to the server closing it.
    after: Duration,
    /// What the server sent before closing.
    response: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Trickles the head of the connection's first request.
    Head,
    /// Sends a complete head at once, then trickles the body.
    Body,
    /// Sends one complete request, reads its answer, then trickles the next head.
    SecondHead,
}

/// Opens a connection of this kind and trickles one byte a second until the server closes it
/// (or a minute passes).
async fn slow_client(addr: String, kind: Kind, query: String) -> Closed {
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let trickle: Vec<u8> = match kind {
        Kind::Head | Kind::SecondHead => format!(
            "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}",
            "a".repeat(200)
        )
        .into_bytes(),
        Kind::Body => {
            let head = format!(
                "POST /wx/demo?{query} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2000\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            vec![b'x'; 2000]
        }
    };
    let mut first = Vec::new();
    if kind == Kind::SecondHead {
        stream
            .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.unwrap();
        first.extend_from_slice(&buf[..n]);
        assert!(
            first.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&first)
        );
    }
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    let trickling = tokio::spawn(async move {
        for byte in trickle {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Keep the write side open: only the server may end this.
        tokio::time::sleep(Duration::from_secs(120)).await;
        drop(writer);
    });
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), reader.read_to_end(&mut response)).await;
    let after = started.elapsed();
    trickling.abort();
    Closed {
        kind,
        after,
        response: String::from_utf8_lossy(&response).into_owned(),
    }
}

#[actix_web::test]
async fn trickling_clients_neither_block_others_nor_outstay_their_timeouts() {
    ensure_open_files(2 * SLOW_CONNECTIONS as u64 + 256);
    let (gw, _seen) = start_counting(
        &format!(
            "header_timeout_ms = {}\nbody_timeout_ms = {}",
            HEADER_TIMEOUT.as_millis(),
            BODY_TIMEOUT.as_millis()
        ),
        Duration::ZERO,
    )
    .await;
    let addr = gw.base.trim_start_matches("http://").to_owned();
    let kinds = [Kind::Head, Kind::Body, Kind::SecondHead];
    let clients: Vec<_> = (0..SLOW_CONNECTIONS)
        .map(|i| {
            let kind = kinds[i % kinds.len()];
            tokio::spawn(slow_client(
                addr.clone(),
                kind,
                plain_query(now(), &i.to_string()),
            ))
        })
        .collect();

    // While the 500 trickle, legitimate requests on fresh connections are answered at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 0..5 {
        let client = reqwest::Client::new();
        let started = Instant::now();
        let response = client
            .post(gw.url(&format!("/wx/demo?{}", plain_query(now(), "1"))))
            .body(text_xml("o_legit", "hello", 90_000 + round))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .expect("a push answered within 1 s");
        assert_eq!(response.status(), 200);
        let body = response.text().await.unwrap();
        assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
        let health = client
            .get(gw.url("/healthz"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .expect("healthz answered within 1 s");
        assert_eq!(health.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(2));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Every slow connection is closed by the server once its timeout passes.
    let mut counts = [0usize; 3];
    for client in clients {
        let closed = client.await.unwrap();
        let limit = match closed.kind {
            Kind::Head | Kind::SecondHead => HEADER_TIMEOUT,
            Kind::Body => BODY_TIMEOUT,
        };
        assert!(
            closed.after < limit + MARGIN,
            "{:?} connection closed after {:?}, limit {limit:?}: {:?}",
            closed.kind,
            closed.after,
            closed.response
        );
        assert!(
            closed.after + Duration::from_millis(200) >= limit,
            "{:?} connection closed early, after {:?}: {:?}",
            closed.kind,
            closed.after,
            closed.response
        );
        if closed.kind == Kind::Body {
            assert!(
                closed.response.starts_with("HTTP/1.1 408"),
                "a slow body is answered 408: {:?}",
                closed.response
            );
        }
        if !closed.response.is_empty() {
            assert!(
                closed.response.starts_with("HTTP/1.1 408"),
                "{:?}: {:?}",
                closed.kind,
                closed.response
            );
        }
        counts[kinds.iter().position(|k| *k == closed.kind).unwrap()] += 1;
    }
    assert_eq!(counts.iter().sum::<usize>(), SLOW_CONNECTIONS);
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="timeout"}"#
        ),
        counts[1] as f64
    );
    assert_eq!(gw.get("/healthz").await.0, 200);
}

#[actix_web::test]
async fn a_slow_body_gets_408_and_a_prompt_one_is_unaffected_by_the_timeout() {
    let gw = start_with(
        &config_text("header_timeout_ms = 1000\nbody_timeout_ms = 500"),
        vec![],
    )
    .await;
    let addr = gw.base.trim_start_matches("http://").to_owned();
    let push = text_xml("o_b", "hello", 91_000);
    let head = format!(
        "POST /wx/demo?{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
        plain_query(now(), "3"),
        push.len()
    );
    // Half the body, then silence.
    let half = &push.as_bytes()[..push.len() / 2];
    refused_at_the_body_timeout(&addr, &[head.as_bytes(), half]).await;
    // The head alone, not a byte of its body: timed all the same.
    refused_at_the_body_timeout(&addr, &[head.as_bytes()]).await;

    // The whole body in one go, well within the timeout, on a connection that then waits longer
    // than both timeouts before its next request.
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(push.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("world"), "{answer}");
}

#[actix_web::test]
async fn a_slow_admin_body_gets_the_same_408_and_close_as_the_callback() {
    let gw = start_with(
        &api_config(
            "http://127.0.0.1:9",
            "http://127.0.0.1:9/",
            "header_timeout_ms = 1000\nbody_timeout_ms = 500",
        ),
        vec![],
    )
    .await;
    let addr = gw.base.trim_start_matches("http://").to_owned();
    let menu = r#"{"button": [{"type": "click", "name": "news", "key": "NEWS"}]}"#;
    let head = format!(
        "PUT /admin/accounts/demo/menu HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        menu.len()
    );
    let half = &menu.as_bytes()[..menu.len() / 2];
    refused_at_the_body_timeout(&addr, &[head.as_bytes(), half]).await;
    refused_at_the_body_timeout(&addr, &[head.as_bytes()]).await;
}

/// Everything `stream` receives until the server closes it, which must happen `within`
/// (else the test fails with `what`).
async fn read_until_closed(stream: &mut TcpStream, within: Duration, what: &str) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut received))
        .await
        .expect(what)
        .unwrap();
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends `parts` on a new connection and expects a 408 and the connection closed, no sooner
/// than the 500 ms body timeout of the test above.
async fn refused_at_the_body_timeout(addr: &str, parts: &[&[u8]]) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for part in parts {
        stream.write_all(part).await.unwrap();
    }
    let started = Instant::now();
    let response =
        read_until_closed(&mut stream, Duration::from_secs(5), "closed by the server").await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
}

#[actix_web::test]
async fn max_connections_is_the_total_over_every_worker() {
    // Four connections in the middle of a head fill every slot, whatever the worker count.
    let (_gw, addr, held) = full_gateway("").await;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut waiting = TcpStream::connect(&addr).await.unwrap();
    waiting.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let early = tokio::time::timeout(Duration::from_millis(1500), waiting.read(&mut buf)).await;
    assert!(early.is_err(), "a fifth connection was served: {early:?}");

    // The slots free: the waiting connection is served. (All of them: an actix worker at its
    // limit takes new connections again only once its count is two below the limit.)
    drop(held);
    let n = tokio::time::timeout(Duration::from_secs(5), waiting.read(&mut buf))
        .await
        .expect("served once a slot freed")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A gateway with `max_connections = 4` (and `server_extra`), its address, and four
/// connections stuck in a head that fill every slot: the server accepts nothing more, and new
/// connections wait in its backlog.
async fn full_gateway(server_extra: &str) -> (TestGateway, String, Vec<TcpStream>) {
    let gw = start_with(
        &config_text(&format!(
            "max_connections = 4\nheader_timeout_ms = 20000\n{server_extra}"
        )),
        vec![],
    )
    .await;
    let addr = gw.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        held.push(stream);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (gw, addr, held)
}

/// Opens `count` connections at once; how many completed their handshake within `within`.
/// (Linux drops a SYN while the listener's accept queue is full; the client tries again only
/// after a second.)
async fn connect_burst(addr: &str, count: usize, within: Duration) -> Vec<TcpStream> {
    let attempts: Vec<_> = (0..count)
        .map(|_| {
            tokio::spawn(tokio::time::timeout(
                within,
                TcpStream::connect(addr.to_owned()),
            ))
        })
        .collect();
    let mut connected = Vec::new();
    for attempt in attempts {
        if let Ok(Ok(stream)) = attempt.await.unwrap() {
            connected.push(stream);
        }
    }
    connected
}

/// The kernel's cap on any listen backlog (`net.core.somaxconn`).
fn somaxconn() -> usize {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(4096)
}

#[actix_web::test]
async fn a_burst_of_connections_waits_in_the_backlog_and_every_one_is_served() {
    // More than std's default backlog of 128, which the gateway must not keep.
    let burst = 300.min(somaxconn());
    ensure_open_files(2 * burst as u64 + 256);
    let (_gw, addr, held) = full_gateway("").await;
    let mut waiting = connect_burst(&addr, burst, Duration::from_millis(800)).await;
    assert_eq!(
        waiting.len(),
        burst,
        "connections beyond the backlog had their SYN dropped"
    );
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    for stream in &mut waiting {
        stream.write_all(request.as_bytes()).await.unwrap();
    }
    // The slots free: every waiting connection is served, four at a time.
    drop(held);
    for mut stream in waiting {
        let answer = read_until_closed(
            &mut stream,
            Duration::from_secs(20),
            "served once slots freed",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    // The setting is what makes room: with a backlog of 16 the same burst does not fit.
    let (_gw, addr, _held) = full_gateway("backlog = 16").await;
    let waiting = connect_burst(&addr, burst, Duration::from_millis(800)).await;
    assert!(
        waiting.len() < burst / 2,
        "{} of {burst} connections fit a backlog of 16",
        waiting.len()
    );
}

#[actix_web::test]
async fn keep_alive_and_pipelining_still_work_under_the_head_timer() {
    let gw = start_with(
        &config_text("header_timeout_ms = 300\nbody_timeout_ms = 300"),
        vec![],
    )
    .await;
    let addr = gw.base.trim_start_matches("http://").to_owned();
    let push = text_xml("o_p", "hello", 92_000);
    let post = format!(
        "POST /wx/demo?{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n{push}",
        plain_query(now(), "8"),
        push.len()
    );
    let get = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    // Three requests in one write, then, after more than the head timeout of idling, two more
    // on the same connection.
    stream
        .write_all(format!("{get}{post}{get}").as_bytes())
        .await
        .unwrap();
    let mut seen = String::new();
    let mut buf = vec![0u8; 8192];
    while seen.matches("HTTP/1.1 200").count() < 3 {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("pipelined answers")
            .unwrap();
        assert!(n > 0, "closed after {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(seen.contains("world"), "{seen}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    stream
        .write_all(format!("{get}{get}").as_bytes())
        .await
        .unwrap();
    let mut later = String::new();
    while later.matches("HTTP/1.1 200").count() < 2 {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("answers after idling")
            .unwrap();
        assert!(n > 0, "closed after {later}");
        later.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}
