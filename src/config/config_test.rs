//! Whole-file tests: what a user writes, what comes back.

use std::net::SocketAddr;

use wxgate_handlers::RuleAction;
use wxgate_handlers::reply::{Article, Reply};

use super::*;

#[path = "send_test.rs"]
mod send;
#[path = "services_test.rs"]
mod services;
#[path = "shared_test.rs"]
mod shared;

const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

pub(super) fn parse_ok(text: &str) -> Config {
    match Config::parse(text, "config.toml") {
        Ok(config) => config,
        Err(errors) => panic!("expected a valid config, got:\n{errors}"),
    }
}

pub(super) fn parse_err(text: &str) -> ConfigErrors {
    match Config::parse(text, "config.toml") {
        Ok(config) => panic!("expected problems, got {config:?}"),
        Err(errors) => errors,
    }
}

pub(super) fn keys_and_messages(errors: &ConfigErrors) -> Vec<(&str, &str)> {
    errors
        .problems
        .iter()
        .map(|p| (p.key.as_str(), p.message.as_str()))
        .collect()
}

pub(super) fn hint_of<'e>(errors: &'e ConfigErrors, key: &str) -> &'e str {
    match errors.problems.iter().find(|p| p.key == key) {
        Some(problem) => &problem.hint,
        None => panic!("no problem at {key} in:\n{errors}"),
    }
}

fn addr(text: &str) -> SocketAddr {
    match text.parse() {
        Ok(addr) => addr,
        Err(e) => panic!("bad test address {text}: {e}"),
    }
}

fn rule(
    keyword: Option<&str>,
    regex: Option<&str>,
    event: Option<&str>,
    key: Option<&str>,
    reply: Reply,
) -> RuleConfig {
    RuleConfig {
        keyword: keyword.map(str::to_owned),
        regex: regex.map(str::to_owned),
        event: event.map(str::to_owned),
        event_key: key.map(str::to_owned),
        msg_type: None,
        action: RuleAction::Reply(reply),
    }
}

/// The documented example, with a key of the right shape.
const EXAMPLE: &str = r#"
[server]
listen = "127.0.0.1:8080"     # SocketAddr
max_body_bytes = 65536        # larger POST body -> 413
handler_timeout_ms = 4500     # past it: answer "success"; the handler keeps running
max_clock_skew_secs = 300     # 0 disables the check

[dedup]
ttl_secs = 60
capacity = 1000000

[[accounts]]
name = "demo"                 # callback URL /wx/demo
appid = "wx1234567890abcdef"
token = "callback-token"
encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
mode = "plain"                # "plain" | "compatible" | "safe"

  [[accounts.rules]]          # built-in auto-reply plugin; first match wins
  keyword = "hello"
  reply = { text = "world" }
  [[accounts.rules]]
  regex = "^echo (.*)$"
  reply = { text = "$1" }
  [[accounts.rules]]
  event = "subscribe"
  reply = { text = "welcome" }
  [[accounts.rules]]
  event = "click"
  event_key = "MENU_NEWS"
  reply = { news = [ { title = "t", description = "d", pic_url = "https://x/p.png", url = "https://x" } ] }
"#;

