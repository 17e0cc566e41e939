//! The checks of single values in config.toml: addresses, networks, URLs, words, names, keys and
//! secrets.
//!
//! Each check takes the string written for one key and returns the value the config holds, or a
//! [`Bad`] with the message and hint of the problem; it knows nothing of the section the key is
//! in. `schema` (the sections) and `rules` (the auto-reply rules) both call them. A check of a
//! secret never puts the value in its message or hint.

use std::net::{IpAddr, SocketAddr};

use base64::Engine as _;
use ipnet::IpNet;
use url::{Host, Url};

use super::walk::{Bad, closest, describe_char, list, quote};
use super::{AccountKind, Backend, ClientScope, Mode, TokenSource};
use crate::crypto::{AesKey, ENCODING_AES_KEY_LEN, KeyError};

/// Length of an EncodingAESKey.
const AES_KEY_LEN: usize = ENCODING_AES_KEY_LEN;
/// Longest account name.
const MAX_NAME_LEN: usize = 64;
/// Shortest and longest callback Token.
const TOKEN_LEN: std::ops::RangeInclusive<usize> = 3..=32;
/// Longest client id.
const MAX_CLIENT_ID_LEN: usize = 64;
/// Shortest client secret.
const MIN_CLIENT_SECRET_LEN: usize = 16;
/// Length of the `[sessions] key` once decoded.
const SESSIONS_KEY_LEN: usize = 32;
/// Longest DNS name, and longest label of one.
const MAX_DOMAIN_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// A `backend` word: `memory` or `redis`.
pub(super) fn check_backend(value: &str) -> Result<Backend, Bad> {
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

/// `redis.url`: a `redis://`, `redis+unix://` or `unix://` URL the Redis client accepts.
/// Problems name the scheme only, never the URL: it may hold a password.
pub(super) fn check_redis_url(value: &str) -> Result<String, Bad> {
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

/// `redis.key_prefix`: no whitespace or control characters.
pub(super) fn check_key_prefix(value: &str) -> Result<String, Bad> {
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(Bad::new(
            "contains whitespace or control characters",
            "a short word ending in a separator, e.g. \"wxgate:\"",
        ))
    } else {
        Ok(value.to_owned())
    }
}

/// `admin.token`: a bearer token, one word. Secret: messages never show the value.
pub(super) fn check_admin_token(value: &str) -> Result<String, Bad> {
    if value.chars().any(char::is_whitespace) {
        Err(Bad::new(
            "contains whitespace",
            "a bearer token is one word, e.g. the output of `openssl rand -hex 32`",
        ))
    } else {
        Ok(value.to_owned())
    }
}

/// A database URL `Store::open` takes: SQLite (`sqlite:...`) or PostgreSQL (`postgres://...`,
/// `postgresql://...`). Problems name the scheme only, never the URL: it may hold a password.
pub(super) fn check_database(value: &str) -> Result<String, Bad> {
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

/// An absolute http or https URL with its trailing `/` dropped (`api_base`, `oauth_base`).
pub(super) fn check_base_url(value: &str) -> Result<String, Bad> {
    check_http_url(value).map(|url| url.trim_end_matches('/').to_owned())
}

/// `server.public_url`: how browsers and WeChat reach the gateway, as written without its
/// trailing `/`. An absolute https URL (http for a loopback host), maybe with a path prefix,
/// without query or fragment.
pub(super) fn check_public_url(value: &str) -> Result<String, Bad> {
    const HINT: &str = "the address browsers and WeChat reach this gateway at: https://HOST, \
                        maybe with a port and a path prefix, e.g. https://wx.example.com or \
                        https://example.com/wxgate (http only for 127.0.0.1, [::1] or localhost)";
    let url = web_url(value, HINT)?;
    if url.query().is_some() {
        return Err(Bad::new(
            format!("{} has a query (`?...`)", quote(value)),
            HINT,
        ));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// One of a client's `redirect_uris`, kept exactly as written (requests must match it
/// exactly): an absolute https URL (http for a loopback host) without a fragment.
pub(super) fn check_redirect_uri(value: &str) -> Result<String, Bad> {
    const HINT: &str = "the app's callback address, matched exactly: an absolute https URL \
                        without a fragment, e.g. https://shop.example.com/auth/callback \
                        (http only for 127.0.0.1, [::1] or localhost)";
    web_url(value, HINT).map(|_| value.to_owned())
}

/// A client's `webhook`, kept as written: an absolute https URL (http for a loopback host)
/// without a fragment.
pub(super) fn check_webhook(value: &str) -> Result<String, Bad> {
    const HINT: &str = "where the app receives the status of the messages it sent: an absolute \
                        https URL without a fragment, e.g. https://shop.example.com/wxgate-status \
                        (http only for 127.0.0.1, [::1] or localhost)";
    web_url(value, HINT).map(|_| value.to_owned())
}

/// The checks `server.public_url`, redirect URIs and webhooks share: written as an absolute http(s) URL
/// that parses, with a host, no user name or password, no fragment, and https unless the host
/// is a loopback host.
fn web_url(value: &str, hint: &str) -> Result<Url, Bad> {
    if let Some((position, c)) = first_bad_char(value, |c| !c.is_whitespace() && !c.is_control()) {
        return Err(Bad::new(
            format!(
                "{} has {} at position {position}",
                quote(value),
                describe_char(c)
            ),
            hint,
        ));
    }
    if !value.starts_with("https://") && !value.starts_with("http://") {
        return Err(Bad::new(
            format!("{} is not an absolute http(s) URL", quote(value)),
            hint,
        ));
    }
    let url = Url::parse(value)
        .map_err(|e| Bad::new(format!("{} is not a valid URL: {e}", quote(value)), hint))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Bad::new(
            format!("{} holds a user name or password", quote(value)),
            hint,
        ));
    }
    if url.fragment().is_some() {
        return Err(Bad::new(
            format!("{} has a fragment (`#...`)", quote(value)),
            hint,
        ));
    }
    if url.scheme() == "http" && !is_loopback_host(&url) {
        let host = url.host_str().unwrap_or_default();
        return Err(Bad::new(
            format!(
                "{} uses http with {}, which is not a loopback host",
                quote(value),
                quote(host)
            ),
            format!("use https:// (behind a TLS proxy); {hint}"),
        ));
    }
    Ok(url)
}

/// True when `url`'s host is this machine: 127.0.0.0/8, `::1` or `localhost`.
fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// One of `server.trusted_proxies`: an IP address (one host) or a network in CIDR notation,
/// without bits set past its prefix.
pub(super) fn check_proxy(value: &str) -> Result<IpNet, Bad> {
    const HINT: &str = "an IP address (one host) or a network in CIDR notation, e.g. \
                        \"127.0.0.1\", \"::1\" or \"10.0.0.0/8\"";
    if let Ok(addr) = value.parse::<IpAddr>() {
        return Ok(IpNet::from(addr));
    }
    match value.parse::<IpNet>() {
        Ok(net) if net.trunc() == net => Ok(net),
        Ok(net) => Err(Bad::new(
            format!(
                "{} has address bits set past its /{} prefix",
                quote(value),
                net.prefix_len()
            ),
            format!("did you mean `{}`? {HINT}", net.trunc()),
        )),
        Err(_) => Err(Bad::new(
            format!("{} is not an IP address or network", quote(value)),
            HINT,
        )),
    }
}

/// A client's id: 1 to 64 ASCII letters, digits, `_` or `-` (the `client_id` apps send).
pub(super) fn check_client_id(value: &str) -> Result<String, Bad> {
    check_identifier(
        value,
        MAX_CLIENT_ID_LEN,
        "use 1 to 64 ASCII letters, digits, `_` or `-`; the app sends it as client_id",
    )
}

/// A client's secret: at least 16 printable ASCII characters without spaces. Secret: messages
/// name its length and a bad character's position, never the value.
pub(super) fn check_client_secret(value: &str) -> Result<String, Bad> {
    const HINT: &str = "at least 16 printable ASCII characters without spaces, e.g. the output \
                        of `openssl rand -hex 32`; leave the key out for a public client (PKCE)";
    let mut wrong = Vec::new();
    let len = value.chars().count();
    if len == 0 {
        wrong.push("is empty".to_owned());
    } else if len < MIN_CLIENT_SECRET_LEN {
        wrong.push(format!(
            "is {len} characters long, fewer than {MIN_CLIENT_SECRET_LEN}"
        ));
    }
    if let Some((position, c)) = first_bad_char(value, |c| c.is_ascii_graphic()) {
        // Named, never shown: the character is part of the secret.
        let shown = match c {
            ' ' => "a space",
            '\t' => "a tab",
            _ => "a control or non-ASCII character",
        };
        wrong.push(format!(
            "has {shown} at position {position}; only printable ASCII is allowed"
        ));
    }
    if wrong.is_empty() {
        Ok(value.to_owned())
    } else {
        Err(Bad::new(wrong.join(" and "), HINT))
    }
}

/// One of a client's `scopes`: a [`ClientScope`] word.
pub(super) fn check_scope(value: &str) -> Result<ClientScope, Bad> {
    ClientScope::from_word(value).ok_or_else(|| {
        let words = ClientScope::ALL.map(ClientScope::as_str);
        let scopes = format!(
            "a scope is {}: `login` logs users in with WeChat, `send` sends messages",
            list(&words)
        );
        let hint = match closest(value, &words) {
            Some(word) => format!("did you mean `{word}`? {scopes}"),
            None => scopes,
        };
        Bad::new(format!("unknown scope {}", quote(value)), hint)
    })
}

/// `token_source`: how an account's access_token is fetched.
pub(super) fn check_token_source(value: &str) -> Result<TokenSource, Bad> {
    TokenSource::from_word(value).ok_or_else(|| {
        Bad::new(
            format!("unknown token source {}", quote(value)),
            "token_source is `stable_token` (the default: instances share one token) or \
             `client_credential`",
        )
    })
}

/// The AppSecret: printable ASCII without spaces. Secret: messages never show the value.
pub(super) fn check_secret(value: &str) -> Result<String, Bad> {
    if value.is_empty() || value.chars().any(|c| !c.is_ascii_graphic()) {
        Err(Bad::new(
            "must be printable ASCII without spaces",
            "copy the AppSecret from the WeChat admin page",
        ))
    } else {
        Ok(value.to_owned())
    }
}

/// `server.listen`: an IP address and a port (a host name is refused).
pub(super) fn check_listen(value: &str) -> Result<SocketAddr, Bad> {
    value.parse().map_err(|_| {
        Bad::new(
            format!("{} is not a socket address", quote(value)),
            "host:port with an IP address, not a host name, e.g. 127.0.0.1:8080 or [::]:8080",
        )
    })
}

/// An account's name: 1 to 64 ASCII letters, digits, `_` or `-` (it is the callback path).
pub(super) fn check_name(value: &str) -> Result<String, Bad> {
    check_identifier(
        value,
        MAX_NAME_LEN,
        "use 1 to 64 ASCII letters, digits, `_` or `-`; the name is the callback path /wx/{name}",
    )
}

/// 1 to `max` ASCII letters, digits, `_` or `-`: a name that goes into URLs as it is.
fn check_identifier(value: &str, max: usize, hint: &'static str) -> Result<String, Bad> {
    if value.is_empty() {
        return Err(Bad::new("must not be empty", hint));
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
            hint,
        ));
    }
    let len = value.chars().count();
    if len > max {
        return Err(Bad::new(
            format!("is {len} characters long, more than {max}"),
            hint,
        ));
    }
    Ok(value.to_owned())
}

