//! The schema of config.toml: which keys each section takes, their types, and their checks.
//!
//! A new key is one line in its section's function: ask the [`Section`] for it with its type
//! (`string_with`, `uint`, `table`, `tables`) and its check.

use std::collections::HashMap;
use std::net::SocketAddr;

use toml::{Table, Value};

use super::error::Problem;
use super::rules;
use super::walk::{Bad, Problems, Section, closest, describe_char, list, quote};
use super::{
    AccountConfig, AdminConfig, Backend, Config, DEFAULT_API_BASE, DedupConfig, Mode, RedisConfig,
    ServerConfig, StorageConfig, TokenSource, TokensConfig,
};
use crate::crypto::{AesKey, ENCODING_AES_KEY_LEN, KeyError};

/// Largest `server.max_body_bytes`: 64 MiB.
const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// Largest `server.handler_timeout_ms`.
const MAX_HANDLER_TIMEOUT_MS: u64 = 60_000;
/// Largest `dedup.ttl_secs`: a day (WeChat's retries all come within about 15 s).
const MAX_DEDUP_TTL_SECS: u64 = 86_400;
/// Largest `server.upstream_timeout_ms`: ten minutes.
const MAX_UPSTREAM_TIMEOUT_MS: u64 = 600_000;
/// Largest `redis.timeout_ms`: past a few seconds the fallback would come too late anyway.
const MAX_REDIS_TIMEOUT_MS: u64 = 5_000;
/// Default `redis.timeout_ms`.
const DEFAULT_REDIS_TIMEOUT_MS: u64 = 250;
/// Default `redis.key_prefix`.
const DEFAULT_KEY_PREFIX: &str = "wxgate:";
/// Shortest `server.header_timeout_ms` and `server.body_timeout_ms`.
const MIN_CLIENT_TIMEOUT_MS: u64 = 100;
/// Largest `server.header_timeout_ms`: five minutes.
const MAX_HEADER_TIMEOUT_MS: u64 = 300_000;
/// Largest `server.body_timeout_ms`: ten minutes.
const MAX_BODY_TIMEOUT_MS: u64 = 600_000;
/// Largest `server.max_connections`.
const MAX_CONNECTIONS: u64 = 1_000_000;
/// Largest `server.backlog` (Linux caps it at `net.core.somaxconn` anyway).
const MAX_BACKLOG: u64 = 65_535;
/// Length of an EncodingAESKey.
const AES_KEY_LEN: usize = ENCODING_AES_KEY_LEN;
/// Longest account name.
const MAX_NAME_LEN: usize = 64;
/// Shortest and longest callback Token.
const TOKEN_LEN: std::ops::RangeInclusive<usize> = 3..=32;

/// Parses and checks a whole file: the config, or every problem found.
pub(super) fn parse(text: &str) -> Result<Config, Vec<Problem>> {
    let doc = match text.parse::<Table>() {
        Ok(doc) => doc,
        Err(e) => return Err(vec![syntax_problem(text, &e)]),
    };
    let mut problems = Problems::default();
    let config = document(&doc, &mut problems);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems.into_vec())
    }
}

fn document(doc: &Table, p: &mut Problems) -> Config {
    let mut root = Section::root(doc);
    let server = root
        .table("server", p)
        .map(|s| server(s, p))
        .unwrap_or_default();
    let dedup = root
        .table("dedup", p)
        .map(|s| dedup(s, p))
        .unwrap_or_default();
    let tokens = root
        .table("tokens", p)
        .map(|s| tokens(s, p))
        .unwrap_or_default();
    let redis = root.table("redis", p).map(|s| redis(s, p));
    for (section, backend) in [("dedup", dedup.backend), ("tokens", tokens.backend)] {
        if backend == Backend::Redis && redis.is_none() && !root.contains("redis") {
            p.add(
                format!("{section}.backend"),
                "backend = \"redis\" needs a [redis] section",
                "add [redis] with url = \"redis://127.0.0.1:6379/0\", or use backend = \"memory\"",
            );
        }
    }
    let admin = root
        .table("admin", p)
        .map(|s| admin(s, p))
        .unwrap_or_default();
    let storage = root
        .table("storage", p)
        .map(|s| storage(s, p))
        .unwrap_or_default();
    let accounts = accounts(&mut root, p);
    root.finish(p);
    Config {
        server,
        dedup,
        tokens,
        redis,
        admin,
        storage,
        accounts,
    }
}

