//! Tests of what mini programs and the JS-SDK need: `kind`, `js_domains`, `[sessions]`, and the
//! keys a mini-program account requires elsewhere. Whole files, each rule accepted and refused.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::config::tests::{hint_of, keys_and_messages, parse_err, parse_ok};
use crate::config::{Config, PLACEHOLDER_SESSIONS_KEY};

/// `openssl rand -base64 32`.
const KEY: &str = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
const PUBLIC_URL: &str = "[server]\npublic_url = \"https://wx.example.com\"\n";

fn key_bytes() -> [u8; 32] {
    STANDARD.decode(KEY).unwrap().try_into().unwrap()
}

/// An official account `site`, `extra` appended to it.
fn official(extra: &str) -> String {
    format!(
        "[[accounts]]\nname = \"site\"\nappid = \"wx1234567890abcdef\"\ntoken = \"callbacktoken\"\n\
         {extra}\n"
    )
}

/// A mini-program account `shop` with a secret, `extra` appended to it.
fn miniprogram(extra: &str) -> String {
    format!(
        "[[accounts]]\nname = \"shop\"\nappid = \"wx4f4bc4dec97d474b\"\ntoken = \"callbacktoken\"\n\
         kind = \"miniprogram\"\nsecret = \"mp-app-secret\"\n{extra}\n"
    )
}

