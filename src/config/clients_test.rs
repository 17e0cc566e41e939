//! Tests of `[[clients]]`, `[oidc]` and the keys logging in needs (`server.public_url`,
//! `server.trusted_proxies`, `accounts.oauth_base`): whole files, each rule accepted and
//! refused.

use super::*;
use crate::config::tests::{hint_of, keys_and_messages, parse_err, parse_ok};
use crate::config::{DEFAULT_OAUTH_BASE, ServerConfig};

/// Two accounts: `demo` with a secret, `nosecret` without.
const ACCOUNTS: &str = "\
[[accounts]]
name = \"demo\"
appid = \"wx1234567890abcdef\"
token = \"callback-token\"
secret = \"app-secret-1\"

[[accounts]]
name = \"nosecret\"
appid = \"wx2\"
token = \"callback-token\"
";

const SECRET: &str = "0123456789abcdef-client-secret";

/// A public URL, the two accounts, then `rest`.
fn file(rest: &str) -> String {
    format!("[server]\npublic_url = \"https://wx.example.com\"\n{ACCOUNTS}\n{rest}")
}

/// A login client `shop` for `demo` with one redirect URI, `extra` appended to it.
fn shop(extra: &str) -> String {
    format!(
        "[[clients]]\nid = \"shop\"\naccounts = [\"demo\"]\n\
         redirect_uris = [\"https://shop.example.com/cb\"]\nscopes = [\"login\"]\n{extra}"
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
fn a_full_setup_parses() {
    let config = parse_ok(&format!(
        "[server]\npublic_url = \"https://example.com/wxgate/\"\n\
         trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\", \"fd00::/8\"]\n\
         {ACCOUNTS}oauth_base = \"http://127.0.0.1:9/\"\n\
         [[clients]]\nid = \"shop_1-A\"\nsecret = \"{SECRET}\"\naccounts = [\"demo\"]\n\
         redirect_uris = [\"https://shop.example.com/cb\", \"https://shop.example.com/cb?x=1\", \
         \"http://localhost:3000/cb\"]\nscopes = [\"login\", \"send\"]\n\
         [[clients]]\nid = \"spa\"\naccounts = [\"demo\"]\n\
         redirect_uris = [\"http://127.0.0.1:8000/cb\"]\nscopes = [\"login\"]\n\
         [[clients]]\nid = \"sender\"\nsecret = \"{SECRET}\"\naccounts = [\"demo\"]\nscopes = [\"send\"]\n\
         [oidc]\ntoken_ttl_secs = 600\nauthorize_per_minute = 0\ntoken_per_minute = 1000000\n"
    ));
    assert_eq!(
        config.server.public_url.as_deref(),
        Some("https://example.com/wxgate"),
        "trailing slash dropped"
    );
    let proxies: Vec<String> = config
        .server
        .trusted_proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        proxies,
        ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"]
    );
    assert_eq!(config.accounts[0].oauth_base, DEFAULT_OAUTH_BASE);
    assert_eq!(
        config.accounts[1].oauth_base, "http://127.0.0.1:9",
        "trailing slash dropped"
    );
    assert_eq!(
        config.clients,
        vec![
            ClientConfig {
                id: "shop_1-A".into(),
                secret: Some(SECRET.into()),
                accounts: vec!["demo".into()],
                redirect_uris: vec![
                    "https://shop.example.com/cb".into(),
                    "https://shop.example.com/cb?x=1".into(),
                    "http://localhost:3000/cb".into(),
                ],
                scopes: vec![ClientScope::Login, ClientScope::Send],
                webhook: None,
            },
            ClientConfig {
                id: "spa".into(),
                secret: None,
                accounts: vec!["demo".into()],
                redirect_uris: vec!["http://127.0.0.1:8000/cb".into()],
                scopes: vec![ClientScope::Login],
                webhook: None,
            },
            ClientConfig {
                id: "sender".into(),
                secret: Some(SECRET.into()),
                accounts: vec!["demo".into()],
                redirect_uris: vec![],
                scopes: vec![ClientScope::Send],
                webhook: None,
            },
        ]
    );
    assert_eq!(
        config.oidc,
        OidcConfig {
            token_ttl_secs: 600,
            authorize_per_minute: 0,
            token_per_minute: 1_000_000,
        }
    );
    let shop = config
        .client("shop_1-A")
        .unwrap_or_else(|| panic!("no shop"));
    assert!(shop.has_scope(ClientScope::Send) && shop.allows_account("demo"));
    assert!(!shop.allows_account("nosecret"));
    let spa = config.client("spa").unwrap_or_else(|| panic!("no spa"));
    assert!(spa.has_scope(ClientScope::Login) && !spa.has_scope(ClientScope::Send));
    assert!(config.client("SHOP_1-A").is_none());
}

#[test]
fn defaults_without_clients_or_oidc() {
    let config = parse_ok(ACCOUNTS);
    assert_eq!(config.server.public_url, None);
    assert!(config.server.trusted_proxies.is_empty());
    assert_eq!(config.server, ServerConfig::default());
    assert!(config.clients.is_empty());
    assert_eq!(config.oidc, OidcConfig::default());
    assert_eq!(
        OidcConfig::default(),
        OidcConfig {
            token_ttl_secs: 3600,
            authorize_per_minute: 600,
            token_per_minute: 6000,
        }
    );
    assert_eq!(config.accounts[0].oauth_base, "https://open.weixin.qq.com");
    // An empty [oidc] takes every default; a client list may be empty.
    let config = parse_ok(&format!("clients = []\n{ACCOUNTS}[oidc]\n"));
    assert!(config.clients.is_empty());
    assert_eq!(config.oidc, OidcConfig::default());
}

#[test]
fn a_webhook_needs_a_secret() {
    let errors = parse_err(&file(&shop(
        "webhook = \"https://shop.example.com/hook\"\n",
    )));
    assert_eq!(
        keys_and_messages(&errors),
        vec![("clients[0].webhook", "a webhook needs the client's secret")]
    );
}

#[test]
fn a_sending_client_needs_a_secret() {
    let errors = parse_err(&format!(
        "{ACCOUNTS}[[clients]]\nid = \"s\"\naccounts = [\"demo\"]\nscopes = [\"send\"]\n"
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "clients[0].secret",
            "a client with the `send` scope needs a secret"
        )]
    );
    assert!(hint_of(&errors, "clients[0].secret").contains("HTTP Basic"));
}