fn server(mut s: Section<'_>, p: &mut Problems) -> ServerConfig {
    const BODY: &str =
        "a size in bytes from 1 to 67108864 (64 MiB); callbacks are a few KB, 65536 is plenty";
    const TIMEOUT: &str = "milliseconds from 1 to 60000; WeChat waits 5000 ms for an answer, \
                           so stay below that, e.g. 4500";
    const SKEW: &str = "seconds, 0 to disable the check; 300 is usual";
    const UPSTREAM: &str = "milliseconds from 1 to 600000 an upstream bot may take; answers after \
                            the callback deadline go out through the customer-service API";
    const HEADER: &str = "milliseconds from 100 to 300000 a client may take to send a request's \
                          headers; 5000 is plenty for WeChat, which sends them at once";
    const BODY_TIME: &str = "milliseconds from 100 to 600000 a client may take to send a \
                             request's body; 10000 is plenty for a few KB";
    const CONNECTIONS: &str = "how many connections to serve at once in total, from 1 to \
                               1000000; keep it below the process's open-file limit (ulimit -n)";
    const BACKLOG: &str = "how many new connections may wait to be accepted, from 1 to 65535; \
                           the kernel caps it at net.core.somaxconn";
    let d = ServerConfig::default();
    let config = ServerConfig {
        listen: s.string_with("listen", p, check_listen).unwrap_or(d.listen),
        max_body_bytes: s
            .uint("max_body_bytes", p, 1..=MAX_BODY_BYTES, BODY)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(d.max_body_bytes),
        handler_timeout_ms: s
            .uint("handler_timeout_ms", p, 1..=MAX_HANDLER_TIMEOUT_MS, TIMEOUT)
            .unwrap_or(d.handler_timeout_ms),
        max_clock_skew_secs: s
            .uint("max_clock_skew_secs", p, 0..=u64::MAX, SKEW)
            .unwrap_or(d.max_clock_skew_secs),
        upstream_timeout_ms: s
            .uint(
                "upstream_timeout_ms",
                p,
                1..=MAX_UPSTREAM_TIMEOUT_MS,
                UPSTREAM,
            )
            .unwrap_or(d.upstream_timeout_ms),
        header_timeout_ms: s
            .uint(
                "header_timeout_ms",
                p,
                MIN_CLIENT_TIMEOUT_MS..=MAX_HEADER_TIMEOUT_MS,
                HEADER,
            )
            .unwrap_or(d.header_timeout_ms),
        body_timeout_ms: s
            .uint(
                "body_timeout_ms",
                p,
                MIN_CLIENT_TIMEOUT_MS..=MAX_BODY_TIMEOUT_MS,
                BODY_TIME,
            )
            .unwrap_or(d.body_timeout_ms),
        max_connections: s
            .uint("max_connections", p, 1..=MAX_CONNECTIONS, CONNECTIONS)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(d.max_connections),
        backlog: s
            .uint("backlog", p, 1..=MAX_BACKLOG, BACKLOG)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(d.backlog),
    };
    s.finish(p);
    config
}

fn dedup(mut s: Section<'_>, p: &mut Problems) -> DedupConfig {
    const TTL: &str = "seconds from 1 to 86400; WeChat retries within about 15 s, so 60 is plenty";
    const CAPACITY: &str = "how many message ids to remember, e.g. 1000000";
    let d = DedupConfig::default();
    let config = DedupConfig {
        ttl_secs: s
            .uint("ttl_secs", p, 1..=MAX_DEDUP_TTL_SECS, TTL)
            .unwrap_or(d.ttl_secs),
        capacity: s
            .uint("capacity", p, 1..=u64::MAX, CAPACITY)
            .unwrap_or(d.capacity),
        backend: s
            .string_with("backend", p, check_backend)
            .unwrap_or(d.backend),
    };
    s.finish(p);
    config
}

fn tokens(mut s: Section<'_>, p: &mut Problems) -> TokensConfig {
    let backend = s.string_with("backend", p, check_backend);
    s.finish(p);
    TokensConfig {
        backend: backend.unwrap_or_default(),
    }
}

fn check_backend(value: &str) -> Result<Backend, Bad> {
    match value {
        "memory" => Ok(Backend::Memory),
        "redis" => Ok(Backend::Redis),
        _ => Err(Bad::new(
            format!("unknown backend {}", quote(value)),
            "`memory` (this process only, the default) or `redis` (shared by every instance; \
             needs [redis])",
        )),
    }
}