#[test]
fn example_parses_into_expected_values() {
    let config = parse_ok(EXAMPLE);
    let expected = Config {
        server: ServerConfig {
            listen: addr("127.0.0.1:8080"),
            max_body_bytes: 65536,
            handler_timeout_ms: 4500,
            max_clock_skew_secs: 300,
            upstream_timeout_ms: 30_000,
            header_timeout_ms: 5_000,
            body_timeout_ms: 10_000,
            max_connections: 25_000,
            backlog: 1_024,
            public_url: None,
            trusted_proxies: Vec::new(),
        },
        dedup: DedupConfig {
            ttl_secs: 60,
            capacity: 1_000_000,
            backend: Backend::Memory,
        },
        tokens: TokensConfig::default(),
        redis: None,
        admin: AdminConfig::default(),
        storage: StorageConfig::default(),
        accounts: vec![AccountConfig {
            name: "demo".into(),
            appid: "wx1234567890abcdef".into(),
            token: "callback-token".into(),
            encoding_aes_key: Some(AES_KEY.parse().expect("valid key")),
            mode: Mode::Plain,
            secret: None,
            api_base: DEFAULT_API_BASE.into(),
            oauth_base: DEFAULT_OAUTH_BASE.into(),
            token_source: TokenSource::StableToken,
            rules: vec![
                rule(Some("hello"), None, None, None, Reply::Text("world".into())),
                rule(
                    None,
                    Some("^echo (.*)$"),
                    None,
                    None,
                    Reply::Text("$1".into()),
                ),
                rule(
                    None,
                    None,
                    Some("subscribe"),
                    None,
                    Reply::Text("welcome".into()),
                ),
                rule(
                    None,
                    None,
                    Some("click"),
                    Some("MENU_NEWS"),
                    Reply::News(vec![Article {
                        title: "t".into(),
                        description: "d".into(),
                        pic_url: "https://x/p.png".into(),
                        url: "https://x".into(),
                    }]),
                ),
            ],
            kind: AccountKind::Official,
            js_domains: Vec::new(),
            send_rate: 20,
            send_max_attempts: 8,
        }],
        clients: Vec::new(),
        oidc: OidcConfig::default(),
        sessions: SessionsConfig::default(),
    };
    assert_eq!(config, expected);
    assert_eq!(config.account("demo").map(|a| a.rules.len()), Some(4));
    assert!(config.account("other").is_none());
}

#[test]
fn placeholder_secrets_are_refused() {
    // "..." is no EncodingAESKey, and a token with a space is not what the console accepts.
    let text = EXAMPLE
        .replace("\"callback-token\"", "\"callback token\"")
        .replace(AES_KEY, "...");
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "accounts[0].token",
                "has a space at position 9, not a printable ASCII character"
            ),
            (
                "accounts[0].encoding_aes_key",
                "is 3 characters long, not 43"
            ),
        ]
    );
}

#[test]
fn minimal_plain_config_gets_every_default() {
    let config = parse_ok(
        "[[accounts]]\nname = \"demo\"\nappid = \"wx1234567890abcdef\"\ntoken = \"demotoken\"\n",
    );
    assert_eq!(config.server, ServerConfig::default());
    assert_eq!(config.dedup, DedupConfig::default());
    assert_eq!(config.server.listen, addr("127.0.0.1:8080"));
    assert_eq!(config.server.max_body_bytes, 65536);
    assert_eq!(config.server.handler_timeout_ms, 4500);
    assert_eq!(config.server.max_clock_skew_secs, 300);
    assert_eq!(config.server.header_timeout_ms, 5000);
    assert_eq!(config.server.body_timeout_ms, 10_000);
    assert_eq!(config.server.max_connections, 25_000);
    assert_eq!(config.server.backlog, 1024);
    assert_eq!(
        config.dedup,
        DedupConfig {
            ttl_secs: 60,
            capacity: 1_000_000,
            backend: Backend::Memory,
        }
    );
    assert_eq!(config.server.public_url, None);
    assert!(config.server.trusted_proxies.is_empty());
    let account = &config.accounts[0];
    assert_eq!(account.mode, Mode::Plain);
    assert_eq!(account.encoding_aes_key, None);
    assert_eq!(account.oauth_base, "https://open.weixin.qq.com");
    assert!(account.rules.is_empty());
    assert!(config.clients.is_empty());
    assert_eq!(
        config.oidc,
        OidcConfig {
            token_ttl_secs: 3600,
            authorize_per_minute: 600,
            token_per_minute: 6000,
        }
    );
}

/// The repo's sample config.toml.
const SAMPLE: &str = include_str!("../../config.toml");