#[test]
fn public_url_is_required_only_for_login() {
    // A sending client needs no public URL.
    parse_ok(&format!(
        "{ACCOUNTS}[[clients]]\nid = \"s\"\nsecret = \"{SECRET}\"\naccounts = [\"demo\"]\n\
         scopes = [\"send\"]\n"
    ));
    let errors = parse_err(&format!("{ACCOUNTS}{}", shop("")));
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "server.public_url",
            "missing required key: client `shop` has the `login` scope"
        )]
    );
    assert!(hint_of(&errors, "server.public_url").contains("public_url = \"https://"));
    // A public URL that is written but wrong is reported once, as wrong.
    assert_eq!(
        problems(&format!(
            "[server]\npublic_url = \"ftp://x\"\n{ACCOUNTS}{}",
            shop("")
        )),
        pairs(&[(
            "server.public_url",
            "`ftp://x` is not an absolute http(s) URL"
        )])
    );
}

#[test]
fn public_url_accepts_https_and_loopback_http() {
    for (written, kept) in [
        ("https://wx.example.com", "https://wx.example.com"),
        ("https://wx.example.com/", "https://wx.example.com"),
        (
            "https://wx.example.com:8443/gate/",
            "https://wx.example.com:8443/gate",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.8.9.10/", "http://127.8.9.10"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://localhost:8080/x", "http://localhost:8080/x"),
        ("https://10.0.0.1", "https://10.0.0.1"),
    ] {
        let config = parse_ok(&format!(
            "[server]\npublic_url = \"{written}\"\n{ACCOUNTS}{}",
            shop("")
        ));
        assert_eq!(config.server.public_url.as_deref(), Some(kept), "{written}");
    }
}

#[test]
fn public_url_refusals() {
    for (written, message) in [
        (
            "wx.example.com",
            "`wx.example.com` is not an absolute http(s) URL",
        ),
        ("/oidc", "`/oidc` is not an absolute http(s) URL"),
        (
            "ftp://wx.example.com",
            "`ftp://wx.example.com` is not an absolute http(s) URL",
        ),
        (
            "HTTPS://wx.example.com",
            "`HTTPS://wx.example.com` is not an absolute http(s) URL",
        ),
        ("https://", "`https://` is not a valid URL: empty host"),
        (
            "https://wx.example.com/?a=1",
            "`https://wx.example.com/?a=1` has a query (`?...`)",
        ),
        (
            "https://wx.example.com?",
            "`https://wx.example.com?` has a query (`?...`)",
        ),
        (
            "https://wx.example.com/#x",
            "`https://wx.example.com/#x` has a fragment (`#...`)",
        ),
        (
            "https://u:p@wx.example.com",
            "`https://u:p@wx.example.com` holds a user name or password",
        ),
        (
            "https://wx.example .com",
            "`https://wx.example .com` has a space at position 19",
        ),
        (
            "http://wx.example.com",
            "`http://wx.example.com` uses http with `wx.example.com`, which is not a loopback host",
        ),
        (
            "http://10.0.0.1:8080",
            "`http://10.0.0.1:8080` uses http with `10.0.0.1`, which is not a loopback host",
        ),
        (
            "http://[::ffff:127.0.0.1]/",
            "`http://[::ffff:127.0.0.1]/` uses http with `[::ffff:7f00:1]`, which is not a loopback host",
        ),
        (
            "http://localhost.example.com",
            "`http://localhost.example.com` uses http with `localhost.example.com`, which is not a loopback host",
        ),
    ] {
        let errors = parse_err(&format!("[server]\npublic_url = \"{written}\"\n{ACCOUNTS}"));
        assert_eq!(
            keys_and_messages(&errors),
            vec![("server.public_url", message)],
            "{written}"
        );
        assert!(
            hint_of(&errors, "server.public_url").contains("https://wx.example.com"),
            "{written}"
        );
    }
    let errors = parse_err(&format!("[server]\npublic_url = 5\n{ACCOUNTS}"));
    assert_eq!(
        keys_and_messages(&errors),
        vec![("server.public_url", "expected a string, found an integer")]
    );
}

#[test]
fn trusted_proxies_refusals() {
    let errors = parse_err(&format!(
        "[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.1/8\", \"localhost\", 7, \
         \"10.0.0.0/33\", \"fe80::1%eth0\", \"\"]\n{ACCOUNTS}"
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "server.trusted_proxies[1]",
                "`10.0.0.1/8` has address bits set past its /8 prefix"
            ),
            (
                "server.trusted_proxies[2]",
                "`localhost` is not an IP address or network"
            ),
            (
                "server.trusted_proxies[3]",
                "expected a string, found an integer"
            ),
            (
                "server.trusted_proxies[4]",
                "`10.0.0.0/33` is not an IP address or network"
            ),
            (
                "server.trusted_proxies[5]",
                "`fe80::1%eth0` is not an IP address or network"
            ),
            (
                "server.trusted_proxies[6]",
                "`` is not an IP address or network"
            ),
        ]
    );
    assert!(
        hint_of(&errors, "server.trusted_proxies[1]").starts_with("did you mean `10.0.0.0/8`?")
    );
    assert!(hint_of(&errors, "server.trusted_proxies[2]").contains("10.0.0.0/8"));
    let errors = parse_err(&format!(
        "[server]\ntrusted_proxies = \"127.0.0.1\"\n{ACCOUNTS}"
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "server.trusted_proxies",
            "expected an array, found a string"
        )]
    );
    assert_eq!(
        hint_of(&errors, "server.trusted_proxies"),
        "write a list in brackets: trusted_proxies = [\"...\", \"...\"]"
    );
}

