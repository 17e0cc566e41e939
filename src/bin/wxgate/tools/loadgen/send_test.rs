use super::*;
use wxgate::config::AccountKind;
use wxgate::internals::outbox::request;

fn target() -> Target {
    Target {
        authority: "127.0.0.1:8080".to_owned(),
        path: "/api/accounts/demo/messages".to_owned(),
    }
}

/// The head's lines and the body of a framed request.
fn split(request: &[u8]) -> (Vec<String>, Vec<u8>) {
    let end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = std::str::from_utf8(&request[..end]).unwrap();
    (
        head.split("\r\n").map(str::to_owned).collect(),
        request[end + 4..].to_vec(),
    )
}

fn header<'a>(lines: &'a [String], name: &str) -> Option<&'a str> {
    lines.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn the_url_of_the_send_api() {
    assert_eq!(
        messages_url("0.0.0.0:8080".parse().unwrap(), "demo"),
        "http://127.0.0.1:8080/api/accounts/demo/messages"
    );
}

#[test]
fn basic_authorization_from_id_and_secret() {
    // base64("shop:SECRET")
    assert_eq!(
        authorization("shop:SECRET").unwrap(),
        "Basic c2hvcDpTRUNSRVQ="
    );
    // Only the first colon splits: a secret may hold more.
    assert_eq!(authorization("a:b:c").unwrap(), "Basic YTpiOmM=");
    for bad in ["shop", ":SECRET", "shop:", ""] {
        assert!(authorization(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_framed_request_is_a_template_send_the_gateway_accepts() {
    let auth = authorization("shop:SECRET").unwrap();
    let unique = Unique {
        base: 1 << 40,
        index: 7,
    };
    let framed = request(&target(), &auth, unique);
    let (lines, body) = split(&framed);
    assert_eq!(lines[0], "POST /api/accounts/demo/messages HTTP/1.1");
    assert_eq!(header(&lines, "host"), Some("127.0.0.1:8080"));
    assert_eq!(header(&lines, "authorization"), Some(auth.as_str()));
    assert_eq!(header(&lines, "content-type"), Some("application/json"));
    assert_eq!(
        header(&lines, "content-length"),
        Some(body.len().to_string().as_str())
    );
    let key = header(&lines, "idempotency-key").unwrap();
    assert!(
        (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b)),
        "{key:?}"
    );
    // The gateway's own parser takes the body as it is: no 400, no 422.
    let parsed = request::parse(&body, AccountKind::Official).unwrap();
    assert_eq!(parsed.to, unique.openid());
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["kind"], "template");
    assert_eq!(json["template_id"], TEMPLATE_ID);
}

#[test]
fn every_message_of_a_run_and_of_another_run_has_its_own_key_and_recipient() {
    let auth = authorization("shop:SECRET").unwrap();
    let mut keys = std::collections::HashSet::new();
    let mut recipients = std::collections::HashSet::new();
    for base in [1_000_000_u64, 2_000_000] {
        for index in 0..1000 {
            let framed = request(&target(), &auth, Unique { base, index });
            let (lines, body) = split(&framed);
            assert!(keys.insert(header(&lines, "idempotency-key").unwrap().to_owned()));
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(recipients.insert(json["to"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(keys.len(), 2000);
}