#[test]
fn the_sample_config_parses_without_clients() {
    let config = parse_ok(SAMPLE);
    assert!(config.clients.is_empty());
    assert_eq!(config.server.public_url, None);
    assert!(config.server.trusted_proxies.is_empty());
    assert_eq!(config.oidc, OidcConfig::default());
    assert_eq!(config.accounts[0].oauth_base, DEFAULT_OAUTH_BASE);
    assert_eq!(config.accounts[0].kind, AccountKind::Official);
    assert!(config.accounts[0].js_domains.is_empty());
    assert!(config.sessions.key_is_placeholder());
    assert!(SAMPLE.contains(&format!("key = \"{PLACEHOLDER_SESSIONS_KEY}\"")));
    assert!(SAMPLE.contains("openssl rand -base64 32"));
    assert_eq!(
        config.sessions,
        SessionsConfig {
            key: config.sessions.key,
            ..SessionsConfig::default()
        }
    );
}

#[test]
fn the_sample_configs_commented_login_example_parses() {
    // Uncommenting the login lines of the sample (and the account's secret) gives a gateway
    // that logs users in.
    let keys = [
        "public_url",
        "trusted_proxies",
        "secret",
        "oauth_base",
        "[[clients]]",
        "id",
        "accounts",
        "redirect_uris",
        "scopes",
        "[oidc]",
        "token_ttl_secs",
        "authorize_per_minute",
        "token_per_minute",
    ];
    let mut uncommented = 0;
    let text: String = SAMPLE
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
                    format!("{rest}\n")
                }
                None => format!("{line}\n"),
            }
        })
        .collect();
    // `secret` twice: the account's and the client's.
    assert_eq!(uncommented, keys.len() + 1, "{text}");
    let config = parse_ok(&text);
    assert_eq!(
        config.server.public_url.as_deref(),
        Some("https://wx.example.com")
    );
    assert_eq!(config.server.trusted_proxies.len(), 1);
    assert_eq!(config.clients.len(), 1);
    assert!(config.clients[0].has_scope(ClientScope::Login));
    assert!(config.clients[0].secret.is_some());
    assert_eq!(config.oidc, OidcConfig::default());
}

#[test]
fn keys_missing_from_a_section_take_their_defaults() {
    let config = parse_ok(
        "[server]\nmax_clock_skew_secs = 0\n[dedup]\n\
         [[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"abc\"\n\
         mode = \"safe\"\nencoding_aes_key = \"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\"\n",
    );
    assert_eq!(config.server.max_clock_skew_secs, 0);
    assert_eq!(config.server.max_body_bytes, 65536);
    assert_eq!(config.dedup, DedupConfig::default());
    assert_eq!(config.accounts[0].mode, Mode::Safe);
}

const MANY_PROBLEMS: &str = r#"
[server]
max_body_byte = 1000
handler_timeout_ms = "4500"

[[accounts]]
name = "demo"
appid = "wx1234567890abcdef"
token = "SecretToken1"
mode = "secure"

[[accounts]]
name = "demo"
appid = "wxabcdef"
token = "OtherToken2"
mode = "safe"

  [[accounts.rules]]
  regex = "^echo (.*$"
  reply = { text = "$1" }

  [[accounts.rules]]
  keyword = "news"
  reply = { news = [
    { title = "1" }, { title = "2" }, { title = "3" }, { title = "4" }, { title = "5" },
    { title = "6" }, { title = "7" }, { title = "8" }, { title = "9" },
  ] }
"#;

