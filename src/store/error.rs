//! What the store reports, and how a database URL (or a message about it) is printed without
//! its password.

use sqlx::migrate::MigrateError;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The record asked for does not exist (for example a menu version never added).
    #[error("not found: no such record for this account")]
    NotFound,
    /// The database URL cannot be used; the message says what to write instead.
    #[error("database configuration: {0}")]
    Config(String),
    /// The database failed or holds something unexpected. The message comes from the driver and
    /// never contains a password from the URL.
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolClosed => StoreError::Database("the store was closed".to_owned()),
            other => StoreError::Database(other.to_string()),
        }
    }
}

impl From<MigrateError> for StoreError {
    fn from(err: MigrateError) -> Self {
        let hint = match &err {
            MigrateError::VersionMissing(_) => {
                " (the database was written by a newer wxgate; run that version or restore a \
                 backup)"
            }
            MigrateError::VersionMismatch(_) => {
                " (an applied migration file was edited afterwards; restore its original text)"
            }
            MigrateError::Dirty(_) => {
                " (a migration failed halfway; restore a backup taken before the upgrade)"
            }
            _ => "",
        };
        StoreError::Database(format!("cannot bring the schema up to date: {err}{hint}"))
    }
}

/// `url` with any password replaced by `***`: the part after `:` in the user info
/// (`postgres://user:***@host/db`) and the value of a `password` query parameter.
pub(crate) fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
                None => head.to_owned(),
            },
            None => head.to_owned(),
        },
        None => head.to_owned(),
    };
    if let Some(query) = query {
        out.push('?');
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => param.to_owned(),
            })
            .collect();
        out.push_str(&params.join("&"));
    }
    out
}

/// `message` with every password of `url` (as written, and percent-decoded) replaced by `***`.
/// For messages a driver wrote about `url`, which are not meant to quote it but could.
pub(crate) fn scrub_password(message: &str, url: &str) -> String {
    let mut out = message.to_owned();
    for password in passwords(url) {
        for form in [percent_decode(password), password.to_owned()] {
            if !form.is_empty() {
                out = out.replace(&form, "***");
            }
        }
    }
    out
}

/// The passwords written in `url`: in the user info and in `password` query parameters.
fn passwords(url: &str) -> Vec<&str> {
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let from_userinfo = head
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password);
    let from_query = query
        .split('&')
        .filter_map(|param| match param.split_once('=') {
            Some((key, value)) if key.eq_ignore_ascii_case("password") => Some(value),
            _ => None,
        });
    from_userinfo.into_iter().chain(from_query).collect()
}

/// `text` with `%XX` escapes decoded (invalid escapes and non-UTF-8 results kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}