#[test]
fn oauth_base_refusals() {
    let errors = parse_err(&ACCOUNTS.replace(
        "secret = \"app-secret-1\"\n",
        "secret = \"app-secret-1\"\noauth_base = \"open.weixin.qq.com\"\noauth_bas = \"x\"\n",
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "accounts[0].oauth_base",
                "`open.weixin.qq.com` is not an http(s) URL"
            ),
            ("accounts[0].oauth_bas", "unknown key"),
        ]
    );
    assert_eq!(
        hint_of(&errors, "accounts[0].oauth_bas"),
        "did you mean `oauth_base`?"
    );
}

#[test]
fn client_ids_are_checked_and_unique() {
    parse_ok(&file(
        &shop("").replace("\"shop\"", &format!("\"{}\"", "i".repeat(64))),
    ));
    let text = file(&format!(
        "{}{}{}{}{}",
        shop(""),
        shop(""),
        shop("").replace("\"shop\"", "\"a b\""),
        shop("").replace("\"shop\"", "\"\""),
        shop("").replace("\"shop\"", &format!("\"{}\"", "i".repeat(65))),
    ));
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("clients[1].id", "`shop` is already the id of clients[0]"),
            ("clients[2].id", "`a b` has a space at position 2"),
            ("clients[3].id", "must not be empty"),
            ("clients[4].id", "is 65 characters long, more than 64"),
        ]
    );
    assert!(hint_of(&errors, "clients[2].id").contains("client_id"));
    assert_eq!(
        problems(&file(
            "[[clients]]\naccounts = [\"demo\"]\nscopes = [\"login\"]\n\
             redirect_uris = [\"https://shop.example.com/cb\"]\n"
        )),
        pairs(&[("clients[0].id", "missing required key")])
    );
}

