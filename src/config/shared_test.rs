//! `[redis]`, `[dedup] backend`, `[tokens]`: the settings of state shared by several instances.

use super::*;

const ACCOUNT: &str = "[[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"tok\"\n";

fn parse(text: &str) -> Result<Config, ConfigErrors> {
    Config::parse(&format!("{text}\n{ACCOUNT}"), "config.toml")
}

fn problems(text: &str) -> Vec<(String, String)> {
    match parse(text) {
        Ok(config) => panic!("expected problems, got {config:?}"),
        Err(errors) => errors
            .problems
            .into_iter()
            .map(|p| (p.key, p.message))
            .collect(),
    }
}

#[test]
fn memory_is_the_default_and_redis_is_optional() {
    let config = parse("").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.dedup.backend, Backend::Memory);
    assert_eq!(config.tokens.backend, Backend::Memory);
    assert_eq!(config.redis, None);
}

#[test]
fn a_full_redis_setup_parses() {
    let config = parse(
        "[redis]\nurl = \"redis://:s3cret@10.0.0.5:6380/2\"\nkey_prefix = \"prod:\"\ntimeout_ms = 100\n\
         [dedup]\nbackend = \"redis\"\n[tokens]\nbackend = \"redis\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.dedup.backend, Backend::Redis);
    assert_eq!(config.tokens.backend, Backend::Redis);
    assert_eq!(
        config.redis,
        Some(RedisConfig {
            url: "redis://:s3cret@10.0.0.5:6380/2".into(),
            key_prefix: "prod:".into(),
            timeout_ms: 100,
        })
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(
        shown.contains("redis://:<redacted>@10.0.0.5:6380/2"),
        "{shown}"
    );
}

#[test]
fn redis_section_defaults() {
    let config = parse("[redis]\nurl = \"redis://127.0.0.1\"\n").unwrap_or_else(|e| panic!("{e}"));
    let redis = config.redis.unwrap_or_else(|| panic!("[redis] parsed"));
    assert_eq!(redis.key_prefix, "wxgate:");
    assert_eq!(redis.timeout_ms, 250);
    // Unused but valid: no backend asks for it.
    assert_eq!(config.dedup.backend, Backend::Memory);
}

#[test]
fn a_redis_backend_needs_a_redis_section() {
    assert_eq!(
        problems("[dedup]\nbackend = \"redis\"\n[tokens]\nbackend = \"redis\"\n"),
        vec![
            (
                "dedup.backend".to_owned(),
                "backend = \"redis\" needs a [redis] section".to_owned()
            ),
            (
                "tokens.backend".to_owned(),
                "backend = \"redis\" needs a [redis] section".to_owned()
            ),
        ]
    );
}

#[test]
fn bad_values_are_reported_without_the_password() {
    let found = problems(
        "[redis]\nurl = \"http://:hunter2@h\"\ntimeout_ms = 0\nkey_prefix = \"a b\"\nport = 1\n\
         [dedup]\nbackend = \"disk\"\n[tokens]\nbackend = 3\n",
    );
    let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    for key in [
        "redis.url",
        "redis.timeout_ms",
        "redis.key_prefix",
        "redis.port",
        "dedup.backend",
        "tokens.backend",
    ] {
        assert!(keys.contains(&key), "no problem at {key}: {found:?}");
    }
    assert!(!format!("{found:?}").contains("hunter2"));
    assert_eq!(
        problems("[redis]\nkey_prefix = \"x:\"\n"),
        vec![("redis.url".to_owned(), "missing required key".to_owned())]
    );
    let bad_url = problems("[redis]\nurl = \"redis://:pw@[::1\"\n");
    assert_eq!(bad_url.len(), 1, "{bad_url:?}");
    assert!(!format!("{bad_url:?}").contains("pw@"), "{bad_url:?}");
}

#[test]
fn passwords_are_redacted() {
    for (url, shown) in [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:pw@h/0", "redis://:<redacted>@h/0"),
        ("redis://user:pw@h", "redis://user:<redacted>@h"),
        ("redis://user@h", "redis://user:<redacted>@h"),
        ("redis://h/a@b", "redis://h/a@b"),
        ("not a url", "not a url"),
    ] {
        assert_eq!(redact_url_password(url), shown, "{url}");
    }
}