fn redis(mut s: Section<'_>, p: &mut Problems) -> RedisConfig {
    const TIMEOUT: &str = "milliseconds from 1 to 5000 one Redis command may take before the \
                           gateway falls back to local state; 250 is usual";
    let url = s.required_string_with(
        "url",
        p,
        "add url = \"redis://127.0.0.1:6379/0\" (a password goes in the URL: \
         redis://:PASSWORD@host:6379/0)",
        check_redis_url,
    );
    let key_prefix = s.string_with("key_prefix", p, |value| {
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Err(Bad::new(
                "contains whitespace or control characters",
                "a short word ending in a separator, e.g. \"wxgate:\"",
            ))
        } else {
            Ok(value.to_owned())
        }
    });
    let timeout_ms = s.uint("timeout_ms", p, 1..=MAX_REDIS_TIMEOUT_MS, TIMEOUT);
    s.finish(p);
    RedisConfig {
        url: url.unwrap_or_default(),
        key_prefix: key_prefix.unwrap_or_else(|| DEFAULT_KEY_PREFIX.to_owned()),
        timeout_ms: timeout_ms.unwrap_or(DEFAULT_REDIS_TIMEOUT_MS),
    }
}

fn check_redis_url(value: &str) -> Result<String, Bad> {
    const HINT: &str = "redis://[:PASSWORD@]HOST[:PORT][/DB], e.g. redis://127.0.0.1:6379/0, or \
                        redis+unix:///run/redis.sock";
    let scheme = value.split_once("://").map(|(scheme, _)| scheme);
    if !matches!(scheme, Some("redis" | "redis+unix" | "unix")) {
        let shown = scheme.unwrap_or("none");
        return Err(Bad::new(
            format!("unsupported Redis URL scheme {}", quote(shown)),
            HINT,
        ));
    }
    match redis::Client::open(value) {
        Ok(_) => Ok(value.to_owned()),
        // The parser's message may quote the URL, password included: say what, not how.
        Err(_) => Err(Bad::new("is not a valid Redis URL", HINT)),
    }
}

fn admin(mut s: Section<'_>, p: &mut Problems) -> AdminConfig {
    let token = s.string_with("token", p, |value| {
        if value.chars().any(char::is_whitespace) {
            Err(Bad::new(
                "contains whitespace",
                "a bearer token is one word, e.g. the output of `openssl rand -hex 32`",
            ))
        } else {
            Ok(value.to_owned())
        }
    });
    s.finish(p);
    AdminConfig {
        token: token.filter(|t| !t.is_empty()),
    }
}

fn storage(mut s: Section<'_>, p: &mut Problems) -> StorageConfig {
    let database = s.string_with("database", p, check_database);
    s.finish(p);
    StorageConfig {
        database: database.unwrap_or_else(|| StorageConfig::default().database),
    }
}

/// A database URL `Store::open` takes: SQLite (`sqlite:...`) or PostgreSQL (`postgres://...`,
/// `postgresql://...`). Problems name the scheme only, never the URL: it may hold a password.
fn check_database(value: &str) -> Result<String, Bad> {
    const HINT: &str = "sqlite://FILE for one host (created on first start), e.g. sqlite://wxgate.db or sqlite:///var/lib/wxgate/wxgate.db; or postgres://USER:PASSWORD@HOST:PORT/DATABASE for a database several gateways share";
    let scheme = value.split_once(':').map_or(value, |(scheme, _)| scheme);
    match scheme {
        "sqlite" => Ok(value.to_owned()),
        "postgres" | "postgresql" => match value[scheme.len() + 1..].strip_prefix("//") {
            Some(rest) if !rest.is_empty() => Ok(value.to_owned()),
            _ => Err(Bad::new(
                format!("a PostgreSQL database is a URL starting `{scheme}://`"),
                HINT,
            )),
        },
        _ => Err(Bad::new(
            format!("unsupported database {}", quote(scheme)),
            HINT,
        )),
    }
}

/// An absolute http or https URL (an upstream bot, an API base).
pub(super) fn check_http_url(value: &str) -> Result<&str, Bad> {
    const HINT: &str = "an absolute http:// or https:// URL, e.g. http://127.0.0.1:9000/wechat";
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !value.contains(char::is_whitespace) =>
        {
            Ok(value)
        }
        _ => Err(Bad::new(
            format!("{} is not an http(s) URL", quote(value)),
            HINT,
        )),
    }
}