#[test]
fn client_secrets_are_16_printable_ascii_and_never_shown() {
    parse_ok(&file(&shop(&format!("secret = \"{}\"\n", "s".repeat(16)))));
    parse_ok(&file(&shop(
        "secret = \"!#$%&'()*+,-./:;<=>?@[]^_`{|}~0123\"\n",
    )));
    let secrets = [
        "short-secret-15",
        "",
        "sixteen chars ok",
        "sixteen-chars-\u{e9}\u{e9}",
        "sixteen-chars-\t!",
        "tab\tspace both x",
    ];
    let mut text = file("");
    for (i, secret) in secrets.iter().enumerate() {
        text.push_str(
            &shop(&format!("secret = {secret:?}\n"))
                .replace("id = \"shop\"", &format!("id = \"c{i}\"")),
        );
    }
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("clients[0].secret", "is 15 characters long, fewer than 16"),
            ("clients[1].secret", "is empty"),
            (
                "clients[2].secret",
                "has a space at position 8; only printable ASCII is allowed"
            ),
            (
                "clients[3].secret",
                "has a control or non-ASCII character at position 15; only printable ASCII is \
                 allowed"
            ),
            (
                "clients[4].secret",
                "has a tab at position 15; only printable ASCII is allowed"
            ),
            (
                "clients[5].secret",
                "has a tab at position 4; only printable ASCII is allowed"
            ),
        ]
    );
    assert!(hint_of(&errors, "clients[1].secret").contains("public client"));
    let shown = format!("{errors}\n{errors:?}");
    for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
        assert!(!shown.contains(secret), "{secret:?} leaked in {shown}");
    }
    assert!(!shown.contains('\u{e9}'), "a character of a secret leaked");
}

#[test]
fn debug_redacts_the_client_secret() {
    let config = parse_ok(&file(&shop(&format!("secret = \"{SECRET}\"\n"))));
    for shown in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{:?}", config.clients[0]),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("app-secret-1"), "{shown}");
    }
    assert_eq!(
        format!("{:?}", config.clients[0]),
        "ClientConfig { id: \"shop\", secret: Some(\"<redacted>\"), accounts: [\"demo\"], \
         redirect_uris: [\"https://shop.example.com/cb\"], scopes: [Login], webhook: None }"
    );
    let public = parse_ok(&file(&shop("")));
    assert!(format!("{:?}", public.clients[0]).contains("secret: None"));
}

