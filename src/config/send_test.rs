//! What the send API reads from the config: an account's `send_rate` and `send_max_attempts`,
//! a client's `webhook`, and what a client that only sends needs (no redirect URI, no public
//! URL). Each rule accepted and refused.

use super::*;

/// `demo` with a secret, then `rest`.
fn file(account_keys: &str, rest: &str) -> String {
    format!(
        "[[accounts]]\nname = \"demo\"\nappid = \"wx1234567890abcdef\"\ntoken = \"callback-token\"\n\
         secret = \"app-secret-1\"\n{account_keys}\n{rest}"
    )
}

/// A client `shop` for `demo` with the `send` scope only, `extra` appended to it.
fn sender(extra: &str) -> String {
    format!(
        "[[clients]]\nid = \"shop\"\nsecret = \"0123456789abcdef-client-secret\"\n\
         accounts = [\"demo\"]\nscopes = [\"send\"]\n{extra}"
    )
}

fn problems(text: &str) -> Vec<(String, String)> {
    keys_and_messages(&parse_err(text))
        .into_iter()
        .map(|(key, message)| (key.to_owned(), message.to_owned()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|&(key, message)| (key.to_owned(), message.to_owned()))
        .collect()
}

#[test]
fn send_rate_and_max_attempts_default_to_20_and_8() {
    let config = parse_ok(&file("", ""));
    assert_eq!(config.accounts[0].send_rate, 20);
    assert_eq!(config.accounts[0].send_max_attempts, 8);
    let shown = format!("{:?}", config.accounts[0]);
    assert!(
        shown.contains("send_rate: 20, send_max_attempts: 8"),
        "{shown}"
    );
}

#[test]
fn send_rate_is_1_to_10000_and_max_attempts_1_to_100() {
    for (rate, attempts) in [(1, 1), (10_000, 100), (50, 3)] {
        let config = parse_ok(&file(
            &format!("send_rate = {rate}\nsend_max_attempts = {attempts}\n"),
            "",
        ));
        assert_eq!(config.accounts[0].send_rate, rate);
        assert_eq!(config.accounts[0].send_max_attempts, attempts);
    }
    for (keys, expected) in [
        (
            "send_rate = 0\nsend_max_attempts = 0\n",
            [
                "must be between 1 and 10000, found 0",
                "must be between 1 and 100, found 0",
            ],
        ),
        (
            "send_rate = 10001\nsend_max_attempts = 101\n",
            [
                "must be between 1 and 10000, found 10001",
                "must be between 1 and 100, found 101",
            ],
        ),
        (
            "send_rate = -1\nsend_max_attempts = -8\n",
            [
                "must be between 1 and 10000, found -1",
                "must be between 1 and 100, found -8",
            ],
        ),
        (
            "send_rate = \"20\"\nsend_max_attempts = 2.5\n",
            [
                "expected an integer, found a string",
                "expected an integer, found a float",
            ],
        ),
    ] {
        assert_eq!(
            problems(&file(keys, "")),
            pairs(&[
                ("accounts[0].send_rate", expected[0]),
                ("accounts[0].send_max_attempts", expected[1]),
            ]),
            "{keys}"
        );
    }
    let errors = parse_err(&file("send_rate = 0\n", ""));
    assert!(hint_of(&errors, "accounts[0].send_rate").contains("WeChat calls per second"));
}

#[test]
fn a_client_that_only_sends_needs_no_redirect_uri_and_no_public_url() {
    let config = parse_ok(&file("", &sender("")));
    assert_eq!(config.server.public_url, None);
    assert_eq!(
        config.clients,
        vec![ClientConfig {
            id: "shop".into(),
            secret: Some("0123456789abcdef-client-secret".into()),
            accounts: vec!["demo".into()],
            redirect_uris: Vec::new(),
            scopes: vec![ClientScope::Send],
            webhook: None,
        }]
    );
    // Nor does a mini program's sender need redirect URIs (the public URL is the mini
    // program's own requirement).
    parse_ok(&format!(
        "[server]\npublic_url = \"https://wx.example.com\"\n[sessions]\nkey = \"{}\"\n{}",
        PLACEHOLDER_SESSIONS_KEY,
        file("kind = \"miniprogram\"\n", &sender(""))
    ));
    // With `login` too, both are needed again.
    assert_eq!(
        problems(&file(
            "",
            &sender("").replace("[\"send\"]", "[\"send\", \"login\"]")
        )),
        pairs(&[
            (
                "clients[0].redirect_uris",
                "a client with the `login` scope needs at least one redirect URI"
            ),
            (
                "server.public_url",
                "missing required key: client `shop` has the `login` scope"
            ),
        ])
    );
}

#[test]
fn webhooks_are_absolute_https_or_loopback_http_without_fragment() {
    for url in [
        "https://shop.example.com/wxgate-status",
        "https://shop.example.com:8443/hooks/wx?source=wxgate",
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://[::1]:9000/",
    ] {
        let config = parse_ok(&file("", &sender(&format!("webhook = \"{url}\"\n"))));
        assert_eq!(
            config.clients[0].webhook.as_deref(),
            Some(url),
            "kept as written"
        );
    }
    for (written, message) in [
        (
            "\"http://shop.example.com/hook\"",
            "`http://shop.example.com/hook` uses http with `shop.example.com`, which is not a \
             loopback host",
        ),
        (
            "\"https://shop.example.com/hook#x\"",
            "`https://shop.example.com/hook#x` has a fragment (`#...`)",
        ),
        (
            "\"ftp://shop.example.com/hook\"",
            "`ftp://shop.example.com/hook` is not an absolute http(s) URL",
        ),
        ("\"/hook\"", "`/hook` is not an absolute http(s) URL"),
        (
            "\"https://user:pw@shop.example.com/\"",
            "`https://user:pw@shop.example.com/` holds a user name or password",
        ),
        (
            "\"https://shop.example.com/a b\"",
            "`https://shop.example.com/a b` has a space at position 27",
        ),
        ("5", "expected a string, found an integer"),
    ] {
        assert_eq!(
            problems(&file("", &sender(&format!("webhook = {written}\n")))),
            pairs(&[("clients[0].webhook", message)]),
            "{written}"
        );
    }
    let errors = parse_err(&file("", &sender("webhook = \"http://x.example/\"\n")));
    assert!(hint_of(&errors, "clients[0].webhook").contains("https://"));
    let config = parse_ok(&file(
        "",
        &sender("webhook = \"https://shop.example.com/s\"\n"),
    ));
    assert!(
        format!("{:?}", config.clients[0])
            .contains("webhook: Some(\"https://shop.example.com/s\")")
    );
}

#[test]
fn every_send_problem_is_reported_at_once() {
    let text = file(
        "send_rate = 0\nsend_max_attempts = 1000\n",
        &sender("webhook = \"http://shop.example.com/#f\"\nwebhooks = []\n"),
    );
    assert_eq!(
        problems(&text),
        pairs(&[
            (
                "accounts[0].send_rate",
                "must be between 1 and 10000, found 0"
            ),
            (
                "accounts[0].send_max_attempts",
                "must be between 1 and 100, found 1000"
            ),
            (
                "clients[0].webhook",
                "`http://shop.example.com/#f` has a fragment (`#...`)"
            ),
            ("clients[0].webhooks", "unknown key"),
        ])
    );
}

#[test]
fn the_sample_configs_commented_send_keys_parse() {
    // Uncommenting the sample's send keys, and its client with the `send` scope instead of
    // `login`, gives a gateway whose client sends through `demo` with a webhook.
    let keys = [
        "secret",
        "send_rate",
        "send_max_attempts",
        "[[clients]]",
        "id",
        "accounts",
        "scopes",
        "webhook",
    ];
    let sample = include_str!("../../config.toml");
    let mut uncommented = 0;
    let text: String = sample
        .lines()
        .map(|line| {
            let commented = line.trim_start().strip_prefix("# ").filter(|rest| {
                keys.iter().any(|key| {
                    rest.strip_prefix(key)
                        .is_some_and(|after| after.is_empty() || after.starts_with([' ', '=']))
                })
            });
            match commented {
                Some(rest) => {
                    uncommented += 1;
                    format!("{}\n", rest.replace("[\"login\"]", "[\"send\"]"))
                }
                None => format!("{line}\n"),
            }
        })
        .collect();
    // `secret` twice: the account's and the client's.
    assert_eq!(uncommented, keys.len() + 1, "{text}");
    let config = parse_ok(&text);
    assert_eq!(config.accounts[0].send_rate, 20);
    assert_eq!(config.accounts[0].send_max_attempts, 8);
    assert_eq!(config.clients[0].scopes, vec![ClientScope::Send]);
    assert_eq!(
        config.clients[0].webhook.as_deref(),
        Some("https://shop.example.com/wxgate-status")
    );
}