fn check_token_source(value: &str) -> Result<TokenSource, Bad> {
    TokenSource::from_word(value).ok_or_else(|| {
        Bad::new(
            format!("unknown token source {}", quote(value)),
            "token_source is `stable_token` (the default: instances share one token) or \
             `client_credential`",
        )
    })
}

fn check_secret(value: &str) -> Result<String, Bad> {
    if value.is_empty() || value.chars().any(|c| !c.is_ascii_graphic()) {
        Err(Bad::new(
            "must be printable ASCII without spaces",
            "copy the AppSecret from the WeChat admin page",
        ))
    } else {
        Ok(value.to_owned())
    }
}

fn accounts(root: &mut Section<'_>, p: &mut Problems) -> Vec<AccountConfig> {
    let none_written = match root.value("accounts") {
        None => true,
        Some(Value::Array(entries)) => entries.is_empty(),
        Some(_) => false,
    };
    if none_written {
        p.add(
            root.key("accounts"),
            "no accounts configured",
            "add at least one [[accounts]] section with name, appid and token",
        );
    }
    let mut names = HashMap::new();
    root.tables("accounts", p)
        .unwrap_or_default()
        .into_iter()
        .map(|section| account(section, p, &mut names))
        .collect()
}

/// One `[[accounts]]`; `names` maps each name seen so far to the account that took it.
fn account(
    mut a: Section<'_>,
    p: &mut Problems,
    names: &mut HashMap<String, String>,
) -> AccountConfig {
    let name = a.required_string_with(
        "name",
        p,
        "add name = \"...\"; the name is the callback path /wx/{name}",
        check_name,
    );
    if let Some(name) = &name {
        match names.get(name) {
            Some(first) => p.add(
                a.key("name"),
                format!("{} is already the name of {first}", quote(name)),
                "each account needs its own name: it is the callback path /wx/{name}",
            ),
            None => {
                names.insert(name.clone(), a.path().to_owned());
            }
        }
    }
    let appid = a.required_string_with(
        "appid",
        p,
        "add appid = \"...\" with the AppID from the WeChat admin page",
        check_appid,
    );
    let token = a.required_string_with(
        "token",
        p,
        "add token = \"...\" with the Token set on the WeChat admin page",
        check_token,
    );
    let encoding_aes_key = a.string_with("encoding_aes_key", p, check_aes_key);
    let mode = a.string_with("mode", p, check_mode);
    if let Some(mode) = mode {
        if mode.needs_key() && !a.contains("encoding_aes_key") {
            p.add(
                a.key("encoding_aes_key"),
                format!("missing required key when mode = \"{mode}\""),
                "copy the EncodingAESKey (43 characters) from the WeChat admin page, \
                 or set mode = \"plain\"",
            );
        }
    }
    let secret = a.string_with("secret", p, check_secret);
    let api_base = a.string_with("api_base", p, |v| {
        check_http_url(v).map(|url| url.trim_end_matches('/').to_owned())
    });
    let token_source = a.string_with("token_source", p, check_token_source);
    let rules = a
        .tables("rules", p)
        .unwrap_or_default()
        .into_iter()
        .map(|rule| rules::rule(rule, p))
        .collect();
    a.finish(p);
    AccountConfig {
        name: name.unwrap_or_default(),
        appid: appid.unwrap_or_default(),
        token: token.unwrap_or_default(),
        encoding_aes_key,
        mode: mode.unwrap_or_default(),
        secret,
        api_base: api_base.unwrap_or_else(|| DEFAULT_API_BASE.to_owned()),
        token_source: token_source.unwrap_or_default(),
        rules,
    }
}

fn check_listen(value: &str) -> Result<SocketAddr, Bad> {
    value.parse().map_err(|_| {
        Bad::new(
            format!("{} is not a socket address", quote(value)),
            "host:port with an IP address, not a host name, e.g. 127.0.0.1:8080 or [::]:8080",
        )
    })
}

fn check_name(value: &str) -> Result<String, Bad> {
    const HINT: &str =
        "use 1 to 64 ASCII letters, digits, `_` or `-`; the name is the callback path /wx/{name}";
    if value.is_empty() {
        return Err(Bad::new("must not be empty", HINT));
    }
    if let Some((position, c)) =
        first_bad_char(value, |c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Bad::new(
            format!(
                "{} has {} at position {position}",
                quote(value),
                describe_char(c)
            ),
            HINT,
        ));
    }
    let len = value.chars().count();
    if len > MAX_NAME_LEN {
        return Err(Bad::new(
            format!("is {len} characters long, more than {MAX_NAME_LEN}"),
            HINT,
        ));
    }
    Ok(value.to_owned())
}