#[test]
fn every_problem_is_reported_at_once() {
    let errors = parse_err(MANY_PROBLEMS);
    assert_eq!(errors.file, "config.toml");
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            (
                "server.handler_timeout_ms",
                "expected an integer, found a string"
            ),
            ("server.max_body_byte", "unknown key"),
            ("accounts[0].mode", "unknown mode `secure`"),
            (
                "accounts[1].name",
                "`demo` is already the name of accounts[0]"
            ),
            (
                "accounts[1].encoding_aes_key",
                "missing required key when mode = \"safe\""
            ),
            (
                "accounts[1].rules[0].regex",
                "does not compile: unclosed group at character 7"
            ),
            (
                "accounts[1].rules[1].reply.news",
                "holds 9 articles, more than WeChat's 8"
            ),
        ]
    );
    assert_eq!(
        hint_of(&errors, "server.max_body_byte"),
        "did you mean `max_body_bytes`?"
    );
    assert_eq!(
        hint_of(&errors, "server.handler_timeout_ms"),
        "write a whole number without quotes; milliseconds from 1 to 60000; WeChat waits 5000 ms \
         for an answer, so stay below that, e.g. 4500"
    );
    assert_eq!(
        hint_of(&errors, "accounts[0].mode"),
        "mode is one of `plain`, `compatible`, `safe`"
    );
    assert!(hint_of(&errors, "accounts[1].name").contains("/wx/{name}"));
    assert!(hint_of(&errors, "accounts[1].encoding_aes_key").contains("43 characters"));
    assert!(hint_of(&errors, "accounts[1].rules[0].regex").contains("docs.rs/regex"));
    assert!(hint_of(&errors, "accounts[1].rules[1].reply.news").contains("1 to 8 articles"));

    let shown = errors.to_string();
    assert_eq!(shown.lines().count(), errors.problems.len());
    for problem in &errors.problems {
        let line = format!(
            "config.toml: {}: {} ({})",
            problem.key, problem.message, problem.hint
        );
        assert!(
            shown.lines().any(|l| l == line),
            "missing line {line:?} in:\n{shown}"
        );
    }
    for secret in ["SecretToken1", "OtherToken2"] {
        assert!(!shown.contains(secret) && !format!("{errors:?}").contains(secret));
    }
}

#[test]
fn unknown_keys_anywhere_are_reported_with_suggestions() {
    let errors = parse_err(
        "servr = {}\n[dedup]\nttl = 5\ncapacity = 0\n\
         [[accounts]]\nnam = \"a\"\nappid = \"wx1\"\ntoken = \"abc\"\nmod = \"plain\"\n\
         [[accounts.rules]]\nkeywrd = \"x\"\nreply = { text = \"y\" }\nwebhook = \"z\"\n",
    );
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("dedup.capacity", "must be at least 1, found 0"),
            ("dedup.ttl", "unknown key"),
            ("accounts[0].name", "missing required key"),
            ("accounts[0].rules[0].keywrd", "unknown key"),
            ("accounts[0].rules[0].webhook", "unknown key"),
            ("accounts[0].mod", "unknown key"),
            ("accounts[0].nam", "unknown key"),
            ("servr", "unknown key"),
        ]
    );
    assert_eq!(hint_of(&errors, "dedup.ttl"), "did you mean `ttl_secs`?");
    assert_eq!(hint_of(&errors, "accounts[0].nam"), "did you mean `name`?");
    assert_eq!(hint_of(&errors, "accounts[0].mod"), "did you mean `mode`?");
    assert_eq!(
        hint_of(&errors, "accounts[0].rules[0].keywrd"),
        "did you mean `keyword`?"
    );
    assert_eq!(
        hint_of(&errors, "accounts[0].rules[0].webhook"),
        "the keys allowed here are `keyword`, `regex`, `event`, `event_key`, `msg_type`, `reply`, `forward`"
    );
    assert_eq!(hint_of(&errors, "servr"), "did you mean `server`?");
}

#[test]
fn ranges_and_addresses_are_checked() {
    let errors = parse_err(
        "[server]\nlisten = \"localhost:8080\"\nmax_body_bytes = 0\n\
         handler_timeout_ms = 60001\nmax_clock_skew_secs = -1\n\
         [dedup]\nttl_secs = 0\ncapacity = 1.5\n\
         [[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"abc\"\n",
    );
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("server.listen", "`localhost:8080` is not a socket address"),
            (
                "server.max_body_bytes",
                "must be between 1 and 67108864, found 0"
            ),
            (
                "server.handler_timeout_ms",
                "must be between 1 and 60000, found 60001"
            ),
            (
                "server.max_clock_skew_secs",
                "must not be negative, found -1"
            ),
            ("dedup.ttl_secs", "must be between 1 and 86400, found 0"),
            ("dedup.capacity", "expected an integer, found a float"),
        ]
    );
    assert!(hint_of(&errors, "server.listen").contains("127.0.0.1:8080"));
    assert!(hint_of(&errors, "server.handler_timeout_ms").contains("5000 ms"));
}