/// `[sessions]` with the test key, `extra` appended to it.
fn sessions(extra: &str) -> String {
    format!("[sessions]\nkey = \"{KEY}\"\n{extra}\n")
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
fn a_full_setup_parses() {
    let config = parse_ok(&format!(
        "{PUBLIC_URL}{}{}{}",
        official(
            "kind = \"official\"\njs_domains = [\"m.example.com\", \"www.example.com:8443\", \
                  \"a-b.c9.example.co\", \"localhost\", \"xn--fiqs8s.example.com\"]"
        ),
        miniprogram(""),
        sessions("ttl_secs = 86400\nmax_watermark_age_secs = 0\nlogin_per_minute = 1000000"),
    ));
    let site = config.account("site").unwrap();
    assert_eq!(site.kind, AccountKind::Official);
    assert!(!site.is_miniprogram());
    assert_eq!(
        site.js_domains,
        [
            "m.example.com",
            "www.example.com:8443",
            "a-b.c9.example.co",
            "localhost",
            "xn--fiqs8s.example.com"
        ]
    );
    let shop = config.account("shop").unwrap();
    assert_eq!(shop.kind, AccountKind::MiniProgram);
    assert!(shop.is_miniprogram());
    assert!(shop.js_domains.is_empty());
    assert_eq!(shop.secret.as_deref(), Some("mp-app-secret"));
    assert_eq!(
        config.sessions,
        SessionsConfig {
            key: Some(key_bytes()),
            ttl_secs: 86_400,
            max_watermark_age_secs: 0,
            login_per_minute: 1_000_000,
        }
    );
    assert!(!config.sessions.key_is_placeholder());
}

#[test]
fn defaults_without_mini_programs() {
    let config = parse_ok(&official(""));
    assert_eq!(config.accounts[0].kind, AccountKind::Official);
    assert!(config.accounts[0].js_domains.is_empty());
    assert_eq!(
        config.sessions,
        SessionsConfig {
            key: None,
            ttl_secs: 2_592_000,
            max_watermark_age_secs: 86_400,
            login_per_minute: 600,
        }
    );
    assert_eq!(config.sessions, SessionsConfig::default());
    assert!(!config.sessions.key_is_placeholder());

    // An empty [sessions] takes every default; a key without a mini program is still checked.
    let config = parse_ok(&format!("{}[sessions]\n", official("")));
    assert_eq!(config.sessions, SessionsConfig::default());
    let config = parse_ok(&format!("{}{}", official(""), sessions("")));
    assert_eq!(config.sessions.key, Some(key_bytes()));
    assert_eq!(
        problems(&format!("{}[sessions]\nkey = \"short\"\n", official(""))),
        pairs(&[(
            "sessions.key",
            "is not valid base64 (5 characters, `=` only at the end)"
        )])
    );
}

#[test]
fn kind_words() {
    for (word, kind) in [
        ("official", AccountKind::Official),
        ("miniprogram", AccountKind::MiniProgram),
    ] {
        assert_eq!(AccountKind::from_word(word), Some(kind));
        assert_eq!(kind.as_str(), word);
        assert_eq!(kind.to_string(), word);
    }
    assert_eq!(AccountKind::default(), AccountKind::Official);
    assert_eq!(AccountKind::from_word("MiniProgram"), None);
}

#[test]
fn unknown_kinds_are_refused_with_a_suggestion() {
    let cases = [
        ("mini_program", "did you mean `miniprogram`?"),
        ("MiniProgram", "did you mean `miniprogram`?"),
        ("offical", "did you mean `official`?"),
        ("app", "kind is `official`, `miniprogram`"),
    ];
    for (word, hint) in cases {
        let text = official(&format!("kind = \"{word}\""));
        let errors = parse_err(&text);
        assert_eq!(
            keys_and_messages(&errors),
            vec![(
                "accounts[0].kind",
                format!("unknown kind `{word}`").as_str()
            )],
        );
        assert!(
            hint_of(&errors, "accounts[0].kind").contains(hint),
            "{word}: {errors}"
        );
    }
    assert_eq!(
        problems(&official("kind = 1")),
        pairs(&[("accounts[0].kind", "expected a string, found an integer")])
    );
}

#[test]
fn a_mini_program_needs_a_secret() {
    let text = format!(
        "{PUBLIC_URL}[[accounts]]\nname = \"shop\"\nappid = \"wx1\"\ntoken = \"callbacktoken\"\n\
         kind = \"miniprogram\"\n{}",
        sessions("")
    );
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "accounts[0].secret",
            "missing required key when kind = \"miniprogram\""
        )]
    );
    assert!(hint_of(&errors, "accounts[0].secret").contains("jscode2session"));
    // A bad secret is one problem, about the secret itself.
    let text = text.replace(
        "kind = \"miniprogram\"\n",
        "kind = \"miniprogram\"\nsecret = \"has space\"\n",
    );
    assert_eq!(
        problems(&text),
        pairs(&[(
            "accounts[0].secret",
            "must be printable ASCII without spaces"
        )])
    );
    // An official account needs none.
    parse_ok(&official(""));
}

#[test]
fn a_mini_program_needs_a_sessions_key() {
    for missing in ["", "[sessions]\nttl_secs = 600\n"] {
        let errors = parse_err(&format!("{PUBLIC_URL}{}{missing}", miniprogram("")));
        assert_eq!(
            keys_and_messages(&errors),
            vec![(
                "sessions.key",
                "missing required key: account `shop` is a mini program"
            )]
        );
        let hint = hint_of(&errors, "sessions.key");
        assert!(hint.contains("openssl rand -base64 32"), "{hint}");
    }
    // A bad key is one problem, about the key itself.
    assert_eq!(
        problems(&format!(
            "{PUBLIC_URL}{}[sessions]\nkey = \"{}\"\n",
            miniprogram(""),
            &KEY[..40]
        )),
        pairs(&[("sessions.key", "decodes to 30 bytes, not 32")])
    );
    // [sessions] that is not a table: one problem.
    assert_eq!(
        problems(&format!("sessions = 1\n{PUBLIC_URL}{}", miniprogram(""))),
        pairs(&[("sessions", "expected a table, found an integer")])
    );
    // Official accounts need none.
    parse_ok(&format!("{PUBLIC_URL}{}", official("")));
}