/// An AppID: ASCII letters and digits, not empty.
pub(super) fn check_appid(value: &str) -> Result<String, Bad> {
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
pub(super) fn check_token(value: &str) -> Result<String, Bad> {
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
pub(super) fn check_aes_key(value: &str) -> Result<AesKey, Bad> {
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

/// `mode`: one of the [`Mode`] words, exact and lower case.
pub(super) fn check_mode(value: &str) -> Result<Mode, Bad> {
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

/// `kind`: one of the [`AccountKind`] words, exact and lower case.
pub(super) fn check_kind(value: &str) -> Result<AccountKind, Bad> {
    AccountKind::from_word(value).ok_or_else(|| {
        let words = AccountKind::ALL.map(AccountKind::as_str);
        let kinds = format!(
            "kind is {}: `official` for an official account (the default), `miniprogram` for a \
             mini program",
            list(&words)
        );
        let hint = match closest(value, &words) {
            Some(word) => format!("did you mean `{word}`? {kinds}"),
            None => kinds,
        };
        Bad::new(format!("unknown kind {}", quote(value)), hint)
    })
}

/// One of an account's `js_domains`: a lower-case DNS name, maybe with a `:port`, kept as
/// written (a page's host and port are compared with it).
pub(super) fn check_js_domain(value: &str) -> Result<String, Bad> {
    const HINT: &str = "the host of the pages that use the JS-SDK, as in their URLs, without \
                        scheme or path: a lower-case DNS name, with :PORT only when the pages \
                        use a port of their own, e.g. \"m.example.com\" or \
                        \"m.example.com:8443\"; list each host (no wildcards)";
    let bad = |message: String| Err(Bad::new(message, HINT));
    if value.is_empty() {
        return bad("must not be empty".to_owned());
    }
    if let Some((_, rest)) = value.split_once("://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        return Err(Bad::new(
            format!("{} is a URL, not a host", quote(value)),
            format!("write the host only: {}; {HINT}", quote(host)),
        ));
    }
    if value.parse::<IpAddr>().is_ok()
        || value
            .strip_prefix('[')
            .is_some_and(|rest| rest.contains(']'))
    {
        return bad(format!(
            "{} is an IP address, not a domain name",
            quote(value)
        ));
    }
    let (host, port) = match value.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (value, None),
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|n| n > 0);
        if !valid {
            return bad(format!(
                "{} has no valid port after `:` (1 to 65535)",
                quote(value)
            ));
        }
    }
    if let Some((position, c)) = first_bad_char(host, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
    }) {
        if c.is_ascii_uppercase() {
            return Err(Bad::new(
                format!("{} has upper-case letters", quote(value)),
                format!(
                    "write it in lower case, as browsers do: {}",
                    quote(&value.to_ascii_lowercase())
                ),
            ));
        }
        return bad(format!(
            "{} has {} at position {position}",
            quote(value),
            describe_char(c)
        ));
    }
    if host.len() > MAX_DOMAIN_LEN {
        return bad(format!(
            "the name is {} characters long, more than {MAX_DOMAIN_LEN}",
            host.len()
        ));
    }
    for label in host.split('.') {
        if label.is_empty() {
            return bad(format!(
                "{} has an empty label (two dots, or a dot at an end)",
                quote(value)
            ));
        }
        if label.len() > MAX_LABEL_LEN {
            return bad(format!(
                "{} has a label of {} characters, more than {MAX_LABEL_LEN}",
                quote(value),
                label.len()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad(format!(
                "{} has a label starting or ending with `-`",
                quote(value)
            ));
        }
    }
    if host
        .rsplit('.')
        .next()
        .is_some_and(|top| top.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad(format!(
            "{} ends in a number: it is not a domain name",
            quote(value)
        ));
    }
    Ok(value.to_owned())
}

/// `[sessions] key`: the standard base64 of exactly 32 bytes (`=` padding optional). Secret:
/// messages name its length and a bad character's position, never the value.
pub(super) fn check_sessions_key(value: &str) -> Result<[u8; SESSIONS_KEY_LEN], Bad> {
    const HINT: &str = "32 random bytes in base64, 44 characters ending in `=`: the output of \
                        `openssl rand -base64 32`";
    if value.is_empty() {
        return Err(Bad::new("is empty", HINT));
    }
    if let Some((position, c)) = first_bad_char(value, |c| {
        c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
    }) {
        // Named, never shown: the character is part of the secret.
        let shown = match c {
            ' ' => "a space",
            '\t' => "a tab",
            '\n' | '\r' => "a line break",
            '-' | '_' => "a character of URL-safe base64 (`-` or `_`)",
            _ => "a character outside the base64 alphabet",
        };
        return Err(Bad::new(
            format!("has {shown} at position {position}"),
            HINT,
        ));
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let Ok(bytes) = engine.decode(value) else {
        return Err(Bad::new(
            format!(
                "is not valid base64 ({} characters, `=` only at the end)",
                value.len()
            ),
            HINT,
        ));
    };
    let len = bytes.len();
    bytes.try_into().map_err(|_| {
        Bad::new(
            format!("decodes to {len} bytes, not {SESSIONS_KEY_LEN}"),
            HINT,
        )
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

#[cfg(test)]
#[path = "values_test.rs"]
mod tests;
