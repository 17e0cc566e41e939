//! What mini programs and the JS-SDK need of the config: `[sessions]`, an account's
//! `js_domains`, and the keys a mini-program account requires elsewhere (its `secret`, the
//! `[sessions] key`, `[server] public_url`).

use super::clients::without_repeats;
use super::values::{check_js_domain, check_sessions_key};
use super::walk::{Problems, Section, quote};
use super::{AccountConfig, AccountKind, SessionsConfig};

/// Shortest and longest `sessions.ttl_secs`: a minute to a year.
const TTL_SECS: std::ops::RangeInclusive<u64> = 60..=31_536_000;
/// Largest `sessions.max_watermark_age_secs`: a year.
const MAX_WATERMARK_AGE_SECS: u64 = 31_536_000;
/// Largest `sessions.login_per_minute`.
const MAX_PER_MINUTE: u64 = 1_000_000;

/// `[sessions]`.
pub(super) fn sessions(mut s: Section<'_>, p: &mut Problems) -> SessionsConfig {
    const TTL: &str = "seconds from 60 to 31536000 (a year) a session lasts from login; \
                       2592000 (30 days) is usual";
    const WATERMARK: &str = "seconds from 0 (no check) to 31536000 decrypted data may be old, \
                             by its watermark's timestamp; 86400 is usual";
    const LOGIN: &str = "logins one client IP may make per minute, from 0 (no limit) to \
                         1000000; leave room for many users behind one carrier NAT, e.g. 600";
    let d = SessionsConfig::default();
    let config = SessionsConfig {
        key: s.string_with("key", p, check_sessions_key),
        ttl_secs: s.uint("ttl_secs", p, TTL_SECS, TTL).unwrap_or(d.ttl_secs),
        max_watermark_age_secs: s
            .uint(
                "max_watermark_age_secs",
                p,
                0..=MAX_WATERMARK_AGE_SECS,
                WATERMARK,
            )
            .unwrap_or(d.max_watermark_age_secs),
        login_per_minute: s
            .uint("login_per_minute", p, 0..=MAX_PER_MINUTE, LOGIN)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(d.login_per_minute),
    };
    s.finish(p);
    config
}

/// An account's `js_domains`, checked, each listed once; on a mini program (`kind`) the key
/// is a problem of its own.
pub(super) fn js_domains(
    a: &mut Section<'_>,
    kind: Option<AccountKind>,
    p: &mut Problems,
) -> Vec<String> {
    let domains = a
        .strings_with("js_domains", p, check_js_domain)
        .unwrap_or_default();
    if kind == Some(AccountKind::MiniProgram) && a.value("js_domains").is_some() {
        p.add(
            a.key("js_domains"),
            "js_domains is for official accounts; this account has kind = \"miniprogram\"",
            "remove js_domains here: JS-SDK signatures are for web pages opened in WeChat, and \
             are signed with an official account's jsapi_ticket; list the hosts on that account",
        );
    }
    without_repeats(&a.key("js_domains"), domains, p, |domain| quote(domain))
        .into_iter()
        .map(|(_, domain)| domain)
        .collect()
}

/// Reports a missing `secret` on account `a` when it is a mini program.
pub(super) fn require_secret(a: &Section<'_>, kind: Option<AccountKind>, p: &mut Problems) {
    if kind == Some(AccountKind::MiniProgram) && !a.contains("secret") {
        p.add(
            a.key("secret"),
            "missing required key when kind = \"miniprogram\"",
            "add secret = \"...\" with the mini program's AppSecret (WeChat's admin page, \
             开发管理 > 开发设置): logging users in calls WeChat's jscode2session with it",
        );
    }
}

/// Reports a missing `[sessions] key` when an account is a mini program.
pub(super) fn require_sessions_key(accounts: &[AccountConfig], p: &mut Problems) {
    let Some(account) = first_miniprogram(accounts) else {
        return;
    };
    p.add(
        "sessions.key",
        format!("missing required key: {} is a mini program", which(account)),
        "add a [sessions] section with key = \"...\", 32 random bytes in base64 (the output \
         of `openssl rand -base64 32`): the mini programs' session_keys are encrypted in the \
         database with it, and a copy of the database reveals none of them without it",
    );
}

/// Reports a missing `server.public_url` when an account is a mini program.
pub(super) fn require_public_url(accounts: &[AccountConfig], p: &mut Problems) {
    let Some(account) = first_miniprogram(accounts) else {
        return;
    };
    p.add(
        "server.public_url",
        format!("missing required key: {} is a mini program", which(account)),
        "add public_url = \"https://wx.example.com\" to [server]: the address apps reach this \
         gateway at; a mini program's id_tokens are issued by {public_url}/oidc/{account}",
    );
}

fn first_miniprogram(accounts: &[AccountConfig]) -> Option<&AccountConfig> {
    accounts.iter().find(|account| account.is_miniprogram())
}

/// "account `shop`", or "an account" when its name is missing or bad.
fn which(account: &AccountConfig) -> String {
    if account.name.is_empty() {
        "an account".to_owned()
    } else {
        format!("account {}", quote(&account.name))
    }
}

#[cfg(test)]
#[path = "miniprogram_test.rs"]
mod tests;