#[test]
fn a_mini_program_needs_a_public_url() {
    let errors = parse_err(&format!("{}{}", miniprogram(""), sessions("")));
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "server.public_url",
            "missing required key: account `shop` is a mini program"
        )]
    );
    assert!(hint_of(&errors, "server.public_url").contains("{public_url}/oidc/{account}"));
    // With a login client too, the problem is reported once (and the client may not log
    // users in through a mini program).
    let client = "[[clients]]\nid = \"web\"\naccounts = [\"shop\"]\n\
                  redirect_uris = [\"https://shop.example.com/cb\"]\nscopes = [\"login\"]\n";
    assert_eq!(
        problems(&format!("{}{}{client}", miniprogram(""), sessions(""))),
        pairs(&[
            (
                "clients[0].accounts[0]",
                "account `shop` is a mini program, which has no web login"
            ),
            (
                "server.public_url",
                "missing required key: client `web` has the `login` scope"
            )
        ])
    );
    // A bad public_url is its own problem only.
    assert_eq!(
        problems(&format!(
            "[server]\npublic_url = \"ftp://x\"\n{}{}",
            miniprogram(""),
            sessions("")
        )),
        pairs(&[(
            "server.public_url",
            "`ftp://x` is not an absolute http(s) URL"
        )])
    );
}

#[test]
fn every_mini_program_need_is_reported_at_once() {
    let text = "[[accounts]]\nname = \"shop\"\nappid = \"wx1\"\ntoken = \"callbacktoken\"\n\
                kind = \"miniprogram\"\njs_domains = [\"m.example.com\"]\n";
    assert_eq!(
        problems(text),
        pairs(&[
            (
                "accounts[0].secret",
                "missing required key when kind = \"miniprogram\""
            ),
            (
                "accounts[0].js_domains",
                "js_domains is for official accounts; this account has kind = \"miniprogram\""
            ),
            (
                "server.public_url",
                "missing required key: account `shop` is a mini program"
            ),
            (
                "sessions.key",
                "missing required key: account `shop` is a mini program"
            ),
        ])
    );
    // A mini program without a (valid) name is "an account".
    let text = text.replace("name = \"shop\"", "name = \"a b\"");
    let found = problems(&text);
    assert!(
        found.contains(&(
            "sessions.key".to_owned(),
            "missing required key: an account is a mini program".to_owned()
        )),
        "{found:?}"
    );
}

#[test]
fn js_domains_are_for_official_accounts_only() {
    let text = format!(
        "{PUBLIC_URL}{}{}",
        miniprogram("js_domains = [\"m.example.com\"]"),
        sessions("")
    );
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "accounts[0].js_domains",
            "js_domains is for official accounts; this account has kind = \"miniprogram\""
        )]
    );
    assert!(hint_of(&errors, "accounts[0].js_domains").contains("official account"));
    // Even empty: the key has no meaning there.
    assert_eq!(
        problems(&text.replace("[\"m.example.com\"]", "[]")).len(),
        1,
        "{text}"
    );
    // An explicit or default official account takes them.
    parse_ok(&official("js_domains = [\"m.example.com\"]"));
    parse_ok(&official(
        "kind = \"official\"\njs_domains = [\"m.example.com\"]",
    ));
    parse_ok(&official("js_domains = []"));
}

