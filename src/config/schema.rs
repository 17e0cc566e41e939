//! The schema of config.toml: which keys each section takes, their types, ranges and defaults,
//! and how the sections assemble into a [`Config`].
//!
//! A new key is one line in its section's function: ask the [`Section`] for it with its type
//! (`string_with`, `strings_with`, `uint`, `table`, `tables`) and its check. The checks of
//! single values live in `values`; the auto-reply rules in `rules`; the web apps and `[oidc]`
//! in `clients`; `[sessions]` and what mini programs and the JS-SDK need in `miniprogram`.

use std::collections::HashMap;

use toml::{Table, Value};

use super::admin;
use super::clients;
use super::error::Problem;
use super::miniprogram;
use super::rules;
use super::values::{
    check_admin_token, check_aes_key, check_appid, check_backend, check_base_url, check_database,
    check_key_prefix, check_kind, check_listen, check_mode, check_name, check_proxy,
    check_public_url, check_redis_url, check_secret, check_token, check_token_source,
};
use super::walk::{Problems, Section, quote};
use super::{
    AccountConfig, AdminConfig, Backend, Config, DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, DedupConfig,
    RedisConfig, ServerConfig, StorageConfig, TokensConfig,
};

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
/// Default `accounts[].send_rate`: WeChat calls per second for an account's sends.
const DEFAULT_SEND_RATE: u32 = 20;
/// Largest `accounts[].send_rate`.
const MAX_SEND_RATE: u64 = 10_000;
/// Default `accounts[].send_max_attempts`: WeChat calls per message before it is `failed`.
const DEFAULT_SEND_MAX_ATTEMPTS: u32 = 8;
/// Largest `accounts[].send_max_attempts`.
const MAX_SEND_MAX_ATTEMPTS: u64 = 100;

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
    let clients = clients::clients(&mut root, &clients::written_accounts(doc), p);
    if !written(doc, "server", "public_url") && !clients::require_public_url(&clients, p) {
        miniprogram::require_public_url(&accounts, p);
    }
    let oidc = root
        .table("oidc", p)
        .map(|s| clients::oidc(s, p))
        .unwrap_or_default();
    let sessions = root
        .table("sessions", p)
        .map(|s| miniprogram::sessions(s, p))
        .unwrap_or_default();
    if !written(doc, "sessions", "key") && !is_written_but_not_a_table(doc, "sessions") {
        miniprogram::require_sessions_key(&accounts, p);
    }
    root.finish(p);
    Config {
        server,
        dedup,
        tokens,
        redis,
        admin,
        storage,
        accounts,
        clients,
        oidc,
        sessions,
    }
}

/// True when `doc` has a table `section` holding `key` (whatever its value).
fn written(doc: &Table, section: &str, key: &str) -> bool {
    doc.get(section)
        .and_then(Value::as_table)
        .is_some_and(|table| table.contains_key(key))
}

/// True when `doc` has `section` but it is not a table (a problem already reported).
fn is_written_but_not_a_table(doc: &Table, section: &str) -> bool {
    doc.get(section).is_some_and(|value| !value.is_table())
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
        public_url: s.string_with("public_url", p, check_public_url),
        trusted_proxies: s
            .strings_with("trusted_proxies", p, check_proxy)
            .map(|proxies| proxies.into_iter().map(|(_, net)| net).collect())
            .unwrap_or_default(),
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
    let key_prefix = s.string_with("key_prefix", p, check_key_prefix);
    let timeout_ms = s.uint("timeout_ms", p, 1..=MAX_REDIS_TIMEOUT_MS, TIMEOUT);
    s.finish(p);
    RedisConfig {
        url: url.unwrap_or_default(),
        key_prefix: key_prefix.unwrap_or_else(|| DEFAULT_KEY_PREFIX.to_owned()),
        timeout_ms: timeout_ms.unwrap_or(DEFAULT_REDIS_TIMEOUT_MS),
    }
}

fn admin(mut s: Section<'_>, p: &mut Problems) -> AdminConfig {
    const IDLE: &str = "seconds from 60 to 2592000 a console session may go unused; 7200 (two \
                        hours) is usual";
    const MAX: &str = "seconds from 60 to 2592000 a console session lasts from sign-in; 43200 \
                       (twelve hours) is usual";
    let d = AdminConfig::default();
    let token = s.string_with("token", p, check_admin_token);
    let users = s
        .tables("users", p)
        .map(|users| admin::users(users, p))
        .unwrap_or_default();
    let session_idle_secs = s
        .uint("session_idle_secs", p, 60..=admin::MAX_SESSION_SECS, IDLE)
        .unwrap_or(d.session_idle_secs);
    let session_max_secs = s
        .uint("session_max_secs", p, 60..=admin::MAX_SESSION_SECS, MAX)
        .unwrap_or(d.session_max_secs);
    s.finish(p);
    AdminConfig {
        token: token.filter(|t| !t.is_empty()),
        users,
        session_idle_secs,
        session_max_secs,
    }
}

fn storage(mut s: Section<'_>, p: &mut Problems) -> StorageConfig {
    let database = s.string_with("database", p, check_database);
    s.finish(p);
    StorageConfig {
        database: database.unwrap_or_else(|| StorageConfig::default().database),
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
    let kind = a.string_with("kind", p, check_kind);
    let secret = a.string_with("secret", p, check_secret);
    miniprogram::require_secret(&a, kind, p);
    let js_domains = miniprogram::js_domains(&mut a, kind, p);
    let api_base = a.string_with("api_base", p, check_base_url);
    let oauth_base = a.string_with("oauth_base", p, check_base_url);
    let token_source = a.string_with("token_source", p, check_token_source);
    let (send_rate, send_max_attempts) = sending(&mut a, p);
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
        oauth_base: oauth_base.unwrap_or_else(|| DEFAULT_OAUTH_BASE.to_owned()),
        token_source: token_source.unwrap_or_default(),
        rules,
        kind: kind.unwrap_or_default(),
        js_domains,
        send_rate,
        send_max_attempts,
    }
}

/// An account's `send_rate` and `send_max_attempts`, or their defaults.
fn sending(a: &mut Section<'_>, p: &mut Problems) -> (u32, u32) {
    const RATE: &str = "WeChat calls per second for this account's sends, from 1 to 10000 \
                        (the bucket holds as many); 20 is usual";
    const ATTEMPTS: &str = "WeChat calls one message may take in all before it is `failed`, \
                            from 1 to 100; 8 is usual";
    let rate = a
        .uint("send_rate", p, 1..=MAX_SEND_RATE, RATE)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_SEND_RATE);
    let attempts = a
        .uint("send_max_attempts", p, 1..=MAX_SEND_MAX_ATTEMPTS, ATTEMPTS)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_SEND_MAX_ATTEMPTS);
    (rate, attempts)
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
#[path = "schema_test.rs"]
mod tests;
