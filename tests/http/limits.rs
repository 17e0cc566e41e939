use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

fn config(limit: usize) -> String {
    config_text(&format!("max_body_bytes = {limit}"))
}

/// A valid text push padded with trailing whitespace inside the root to exactly `len` bytes.
fn padded_push(len: usize, msg_id: u64) -> String {
    let xml = text_xml("o_lim", "hello", msg_id);
    let pad = len - xml.len();
    xml.replace("</xml>", &format!("{}</xml>", " ".repeat(pad)))
}

#[actix_web::test]
async fn body_of_exactly_the_limit_is_accepted_one_more_byte_is_413() {
    let gw = start_with(&config(1024), vec![]).await;
    let exact = padded_push(1024, 14_001);
    assert_eq!(exact.len(), 1024);
    let (status, body) = gw.post_plain("demo", &exact).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));

    let over = padded_push(1025, 14_002);
    assert_eq!(gw.post_plain("demo", &over).await.0, 413);
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="too_large"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(&metrics, r#"wxgate_messages_total{account="demo"}"#),
        1.0
    );
}

#[actix_web::test]
async fn chunked_body_over_the_limit_is_413() {
    let gw = start_with(&config(1024), vec![]).await;
    let addr = gw.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let query = plain_query(now(), "1");
    let head = format!(
        "POST /wx/demo?{query} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = "x".repeat(512);
    for _ in 0..3 {
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if stream.write_all(framed.as_bytes()).await.is_err() {
            break; // the server may close as soon as the limit is crossed
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

#[actix_web::test]
async fn malformed_bodies_are_400_and_nothing_is_dispatched() {
    let gw = start().await;
    let cases = [
        "",
        "not xml at all",
        "<xml><ToUserName>gh</ToUserName>",
        "<xml><A>1</B></xml>",
        "<!DOCTYPE xml [<!ENTITY e \"boom\">]><xml><ToUserName>&e;</ToUserName></xml>",
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><xml><Content>&lol2;</Content></xml>",
        "<xml><ToUserName>&unknown;</ToUserName></xml>",
        // Well-formed but not a push: required fields missing.
        "<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType></xml>",
        "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>",
    ];
    for body in cases {
        let (status, text) = gw.post_plain("demo", body).await;
        assert_eq!(status, 400, "{body:?}: {text}");
    }
    let invalid_utf8 = gw
        .client
        .post(gw.url(&format!("/wx/demo?{}", plain_query(now(), "9"))))
        .body(b"<xml><Content>\xff\xfe</Content></xml>".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(invalid_utf8.status().as_u16(), 400);
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(&metrics, r#"wxgate_messages_total{account="demo"}"#),
        0.0
    );
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="parse"}"#
        ),
        10.0
    );
    assert_eq!(gw.get("/healthz").await.0, 200);
}