#[test]
fn client_accounts_must_exist_and_have_a_secret_for_login() {
    let text = file(&format!(
        "{}{}{}{}{}",
        shop("").replace(
            "[\"demo\"]",
            "[\"demo\", \"demo1\", \"nosecret\", \"demo\"]"
        ),
        shop("")
            .replace("\"shop\"", "\"b\"")
            .replace("[\"demo\"]", "[]"),
        shop("")
            .replace("\"shop\"", "\"c\"")
            .replace("accounts = [\"demo\"]\n", ""),
        shop("")
            .replace("\"shop\"", "\"d\"")
            .replace("[\"demo\"]", "[\"demo\", 3]"),
        "[[clients]]\nid = \"e\"\nsecret = \"0123456789abcdef\"\naccounts = [\"nosecret\"]\n\
         scopes = [\"send\"]\n",
    ));
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "clients[0].accounts[3]",
                "`demo` is already listed at clients[0].accounts[0]"
            ),
            ("clients[0].accounts[1]", "no account is named `demo1`"),
            (
                "clients[0].accounts[2]",
                "account `nosecret` has no secret, which logging users in needs"
            ),
            ("clients[1].accounts", "must not be empty"),
            ("clients[2].accounts", "missing required key"),
            (
                "clients[3].accounts[1]",
                "expected a string, found an integer"
            ),
            (
                "clients[4].accounts[0]",
                "account `nosecret` has no secret, which sending messages needs"
            ),
        ]
    );
    assert_eq!(
        hint_of(&errors, "clients[0].accounts[1]"),
        "did you mean `demo`? the accounts are `demo`, `nosecret`"
    );
    assert!(hint_of(&errors, "clients[0].accounts[2]").contains("to accounts[1]"));
    assert!(hint_of(&errors, "clients[0].accounts[2]").contains("code exchange"));
    // An account whose own secret is wrong is reported there, not again at the client.
    let errors = parse_err(&file(&shop("")).replace("\"app-secret-1\"", "\"two words\""));
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "accounts[0].secret",
            "must be printable ASCII without spaces"
        )]
    );
    // An account whose name is wrong is reported there, and the client cannot find it.
    let errors = parse_err(&file(&shop("")).replace("name = \"demo\"", "name = \"de mo\""));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("accounts[0].name", "`de mo` has a space at position 3"),
            ("clients[0].accounts[0]", "no account is named `demo`"),
        ]
    );
}

#[test]
fn client_scopes_are_known_words_listed_once() {
    let text = file(&format!(
        "{}{}{}{}",
        shop("").replace(
            "[\"login\"]",
            "[\"login\", \"logn\", \"login\", \"openid\"]"
        ),
        shop("")
            .replace("\"shop\"", "\"b\"")
            .replace("[\"login\"]", "[]"),
        shop("")
            .replace("\"shop\"", "\"c\"")
            .replace("scopes = [\"login\"]\n", ""),
        shop("")
            .replace("\"shop\"", "\"d\"")
            .replace("[\"login\"]", "\"login\""),
    ));
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("clients[0].scopes[1]", "unknown scope `logn`"),
            ("clients[0].scopes[3]", "unknown scope `openid`"),
            (
                "clients[0].scopes[2]",
                "`login` is already listed at clients[0].scopes[0]"
            ),
            ("clients[1].scopes", "must not be empty"),
            ("clients[2].scopes", "missing required key"),
            ("clients[3].scopes", "expected an array, found a string"),
        ]
    );
    assert!(hint_of(&errors, "clients[0].scopes[1]").starts_with("did you mean `login`?"));
    assert!(hint_of(&errors, "clients[0].scopes[3]").starts_with("a scope is `login`, `send`"));
}

