use super::*;

#[test]
fn aes_key_problems_name_length_and_position_only() {
    let good = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    assert_eq!(check_aes_key(good).ok(), good.parse().ok());

    let Err(bad) = check_aes_key(&format!("{good}=")) else {
        panic!("accepted 44 chars")
    };
    assert_eq!(bad.message, "is 44 characters long, not 43");
    assert!(bad.hint.contains("trailing `=`"), "{}", bad.hint);
    assert!(!bad.message.contains(good) && !bad.hint.contains(good));

    let spaced = format!("{} {}", &good[..10], &good[11..]);
    let Err(bad) = check_aes_key(&spaced) else {
        panic!("accepted a space")
    };
    assert_eq!(
        bad.message,
        "has a space at position 11, which is not in the base64 alphabet"
    );

    let Err(bad) = check_aes_key("short") else {
        panic!("accepted a short key")
    };
    assert_eq!(bad.message, "is 5 characters long, not 43");
}

#[test]
fn token_is_3_to_32_printable_ascii() {
    assert!(check_token("abc").is_ok());
    assert!(check_token(&"a".repeat(32)).is_ok());
    let Err(bad) = check_token("ab") else {
        panic!("accepted 2 chars")
    };
    assert_eq!(bad.message, "is 2 characters long, not 3 to 32");
    let Err(bad) = check_token(&"a".repeat(33)) else {
        panic!("accepted 33 chars")
    };
    assert_eq!(bad.message, "is 33 characters long, not 3 to 32");
    assert!(check_token("callback-token_1").is_ok());
    let Err(bad) = check_token("abc def") else {
        panic!("accepted a space")
    };
    assert_eq!(
        bad.message,
        "has a space at position 4, not a printable ASCII character"
    );
    let Err(bad) = check_token("tökén") else {
        panic!("accepted non-ASCII")
    };
    assert_eq!(
        bad.message,
        "has `ö` at position 2, not a printable ASCII character"
    );
    let Err(bad) = check_token("") else {
        panic!("accepted empty")
    };
    assert_eq!(bad.message, "is empty");
}

#[test]
fn names_and_appids() {
    assert!(check_name("demo_1-a").is_ok());
    assert!(check_name(&"n".repeat(64)).is_ok());
    assert!(check_name(&"n".repeat(65)).is_err());
    assert!(check_name("").is_err());
    let Err(bad) = check_name("a/b") else {
        panic!("accepted `/`")
    };
    assert_eq!(bad.message, "`a/b` has `/` at position 2");
    assert!(check_appid("wx1234567890abcdef").is_ok());
    assert!(check_appid("tt1234").is_ok());
    assert!(check_appid("wx-1").is_err());
    assert!(check_appid("").is_err());
}

#[test]
fn modes_and_listen() {
    assert_eq!(check_mode("compatible"), Ok(Mode::Compatible));
    let Err(bad) = check_mode("Safe") else {
        panic!("accepted `Safe`")
    };
    assert_eq!(bad.message, "unknown mode `Safe`");
    assert!(bad.hint.starts_with("did you mean `safe`?"), "{}", bad.hint);
    assert!(check_listen("[::]:80").is_ok());
    let Err(bad) = check_listen("localhost:8080") else {
        panic!("accepted a host name")
    };
    assert_eq!(bad.message, "`localhost:8080` is not a socket address");
}

fn refused<T: std::fmt::Debug>(result: Result<T, Bad>) -> Bad {
    match result {
        Ok(value) => panic!("accepted, got {value:?}"),
        Err(bad) => bad,
    }
}

