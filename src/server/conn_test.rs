use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};
use tokio::time::sleep;

const TIMEOUT: Duration = Duration::from_millis(300);

/// Where a head ends, byte by byte: the first line holding nothing but CRs, after the
/// first line.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let mut line_empty = false;
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' if line_empty => return Some(at),
            b'\n' => line_empty = true,
            b'\r' => {}
            _ => line_empty = false,
        }
    }
    None
}

#[tokio::test]
async fn the_head_ends_at_its_first_empty_line_however_it_is_split() {
    let heads: [&[u8]; 7] = [
        b"POST /wx/a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab",
        b"GET / HTTP/1.1\n\nrest",
        b"\r\n\r\nGET",
        b"GET / HTTP/1.1\r\nA: \r\r\n\r\r\r\nbody",
        b"GET / HTTP/1.1\r\nA: b\r\n\r",
        b"\n\n",
        b"x\r\ny\r\n z\r\n\r\n",
    ];
    for head in heads {
        for cut in 0..=head.len() {
            let (guard, _stop) = ConnGuard::new(TIMEOUT, TIMEOUT);
            let mut conn = guard.wrap(());
            let mut ended = None;
            for (offset, part) in [(0, &head[..cut]), (cut, &head[cut..])] {
                conn.observe(part);
                if ended.is_none() && matches!(conn.phase, Phase::Rest) {
                    ended = Some(offset);
                }
            }
            let expected = head_end(head).map(|at| if at < cut { 0 } else { cut });
            assert_eq!(
                ended,
                expected,
                "{:?} cut at {cut}",
                String::from_utf8_lossy(head)
            );
        }
    }
}

#[tokio::test]
async fn a_head_must_end_within_the_timeout_from_accept() {
    let (guard, _stop) = ConnGuard::new(TIMEOUT, TIMEOUT);
    let (mut client, server) = duplex(1024);
    let mut server = guard.wrap(server);
    client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    assert!(server.read(&mut buf).await.is_ok());
    let started = std::time::Instant::now();
    let error = server.read(&mut buf).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert!(started.elapsed() < TIMEOUT * 3);
}

#[tokio::test]
async fn the_second_head_on_a_connection_is_timed_too() {
    let (guard, _stop) = ConnGuard::new(TIMEOUT, TIMEOUT);
    let (mut client, server) = duplex(1024);
    let mut server = guard.wrap(server);
    let mut buf = [0u8; 64];
    client.write_all(b"GET / HTTP/1.1\n\n").await.unwrap();
    assert_eq!(server.read(&mut buf).await.unwrap(), 16);
    server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
    // Idle between requests: no head timer (idle keep-alive is actix's to end).
    sleep(TIMEOUT * 2).await;
    client.write_all(b"GET / HT").await.unwrap();
    assert_eq!(server.read(&mut buf).await.unwrap(), 8);
    let error = server.read(&mut buf).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
}

#[tokio::test]
async fn trickled_bytes_do_not_extend_the_deadline() {
    let (guard, _stop) = ConnGuard::new(TIMEOUT, TIMEOUT);
    let (mut client, server) = duplex(1024);
    let mut server = guard.wrap(server);
    let mut buf = [0u8; 64];
    let started = std::time::Instant::now();
    let mut failed = None;
    for _ in 0..40 {
        client.write_all(b"x").await.unwrap();
        match server.read(&mut buf).await {
            Ok(_) => sleep(TIMEOUT / 6).await,
            Err(e) => {
                failed = Some(e.kind());
                break;
            }
        }
    }
    assert_eq!(failed, Some(io::ErrorKind::TimedOut));
    assert!(started.elapsed() < TIMEOUT * 3);
}

#[tokio::test]
async fn body_and_handler_time_is_not_head_time() {
    let (guard, _stop) = ConnGuard::new(TIMEOUT, TIMEOUT);
    let (mut client, server) = duplex(1024);
    let mut server = guard.wrap(server);
    let mut buf = [0u8; 64];
    client
        .write_all(b"POST / HTTP/1.1\r\ncontent-length: 2\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(server.read(&mut buf).await.unwrap(), 38);
    server
        .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
        .await
        .unwrap();
    sleep(TIMEOUT * 2).await;
    client.write_all(b"ok").await.unwrap();
    assert_eq!(server.read(&mut buf).await.unwrap(), 2);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_after_the_send_timeout() {
    let (guard, _stop) = ConnGuard::new(TIMEOUT * 10, TIMEOUT);
    // The client end stays open and unread.
    let (_client, server) = duplex(64);
    let mut server = guard.wrap(server);
    let answer = vec![b'x'; 4096];
    let started = std::time::Instant::now();
    let error = server.write_all(&answer).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert!(started.elapsed() >= TIMEOUT && started.elapsed() < TIMEOUT * 3);

    // A client that keeps reading, however slowly, gets the whole answer.
    let (guard, _stop) = ConnGuard::new(TIMEOUT * 10, TIMEOUT);
    let (mut client, server) = duplex(64);
    let mut server = guard.wrap(server);
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while got.len() < 1024 {
            let n = client.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            sleep(TIMEOUT / 10).await;
        }
        got.len()
    });
    server.write_all(&answer[..1024]).await.unwrap();
    assert_eq!(reader.await.unwrap(), 1024);
}

#[tokio::test]
async fn idle_connections_read_as_closed_once_stopping() {
    let (guard, connections) = ConnGuard::new(TIMEOUT * 10, TIMEOUT);
    let (mut client, server) = duplex(1024);
    let mut server = guard.wrap(server);
    let mut buf = [0u8; 64];
    client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    assert_eq!(server.read(&mut buf).await.unwrap(), 16);
    assert_eq!(connections.open(), 1);
    connections.stop();
    assert!(connections.stopped_at().is_some());
    // Mid-head: the request goes on.
    client.write_all(b"\r\n").await.unwrap();
    assert_eq!(server.read(&mut buf).await.unwrap(), 2);
    server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
    // Between requests: closed.
    assert_eq!(server.read(&mut buf).await.unwrap(), 0);
    drop(server);
    assert_eq!(connections.open(), 0);
    assert!(connections.closed_by(Instant::now()).await);

    // A read already waiting is woken by the stop.
    let (guard, connections) = ConnGuard::new(TIMEOUT * 10, TIMEOUT);
    let (_client, server) = duplex(1024);
    let mut idle = guard.wrap(server);
    let read = tokio::spawn(async move { idle.read(&mut [0u8; 8]).await.map_err(|e| e.kind()) });
    sleep(TIMEOUT / 3).await;
    assert!(!read.is_finished());
    assert!(!connections.closed_by(Instant::now() + TIMEOUT / 3).await);
    connections.stop();
    assert_eq!(read.await.unwrap(), Ok(0));
    assert!(connections.closed_by(Instant::now() + TIMEOUT).await);
}