#[test]
fn accounts_are_required_and_must_be_tables() {
    let errors = parse_err("");
    assert_eq!(
        keys_and_messages(&errors),
        vec![("accounts", "no accounts configured")]
    );
    let errors = parse_err("accounts = []\n");
    assert_eq!(
        keys_and_messages(&errors),
        vec![("accounts", "no accounts configured")]
    );
    let errors = parse_err("[accounts]\nname = \"a\"\n");
    assert_eq!(
        keys_and_messages(&errors),
        vec![("accounts", "expected an array of tables, found a table")]
    );
    assert_eq!(
        hint_of(&errors, "accounts"),
        "write each entry as a [[accounts]] section"
    );
    let errors = parse_err("server = 5\n[[accounts]]\n");
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("server", "expected a table, found an integer"),
            ("accounts[0].name", "missing required key"),
            ("accounts[0].appid", "missing required key"),
            ("accounts[0].token", "missing required key"),
        ]
    );
}

#[test]
fn account_fields_are_checked() {
    let errors = parse_err(
        "[[accounts]]\nname = \"de mo\"\nappid = \"\"\ntoken = \"ab\"\nmode = \"compatible\"\n\
         [[accounts]]\nname = \"b\"\nappid = \"wx-1\"\ntoken = \"abcd\"\nmode = \"Safe\"\n\
         encoding_aes_key = \"short\"\nrules = { keyword = \"x\" }\n",
    );
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("accounts[0].name", "`de mo` has a space at position 3"),
            ("accounts[0].appid", "must not be empty"),
            ("accounts[0].token", "is 2 characters long, not 3 to 32"),
            (
                "accounts[0].encoding_aes_key",
                "missing required key when mode = \"compatible\""
            ),
            ("accounts[1].appid", "`wx-1` has `-` at position 3"),
            (
                "accounts[1].encoding_aes_key",
                "is 5 characters long, not 43"
            ),
            ("accounts[1].mode", "unknown mode `Safe`"),
            (
                "accounts[1].rules",
                "expected an array of tables, found a table"
            ),
        ]
    );
    assert_eq!(
        hint_of(&errors, "accounts[1].mode"),
        "did you mean `safe`? mode is one of `plain`, `compatible`, `safe`"
    );
    assert_eq!(
        hint_of(&errors, "accounts[1].rules"),
        "write each entry as a [[accounts.rules]] section"
    );
}

#[test]
fn syntax_errors_are_one_problem_with_a_location() {
    let errors = parse_err("[server]\nlisten = \"127.0.0.1:8080\"\nmax_body_bytes = = 5\n");
    assert_eq!(errors.problems.len(), 1);
    let problem = &errors.problems[0];
    assert_eq!(problem.key, "");
    assert!(
        problem
            .message
            .starts_with("TOML syntax error at line 3, column 18: "),
        "{}",
        problem.message
    );
    assert!(problem.hint.contains("toml.io"));
    assert_eq!(errors.to_string().lines().count(), 1);

    let errors = parse_err("[server]\nlisten = \"a\"\n[server]\n");
    assert_eq!(
        keys_and_messages(&errors),
        vec![(
            "",
            "TOML syntax error at line 3, column 2: duplicate key `server`"
        )]
    );
}