#[test]
fn public_url_is_https_or_loopback_http_without_query_or_fragment() {
    for (written, kept) in [
        ("https://wx.example.com", "https://wx.example.com"),
        ("https://wx.example.com//", "https://wx.example.com"),
        ("https://example.com/wxgate/", "https://example.com/wxgate"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://127.255.0.1", "http://127.255.0.1"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("http://localhost", "http://localhost"),
        ("http://LOCALHOST:1", "http://LOCALHOST:1"),
    ] {
        assert_eq!(check_public_url(written), Ok(kept.to_owned()), "{written}");
    }
    for (written, message) in [
        ("", "`` is not an absolute http(s) URL"),
        (
            "wx.example.com",
            "`wx.example.com` is not an absolute http(s) URL",
        ),
        (
            "https:wx.example.com",
            "`https:wx.example.com` is not an absolute http(s) URL",
        ),
        ("https://a/?x", "`https://a/?x` has a query (`?...`)"),
        ("https://a/#x", "`https://a/#x` has a fragment (`#...`)"),
        ("https://a@b", "`https://a@b` holds a user name or password"),
        (
            "https://a:b@c",
            "`https://a:b@c` holds a user name or password",
        ),
        ("https://a\tb", "`https://a\\tb` has a tab at position 10"),
        (" https://a", "` https://a` has a space at position 1"),
        ("https://a b", "`https://a b` has a space at position 10"),
        (
            "https://[::1",
            "`https://[::1` is not a valid URL: invalid IPv6 address",
        ),
        (
            "http://128.0.0.1",
            "`http://128.0.0.1` uses http with `128.0.0.1`, which is not a loopback host",
        ),
        (
            "http://[::2]",
            "`http://[::2]` uses http with `[::2]`, which is not a loopback host",
        ),
        (
            "http://localhost.",
            "`http://localhost.` uses http with `localhost.`, which is not a loopback host",
        ),
    ] {
        assert_eq!(
            refused(check_public_url(written)).message,
            message,
            "{written}"
        );
    }
    assert!(
        refused(check_public_url("http://wx.example.com"))
            .hint
            .starts_with("use https:// (behind a TLS proxy);")
    );
}

#[test]
fn redirect_uris_are_kept_as_written() {
    for uri in [
        "https://shop.example.com/auth/callback",
        "https://shop.example.com/cb/",
        "https://shop.example.com/cb?tenant=1",
        "https://shop.example.com:8443/",
        "http://127.0.0.1:3000/cb",
        "http://[::1]/cb",
        "http://localhost:8080/cb",
    ] {
        assert_eq!(check_redirect_uri(uri), Ok(uri.to_owned()));
    }
    for (uri, message) in [
        (
            "/auth/callback",
            "`/auth/callback` is not an absolute http(s) URL",
        ),
        ("myapp://cb", "`myapp://cb` is not an absolute http(s) URL"),
        (
            "https://shop.example.com/cb#x",
            "`https://shop.example.com/cb#x` has a fragment (`#...`)",
        ),
        (
            "https://shop.example.com/cb#",
            "`https://shop.example.com/cb#` has a fragment (`#...`)",
        ),
        (
            "http://shop.example.com/cb",
            "`http://shop.example.com/cb` uses http with `shop.example.com`, which is not a \
             loopback host",
        ),
        (
            "https://good.example.com@evil.example.com/",
            "`https://good.example.com@evil.example.com/` holds a user name or password",
        ),
    ] {
        assert_eq!(refused(check_redirect_uri(uri)).message, message, "{uri}");
    }
}

#[test]
fn base_urls_drop_the_trailing_slash() {
    assert_eq!(
        check_base_url("https://open.weixin.qq.com/"),
        Ok("https://open.weixin.qq.com".to_owned())
    );
    assert_eq!(
        check_base_url("http://127.0.0.1:9"),
        Ok("http://127.0.0.1:9".to_owned())
    );
    assert_eq!(
        refused(check_base_url("open.weixin.qq.com")).message,
        "`open.weixin.qq.com` is not an http(s) URL"
    );
}

#[test]
fn proxies_are_addresses_or_networks() {
    for (written, net) in [
        ("127.0.0.1", "127.0.0.1/32"),
        ("::1", "::1/128"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("192.168.1.7/32", "192.168.1.7/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("fd00::/8", "fd00::/8"),
    ] {
        assert_eq!(
            check_proxy(written).map(|n| n.to_string()),
            Ok(net.to_owned()),
            "{written}"
        );
    }
    let bad = refused(check_proxy("192.168.1.7/24"));
    assert_eq!(
        bad.message,
        "`192.168.1.7/24` has address bits set past its /24 prefix"
    );
    assert!(
        bad.hint.starts_with("did you mean `192.168.1.0/24`?"),
        "{}",
        bad.hint
    );
    for written in [
        "",
        "localhost",
        "10.0.0.0/",
        "10.0.0.0/33",
        "::1/129",
        "1.2.3",
        " 10.0.0.1",
    ] {
        assert_eq!(
            refused(check_proxy(written)).message,
            format!("`{written}` is not an IP address or network")
        );
    }
}

#[test]
fn client_ids_are_1_to_64_word_characters() {
    assert!(check_client_id("shop").is_ok());
    assert!(check_client_id("Shop_1-a").is_ok());
    assert!(check_client_id(&"c".repeat(64)).is_ok());
    assert_eq!(refused(check_client_id("")).message, "must not be empty");
    assert_eq!(
        refused(check_client_id(&"c".repeat(65))).message,
        "is 65 characters long, more than 64"
    );
    assert_eq!(
        refused(check_client_id("shop.example")).message,
        "`shop.example` has `.` at position 5"
    );
    assert_eq!(
        refused(check_client_id("café")).message,
        "`café` has `é` at position 4"
    );
}

#[test]
fn client_secrets_never_show_their_characters() {
    assert!(check_client_secret("0123456789abcdef").is_ok());
    assert!(check_client_secret("~!@#$%^&*()_+{}|:\"<>?").is_ok());
    assert_eq!(refused(check_client_secret("")).message, "is empty");
    assert_eq!(
        refused(check_client_secret("0123456789abcde")).message,
        "is 15 characters long, fewer than 16"
    );
    assert_eq!(
        refused(check_client_secret("short secret")).message,
        "is 12 characters long, fewer than 16 and has a space at position 6; only printable \
         ASCII is allowed"
    );
    for (secret, message) in [
        (
            "0123456789abcdef\u{7f}",
            "has a control or non-ASCII character at position 17; only printable ASCII is allowed",
        ),
        (
            "0123456789abcdefß",
            "has a control or non-ASCII character at position 17; only printable ASCII is allowed",
        ),
        (
            "0123456789abcdef\t",
            "has a tab at position 17; only printable ASCII is allowed",
        ),
    ] {
        let bad = refused(check_client_secret(secret));
        assert_eq!(bad.message, message);
        assert!(!bad.message.contains('ß') && !bad.hint.contains("0123"));
    }
}

#[test]
fn scopes_are_login_or_send() {
    assert_eq!(check_scope("login"), Ok(ClientScope::Login));
    assert_eq!(check_scope("send"), Ok(ClientScope::Send));
    let bad = refused(check_scope("Login"));
    assert_eq!(bad.message, "unknown scope `Login`");
    assert!(
        bad.hint
            .starts_with("did you mean `login`? a scope is `login`, `send`"),
        "{}",
        bad.hint
    );
    let bad = refused(check_scope("openid"));
    assert_eq!(bad.message, "unknown scope `openid`");
    assert!(
        bad.hint.starts_with("a scope is `login`, `send`"),
        "{}",
        bad.hint
    );
}