#[test]
fn js_domains_are_lower_case_hosts() {
    let refused = [
        ("", "must not be empty"),
        (
            "https://m.example.com/page",
            "`https://m.example.com/page` is a URL, not a host",
        ),
        ("M.Example.com", "`M.Example.com` has upper-case letters"),
        ("m.example.com/", "`m.example.com/` has `/` at position 14"),
        ("*.example.com", "`*.example.com` has `*` at position 1"),
        ("m example.com", "`m example.com` has a space at position 2"),
        ("例子.com", "`例子.com` has `例` at position 1"),
        (
            "m.example.com.",
            "`m.example.com.` has an empty label (two dots, or a dot at an end)",
        ),
        (
            "m..example.com",
            "`m..example.com` has an empty label (two dots, or a dot at an end)",
        ),
        (
            ".example.com",
            "`.example.com` has an empty label (two dots, or a dot at an end)",
        ),
        (
            "-m.example.com",
            "`-m.example.com` has a label starting or ending with `-`",
        ),
        (
            "m-.example.com",
            "`m-.example.com` has a label starting or ending with `-`",
        ),
        (
            "m.example.com:",
            "`m.example.com:` has no valid port after `:` (1 to 65535)",
        ),
        (
            "m.example.com:0",
            "`m.example.com:0` has no valid port after `:` (1 to 65535)",
        ),
        (
            "m.example.com:65536",
            "`m.example.com:65536` has no valid port after `:` (1 to 65535)",
        ),
        (
            "m.example.com:+80",
            "`m.example.com:+80` has no valid port after `:` (1 to 65535)",
        ),
        (
            "m.example.com:80:80",
            "`m.example.com:80:80` has `:` at position 14",
        ),
        ("10.0.0.1", "`10.0.0.1` is an IP address, not a domain name"),
        ("::1", "`::1` is an IP address, not a domain name"),
        (
            "[::1]:8443",
            "`[::1]:8443` is an IP address, not a domain name",
        ),
        (
            "10.0.0.1:8443",
            "`10.0.0.1:8443` ends in a number: it is not a domain name",
        ),
        (
            "example.123",
            "`example.123` ends in a number: it is not a domain name",
        ),
    ];
    for (domain, message) in refused {
        let text = official(&format!("js_domains = [\"ok.example.com\", \"{domain}\"]"));
        let errors = parse_err(&text);
        assert_eq!(
            keys_and_messages(&errors),
            vec![("accounts[0].js_domains[1]", message)],
            "{domain}"
        );
    }
    let long_label = format!("{}.example.com", "a".repeat(64));
    let errors = parse_err(&official(&format!("js_domains = [\"{long_label}\"]")));
    assert_eq!(
        errors.problems[0].message,
        format!(
            "`{}...` has a label of 64 characters, more than 63",
            &long_label[..64]
        )
    );
    let long_name = vec!["a".repeat(63); 4].join(".");
    let errors = parse_err(&official(&format!("js_domains = [\"{long_name}\"]")));
    assert_eq!(
        errors.problems[0].message,
        "the name is 255 characters long, more than 253"
    );
    let fine = [
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61),
    ]
    .join(".");
    parse_ok(&official(&format!(
        "js_domains = [\"{fine}\", \"a.b:1\", \"a.b:65535\"]"
    )));

    // The hints say how to write it.
    let errors = parse_err(&official("js_domains = [\"https://M.example.com/x?y\"]"));
    assert!(
        hint_of(&errors, "accounts[0].js_domains[0]")
            .starts_with("write the host only: `M.example.com`"),
        "{errors}"
    );
    let errors = parse_err(&official("js_domains = [\"M.Example.com:8443\"]"));
    assert!(
        hint_of(&errors, "accounts[0].js_domains[0]").contains("`m.example.com:8443`"),
        "{errors}"
    );
    let errors = parse_err(&official("js_domains = [\"*.example.com\"]"));
    assert!(hint_of(&errors, "accounts[0].js_domains[0]").contains("no wildcards"));
}

#[test]
fn js_domains_are_listed_once_and_are_strings() {
    let errors = parse_err(&official(
        "js_domains = [\"m.example.com\", \"n.example.com\", \"m.example.com\"]",
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "accounts[0].js_domains[2]",
            "`m.example.com` is already listed at accounts[0].js_domains[0]"
        )]
    );
    // Another port is another host.
    let config = parse_ok(&official(
        "js_domains = [\"m.example.com\", \"m.example.com:8443\"]",
    ));
    assert_eq!(config.accounts[0].js_domains.len(), 2);
    assert_eq!(
        problems(&official("js_domains = \"m.example.com\"")),
        pairs(&[(
            "accounts[0].js_domains",
            "expected an array, found a string"
        )])
    );
    assert_eq!(
        problems(&official("js_domains = [1]")),
        pairs(&[(
            "accounts[0].js_domains[0]",
            "expected a string, found an integer"
        )])
    );
}