#[test]
fn secrets_never_reach_output() {
    let token = "Sec ret Token 42";
    let key = "SuperSecretEncodingAesKeyValue0123456789abcde=";
    let text = format!(
        "[[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"{token}\"\n\
         encoding_aes_key = \"{key}\"\nmode = \"safe\"\n"
    );
    let errors = parse_err(&text);
    assert_eq!(errors.problems.len(), 2, "{errors}");
    let broken = parse_err(&format!("[[accounts]]\ntoken = {token}\n"));
    let unterminated = parse_err(&format!("[[accounts]]\ntoken = \"{token}\n"));

    let valid_token = "ValidSecretToken7";
    let config = parse_ok(&format!(
        "[[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"{valid_token}\"\n\
         encoding_aes_key = \"{AES_KEY}\"\nmode = \"safe\"\n"
    ));
    assert_eq!(config.accounts[0].token, valid_token);

    let outputs = [
        errors.to_string(),
        format!("{errors:?}"),
        broken.to_string(),
        format!("{broken:?}"),
        unterminated.to_string(),
        format!("{unterminated:?}"),
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{:?}", config.accounts[0]),
    ];
    for output in &outputs {
        for secret in [token, "Sec ret", key, "SuperSecret", valid_token, AES_KEY] {
            assert!(!output.contains(secret), "{secret:?} leaked in {output}");
        }
    }
    assert!(format!("{:?}", config.accounts[0]).contains("token: \"<redacted>\""));
    assert!(format!("{:?}", config.accounts[0]).contains("encoding_aes_key: Some(\"<redacted>\")"));
}

#[test]
fn load_reads_the_file_or_reports_one_problem() {
    let missing = std::env::temp_dir().join("wxgate-config-test-does-not-exist/config.toml");
    let errors = match Config::load(&missing) {
        Ok(config) => panic!("loaded {config:?}"),
        Err(errors) => errors,
    };
    assert_eq!(errors.file, missing.display().to_string());
    assert_eq!(errors.problems.len(), 1);
    assert!(
        errors.problems[0]
            .message
            .starts_with("cannot read the config file: ")
    );

    let path = std::env::temp_dir().join(format!("wxgate-config-test-{}.toml", std::process::id()));
    if let Err(e) = std::fs::write(&path, EXAMPLE) {
        panic!("cannot write {}: {e}", path.display());
    }
    let loaded = Config::load(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(loaded, Ok(parse_ok(EXAMPLE)));
}

#[test]
fn mode_words() {
    assert_eq!(Mode::default(), Mode::Plain);
    for mode in Mode::ALL {
        assert_eq!(Mode::from_word(&mode.to_string()), Some(mode));
    }
    assert_eq!(Mode::Compatible.to_string(), "compatible");
    assert_eq!(Mode::from_word("SAFE"), None);
    assert!(Mode::Safe.needs_key() && Mode::Compatible.needs_key() && !Mode::Plain.needs_key());
}

#[test]
fn never_panics_on_truncated_or_mangled_input() {
    let texts = [EXAMPLE, MANY_PROBLEMS];
    for text in texts {
        for (end, _) in text.char_indices() {
            let _ = Config::parse(&text[..end], "config.toml");
        }
        for (start, _) in text.char_indices().step_by(7) {
            let _ = Config::parse(&text[start..], "config.toml");
        }
    }
    for weird in [
        "[[accounts]]\nname = \"\u{0}\"\n",
        "[[accounts]]\n[[accounts.rules]]\nregex = \"(\"\nreply = { text = \"$\" }\n",
        "[[accounts]]\n[[accounts.rules]]\nregex = \"(a)\"\nreply = { text = \"${\" }\n",
        "[[accounts]]\n[[accounts.rules]]\nregex = \"(a)\"\nreply = { text = \"${}$99999999999999999999999\" }\n",
        "[[accounts]]\n[[accounts.rules]]\nreply = \"text\"\n",
        "[[accounts]]\n[[accounts.rules]]\nreply = 5\n",
        "[[accounts]]\nrules = [1, \"x\", []]\n",
        "accounts = [[]]\n",
        "[server]\nmax_body_bytes = 9223372036854775807\n",
        "\u{feff}[[accounts]]\n",
    ] {
        let _ = Config::parse(weird, "config.toml");
    }
}