#[test]
fn login_clients_need_redirect_uris() {
    let text = file(&format!(
        "{}{}{}",
        shop("").replace("redirect_uris = [\"https://shop.example.com/cb\"]\n", ""),
        shop("")
            .replace("\"shop\"", "\"b\"")
            .replace("[\"https://shop.example.com/cb\"]", "[]"),
        // Written but wrong: reported once, as wrong.
        shop("")
            .replace("\"shop\"", "\"c\"")
            .replace("[\"https://shop.example.com/cb\"]", "[\"/cb\"]"),
    ));
    assert_eq!(
        problems(&text),
        pairs(&[
            (
                "clients[0].redirect_uris",
                "a client with the `login` scope needs at least one redirect URI"
            ),
            (
                "clients[1].redirect_uris",
                "a client with the `login` scope needs at least one redirect URI"
            ),
            (
                "clients[2].redirect_uris[0]",
                "`/cb` is not an absolute http(s) URL"
            ),
        ])
    );
}

#[test]
fn redirect_uris_are_absolute_https_without_fragment_and_unique() {
    let uris = [
        "https://shop.example.com/cb",
        "shop.example.com/cb",
        "https://shop.example.com/cb#top",
        "http://shop.example.com/cb",
        "com.example.app:/cb",
        "https://shop.example.com/cb",
        "https://user@shop.example.com/cb",
        "http://127.0.0.1:8000/cb",
        "http://[::1]/cb",
        "http://localhost/cb",
    ];
    let list = uris
        .iter()
        .map(|uri| format!("{uri:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let errors = parse_err(&file(&shop("").replace(
        "redirect_uris = [\"https://shop.example.com/cb\"]",
        &format!("redirect_uris = [{list}]"),
    )));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "clients[0].redirect_uris[1]",
                "`shop.example.com/cb` is not an absolute http(s) URL"
            ),
            (
                "clients[0].redirect_uris[2]",
                "`https://shop.example.com/cb#top` has a fragment (`#...`)"
            ),
            (
                "clients[0].redirect_uris[3]",
                "`http://shop.example.com/cb` uses http with `shop.example.com`, which is not a \
                 loopback host"
            ),
            (
                "clients[0].redirect_uris[4]",
                "`com.example.app:/cb` is not an absolute http(s) URL"
            ),
            (
                "clients[0].redirect_uris[6]",
                "`https://user@shop.example.com/cb` holds a user name or password"
            ),
            (
                "clients[0].redirect_uris[5]",
                "`https://shop.example.com/cb` is already listed at clients[0].redirect_uris[0]"
            ),
        ]
    );
    assert!(hint_of(&errors, "clients[0].redirect_uris[3]").starts_with("use https://"));
    assert!(hint_of(&errors, "clients[0].redirect_uris[2]").contains("matched exactly"));
    // Kept exactly as written: no trailing slash dropped, no normalizing.
    let config = parse_ok(&file(&shop("").replace(
        "\"https://shop.example.com/cb\"",
        "\"https://Shop.example.com/cb/\", \"https://shop.example.com/cb\"",
    )));
    assert_eq!(
        config.clients[0].redirect_uris,
        [
            "https://Shop.example.com/cb/",
            "https://shop.example.com/cb"
        ]
    );
}

#[test]
fn unknown_client_keys_are_reported() {
    let errors = parse_err(&file(&shop("redirect_uri = \"x\"\nscope = \"login\"\n")));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("clients[0].redirect_uri", "unknown key"),
            ("clients[0].scope", "unknown key"),
        ]
    );
    assert_eq!(
        hint_of(&errors, "clients[0].redirect_uri"),
        "did you mean `redirect_uris`?"
    );
    let errors = parse_err(&file("[clients]\nid = \"x\"\n"));
    assert_eq!(
        keys_and_messages(&errors),
        vec![("clients", "expected an array of tables, found a table")]
    );
}