#[test]
fn sessions_key_is_base64_of_32_bytes() {
    let parse_key = |key: &str| {
        Config::parse(
            &format!("{}[sessions]\nkey = \"{key}\"\n", official("")),
            "config.toml",
        )
    };
    // Padded (as openssl writes it) or not.
    for key in [KEY, KEY.trim_end_matches('=')] {
        let config = parse_key(key).unwrap();
        assert_eq!(config.sessions.key, Some(key_bytes()), "{key}");
    }
    let placeholder = parse_key(PLACEHOLDER_SESSIONS_KEY).unwrap();
    assert!(placeholder.sessions.key_is_placeholder());
    assert_eq!(
        placeholder.sessions.key.map(|key| key.to_vec()),
        STANDARD.decode(PLACEHOLDER_SESSIONS_KEY).ok()
    );

    let sixteen = STANDARD.encode([7u8; 16]);
    let thirty_three = STANDARD.encode([7u8; 33]);
    let url_safe = format!("{}_{}", &KEY[..4], &KEY[5..]);
    let spaced = format!("{} {}", &KEY[..10], &KEY[11..]);
    let refused = [
        ("", "is empty".to_owned()),
        (sixteen.as_str(), "decodes to 16 bytes, not 32".to_owned()),
        (
            thirty_three.as_str(),
            "decodes to 33 bytes, not 32".to_owned(),
        ),
        (
            url_safe.as_str(),
            "has a character of URL-safe base64 (`-` or `_`) at position 5".to_owned(),
        ),
        (spaced.as_str(), "has a space at position 11".to_owned()),
        (
            "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\\n",
            "has a line break at position 45".to_owned(),
        ),
        (
            "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJ!=",
            "has a character outside the base64 alphabet at position 43".to_owned(),
        ),
        (
            "q83vEjRWeJCrze8SNFZ4kKvN7xI0Vn=Qq83vEjRWeJA=",
            "is not valid base64 (44 characters, `=` only at the end)".to_owned(),
        ),
        (
            // Trailing bits set past the 32 bytes.
            "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJB=",
            "is not valid base64 (44 characters, `=` only at the end)".to_owned(),
        ),
    ];
    for (key, message) in refused {
        let Err(errors) = parse_key(key) else {
            panic!("accepted {key:?}")
        };
        assert_eq!(
            keys_and_messages(&errors),
            vec![("sessions.key", message.as_str())],
            "{key:?}"
        );
        let output = format!("{errors}\n{errors:?}");
        if key.len() > 8 {
            assert!(!output.contains(&key[..8]), "key leaked: {output}");
        }
        assert!(hint_of(&errors, "sessions.key").contains("openssl rand -base64 32"));
    }
    let Err(errors) = Config::parse(
        &format!("{}[sessions]\nkey = 1\n", official("")),
        "config.toml",
    ) else {
        panic!("accepted an integer key")
    };
    assert_eq!(
        keys_and_messages(&errors),
        vec![("sessions.key", "expected a string, found an integer")]
    );
}

#[test]
fn the_sessions_key_never_reaches_debug_output() {
    let config = parse_ok(&format!("{}{}", official(""), sessions("")));
    for output in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{:?}", config.sessions),
    ] {
        assert!(!output.contains(KEY), "{output}");
        assert!(!output.contains(&format!("{:?}", key_bytes())), "{output}");
        assert!(
            !output.contains(&format!("{:?}", &key_bytes()[..4])),
            "{output}"
        );
    }
    assert!(format!("{:?}", config.sessions).contains("key: Some(\"<redacted>\")"));
    assert!(format!("{:?}", SessionsConfig::default()).contains("key: None"));
}