fn check_appid(value: &str) -> Result<String, Bad> {
    const HINT: &str =
        "the AppID from the WeChat admin page: ASCII letters and digits, e.g. wx1234567890abcdef";
    if value.is_empty() {
        return Err(Bad::new("must not be empty", HINT));
    }
    if let Some((position, c)) = first_bad_char(value, |c| c.is_ascii_alphanumeric()) {
        return Err(Bad::new(
            format!(
                "{} has {} at position {position}",
                quote(value),
                describe_char(c)
            ),
            HINT,
        ));
    }
    Ok(value.to_owned())
}

/// The callback Token. Secret: messages name its length and a bad character, never the value.
fn check_token(value: &str) -> Result<String, Bad> {
    const HINT: &str = "use the Token set on the WeChat admin page: 3 to 32 printable ASCII \
                        characters without spaces (the console itself asks for letters and digits)";
    let len = value.chars().count();
    let mut wrong = Vec::new();
    if len == 0 {
        wrong.push("is empty".to_owned());
    } else if !TOKEN_LEN.contains(&len) {
        wrong.push(format!(
            "is {len} characters long, not {} to {}",
            TOKEN_LEN.start(),
            TOKEN_LEN.end()
        ));
    }
    if let Some((position, c)) = first_bad_char(value, |c| c.is_ascii_graphic()) {
        wrong.push(format!(
            "has {} at position {position}, not a printable ASCII character",
            describe_char(c)
        ));
    }
    if wrong.is_empty() {
        Ok(value.to_owned())
    } else {
        Err(Bad::new(wrong.join(" and "), HINT))
    }
}

/// The EncodingAESKey, decoded once here so that a loaded config always holds a usable key.
/// Secret: messages name its length or a bad character, never the value.
fn check_aes_key(value: &str) -> Result<AesKey, Bad> {
    AesKey::from_encoding_aes_key(value).map_err(|error| {
        let message = match error {
            KeyError::Length { got } => format!("is {got} characters long, not {AES_KEY_LEN}"),
            KeyError::InvalidChar { ch, position } => format!(
                "has {} at position {}, which is not in the base64 alphabet",
                describe_char(ch),
                position + 1
            ),
            KeyError::Malformed => "does not decode to 32 bytes".to_owned(),
        };
        let mut hint = format!(
            "the EncodingAESKey is exactly {AES_KEY_LEN} characters of A-Z, a-z, 0-9, `+` and \
             `/`; copy it again from the WeChat admin page"
        );
        if value.ends_with('=') {
            hint.push_str(" and leave out the trailing `=`");
        }
        Bad::new(message, hint)
    })
}

fn check_mode(value: &str) -> Result<Mode, Bad> {
    Mode::from_word(value).ok_or_else(|| {
        let words = Mode::ALL.map(Mode::as_str);
        let modes = format!("mode is one of {}", list(&words));
        let hint = match closest(value, &words) {
            Some(word) => format!("did you mean `{word}`? {modes}"),
            None => modes,
        };
        Bad::new(format!("unknown mode {}", quote(value)), hint)
    })
}

/// The 1-based position and the first character of `value` that `ok` refuses.
fn first_bad_char(value: &str, ok: impl Fn(char) -> bool) -> Option<(usize, char)> {
    value
        .chars()
        .enumerate()
        .find(|&(_, c)| !ok(c))
        .map(|(i, c)| (i + 1, c))
}

/// A TOML syntax error as one problem, with its line and column. The message comes from the toml
/// crate without its source snippet, so that a secret on the broken line is not shown.
fn syntax_problem(text: &str, error: &toml::de::Error) -> Problem {
    let mut message = error
        .message()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let mut hint = "fix the TOML syntax there; see https://toml.io".to_owned();
    let Some(span) = error.span() else {
        return Problem::new("", format!("TOML syntax error: {message}"), hint);
    };
    if message == "duplicate key" {
        if let Some(key) = text.get(span.clone()) {
            message = format!("duplicate key {}", quote(key.trim()));
        }
        hint = "a key or table may appear only once; remove or rename one of them".to_owned();
    }
    let (line, column) = line_column(text, span.start);
    Problem::new(
        "",
        format!("TOML syntax error at line {line}, column {column}: {message}"),
        hint,
    )
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for (index, c) in text.char_indices() {
        if index >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "a = 1\nbé = x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 10), (2, 4));
        assert_eq!(line_column(text, 1000), (3, 1));
    }

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
}