#[test]
fn oidc_ranges() {
    for (key, value) in [
        ("token_ttl_secs", 60),
        ("token_ttl_secs", 86_400),
        ("authorize_per_minute", 0),
        ("authorize_per_minute", 1_000_000),
        ("token_per_minute", 0),
        ("token_per_minute", 1_000_000),
    ] {
        parse_ok(&file(&format!("[oidc]\n{key} = {value}\n")));
    }
    let errors = parse_err(&file(
        "[oidc]\ntoken_ttl_secs = 59\nauthorize_per_minute = 1000001\ntoken_per_minute = -1\n\
         ttl = 5\n",
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "oidc.token_ttl_secs",
                "must be between 60 and 86400, found 59"
            ),
            (
                "oidc.authorize_per_minute",
                "must be between 0 and 1000000, found 1000001"
            ),
            (
                "oidc.token_per_minute",
                "must be between 0 and 1000000, found -1"
            ),
            ("oidc.ttl", "unknown key"),
        ]
    );
    assert!(hint_of(&errors, "oidc.authorize_per_minute").contains("0 (no limit)"));
    assert_eq!(
        hint_of(&errors, "oidc.ttl"),
        "did you mean `token_ttl_secs`?"
    );
    let errors = parse_err(&file("[oidc]\ntoken_ttl_secs = 86401\n"));
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "oidc.token_ttl_secs",
            "must be between 60 and 86400, found 86401"
        )]
    );
    let errors = parse_err(&format!("oidc = 1\n{}", file("")));
    assert_eq!(
        keys_and_messages(&errors),
        vec![("oidc", "expected a table, found an integer")]
    );
}

#[test]
fn every_client_problem_is_reported_at_once() {
    let errors = parse_err(&format!(
        "[server]\ntrusted_proxies = [\"x\"]\n{ACCOUNTS}\
         [[clients]]\nid = \"a/b\"\nsecret = \"short\"\naccounts = [\"ghost\"]\n\
         redirect_uris = [\"https://x/#f\"]\nscopes = [\"login\", \"sned\"]\n\
         [oidc]\ntoken_ttl_secs = 1\n"
    ));
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "server.trusted_proxies[0]",
                "`x` is not an IP address or network"
            ),
            ("clients[0].id", "`a/b` has `/` at position 2"),
            ("clients[0].secret", "is 5 characters long, fewer than 16"),
            ("clients[0].scopes[1]", "unknown scope `sned`"),
            ("clients[0].accounts[0]", "no account is named `ghost`"),
            (
                "clients[0].redirect_uris[0]",
                "`https://x/#f` has a fragment (`#...`)"
            ),
            (
                "server.public_url",
                "missing required key: a client has the `login` scope"
            ),
            (
                "oidc.token_ttl_secs",
                "must be between 60 and 86400, found 1"
            ),
        ]
    );
    assert!(!errors.to_string().contains("short\""));
}

#[test]
fn scope_words() {
    for scope in ClientScope::ALL {
        assert_eq!(ClientScope::from_word(scope.as_str()), Some(scope));
        assert_eq!(scope.to_string(), scope.as_str());
    }
    assert_eq!(ClientScope::Login.as_str(), "login");
    assert_eq!(ClientScope::Send.as_str(), "send");
    assert_eq!(ClientScope::from_word("Login"), None);
}

#[test]
fn a_login_client_cannot_name_a_mini_program() {
    let text =
        file(&shop("")).replace("name = \"demo\"", "name = \"demo\"\nkind = \"miniprogram\"");
    let text = format!(
        "{text}\n[sessions]\nkey = \"{}\"\n",
        crate::config::PLACEHOLDER_SESSIONS_KEY
    );
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "clients[0].accounts[0]",
            "account `demo` is a mini program, which has no web login"
        )]
    );
    // The send scope may name one.
    parse_ok(&text.replace(
        "scopes = [\"login\"]",
        "scopes = [\"send\"]\nsecret = \"0123456789abcdef\"",
    ));
}

#[test]
fn written_accounts_read_names_and_secrets_as_written() {
    let doc = match "accounts = [{ name = \"a\", secret = \"\" }, 5, { name = 3 }]".parse::<Table>()
    {
        Ok(doc) => doc,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        written_accounts(&doc),
        vec![
            WrittenAccount {
                path: "accounts[0]".into(),
                name: Some("a"),
                has_secret: true,
                is_miniprogram: false,
            },
            WrittenAccount {
                path: "accounts[2]".into(),
                name: None,
                has_secret: false,
                is_miniprogram: false,
            },
        ]
    );
    assert_eq!(written_accounts(&Table::new()), vec![]);
}