#[test]
fn sessions_ranges() {
    let cases = [
        (
            "ttl_secs = 59",
            "sessions.ttl_secs",
            "must be between 60 and 31536000, found 59",
        ),
        (
            "ttl_secs = 31536001",
            "sessions.ttl_secs",
            "must be between 60 and 31536000, found 31536001",
        ),
        (
            "max_watermark_age_secs = -1",
            "sessions.max_watermark_age_secs",
            "must be between 0 and 31536000, found -1",
        ),
        (
            "max_watermark_age_secs = 31536001",
            "sessions.max_watermark_age_secs",
            "must be between 0 and 31536000, found 31536001",
        ),
        (
            "login_per_minute = 1000001",
            "sessions.login_per_minute",
            "must be between 0 and 1000000, found 1000001",
        ),
        (
            "login_per_minute = \"600\"",
            "sessions.login_per_minute",
            "expected an integer, found a string",
        ),
        ("ttl = 60", "sessions.ttl", "unknown key"),
    ];
    for (line, key, message) in cases {
        let errors = parse_err(&format!("{}{}", official(""), sessions(line)));
        assert_eq!(keys_and_messages(&errors), vec![(key, message)], "{line}");
    }
    let errors = parse_err(&format!("{}{}", official(""), sessions("ttl = 60")));
    assert_eq!(hint_of(&errors, "sessions.ttl"), "did you mean `ttl_secs`?");
    let config = parse_ok(&format!(
        "{}{}",
        official(""),
        sessions("ttl_secs = 60\nmax_watermark_age_secs = 31536000\nlogin_per_minute = 0")
    ));
    assert_eq!(
        (
            config.sessions.ttl_secs,
            config.sessions.max_watermark_age_secs,
            config.sessions.login_per_minute
        ),
        (60, 31_536_000, 0)
    );
    let config = parse_ok(&format!(
        "{}{}",
        official(""),
        sessions("ttl_secs = 31536000\nmax_watermark_age_secs = 0")
    ));
    assert_eq!(config.sessions.ttl_secs, 31_536_000);
    assert_eq!(config.sessions.max_watermark_age_secs, 0);
}

#[test]
fn the_sample_config_as_a_mini_program_parses() {
    // The repo's config.toml with its demo account made a mini program (the commented
    // `kind` line uncommented, a secret and a public URL added) serves it with the
    // placeholder key.
    let sample = include_str!("../../config.toml");
    let commented = "# kind = \"official\"";
    assert!(sample.contains(commented), "the sample documents `kind`");
    let text = sample
        .replace(
            commented,
            "kind = \"miniprogram\"\nsecret = \"mp-app-secret\"",
        )
        .replace(
            "[server]\n",
            "[server]\npublic_url = \"https://wx.example.com\"\n",
        );
    let config = parse_ok(&text);
    assert!(config.accounts[0].is_miniprogram());
    assert!(config.sessions.key_is_placeholder());
    // Its commented [sessions] lines are valid too.
    let uncommented = sample
        .lines()
        .map(|line| {
            ["ttl_secs", "max_watermark_age_secs", "login_per_minute"]
                .iter()
                .find_map(|key| line.strip_prefix(&format!("# {key} =")).map(|v| (key, v)))
                .map_or_else(|| line.to_owned(), |(key, rest)| format!("{key} ={rest}"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(uncommented, sample);
    let config = parse_ok(&uncommented);
    assert_eq!(
        config.sessions,
        SessionsConfig {
            key: config.sessions.key,
            ..SessionsConfig::default()
        }
    );
    // And the commented js_domains line on the official demo account.
    let text = sample.replace("# js_domains", "js_domains");
    let config = parse_ok(&text);
    assert_eq!(config.accounts[0].js_domains, ["m.example.com"]);
}
