use super::*;

#[test]
fn parses_a_safe_mode_query() {
    let q = CallbackQuery::parse(
        "signature=abc&timestamp=1414387151&nonce=917222494&openid=o_x&encrypt_type=aes&msg_signature=def",
    )
    .unwrap();
    assert!(q.encrypted);
    assert_eq!(q.signature(), Ok("abc"));
    assert_eq!(q.timestamp(), Ok("1414387151"));
    assert_eq!(q.timestamp_secs(), Ok(1414387151));
    assert_eq!(q.nonce(), Ok("917222494"));
    assert_eq!(q.msg_signature(), Ok("def"));
    assert_eq!(q.echostr(), Err(QueryError::Missing("echostr")));
}

/// The in-place split and the full decoder agree wherever the split is used.
#[test]
fn the_fast_path_parses_like_the_decoder() {
    let queries = [
        "signature=abc&timestamp=1414387151&nonce=917222494&openid=o_x&encrypt_type=aes&msg_signature=def",
        "&&signature=abc&&timestamp=1&",
        "nonce&timestamp=2&echostr=",
        "echostr=a=b=c&timestamp=3",
        "timestamp=4&nonce=1&nonce=2",
        "encrypt_type=des",
        "=&=x&a==b&é=ü&ü",
        "timestamp=x",
        "",
    ];
    for query in queries {
        let fast = CallbackQuery::parse(query);
        let full = CallbackQuery::from_pairs(form_urlencoded::parse(query.as_bytes()));
        assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{query}");
    }
}

#[test]
fn percent_decodes_values() {
    let q = CallbackQuery::parse("echostr=a%2Bb%3D&timestamp=1").unwrap();
    assert_eq!(q.echostr(), Ok("a+b="));
    assert!(!q.encrypted);
}

#[test]
fn raw_encrypt_type_is_plain() {
    assert!(!CallbackQuery::parse("encrypt_type=raw").unwrap().encrypted);
    assert_eq!(
        CallbackQuery::parse("encrypt_type=des").unwrap_err(),
        QueryError::EncryptType
    );
}

#[test]
fn repeated_parameters_are_refused_even_identical_or_unknown() {
    for query in [
        "nonce=1&nonce=1",
        "signature=a&signature=b",
        "openid=x&openid=x",
        "timestamp=1&timestamp=1",
    ] {
        assert!(
            matches!(CallbackQuery::parse(query), Err(QueryError::Repeated(_))),
            "{query}"
        );
    }
}

#[test]
fn timestamps_are_plain_digits() {
    for bad in [
        "",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1e3",
        "0x10",
        "123456789012345678901",
        "１２",
    ] {
        let query = format!(
            "timestamp={}",
            form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
        );
        assert_eq!(
            CallbackQuery::parse(&query).unwrap_err(),
            QueryError::Timestamp,
            "{bad:?}"
        );
    }
    assert_eq!(
        CallbackQuery::parse("timestamp=0001")
            .unwrap()
            .timestamp_secs(),
        Ok(1)
    );
}
