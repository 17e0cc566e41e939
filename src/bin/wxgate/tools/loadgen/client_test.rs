use super::*;

#[test]
fn heads() {
    assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Le").unwrap(), None);
    let head = parse_head(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 12\r\n\r\nxx")
        .unwrap()
        .unwrap();
    assert_eq!(head.status, 403);
    assert_eq!(head.body, BodyLength::Fixed(12));
    assert!(!head.close);
    let head =
        parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            .unwrap()
            .unwrap();
    assert_eq!(head.body, BodyLength::Chunked);
    assert!(head.close);
    assert!(parse_head(b"SPDY 200\r\n\r\n").is_err());
}

#[tokio::test]
async fn talks_to_a_server_with_sized_and_chunked_bodies() {
    use tokio::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0; 1024];
        for answer in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"[..],
            b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        ] {
            let _ = socket.read(&mut buf).await.unwrap();
            socket.write_all(answer).await.unwrap();
        }
    });
    let mut connection = Connection::open(addr).await.unwrap();
    let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let first = connection.exchange(request).await.unwrap();
    assert_eq!((first.status, first.body), (200, &b"hello"[..]));
    let second = connection.exchange(request).await.unwrap();
    assert_eq!((second.status, second.body), (404, &b"abcde"[..]));
    server.await.unwrap();
}
