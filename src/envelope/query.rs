//! The callback query string: `signature`, `timestamp`, `nonce`, `echostr`, `encrypt_type`,
//! `msg_signature` (WeChat also sends `openid`, which is ignored). Any repeated parameter is
//! refused: two values for one name leave it ambiguous which one was signed.

use std::borrow::Cow;

/// What was wrong with the query string (always a 400).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    /// A parameter the request needs is absent.
    #[error("missing query parameter `{0}`")]
    Missing(&'static str),
    /// A parameter appears more than once.
    #[error("query parameter `{0}` is repeated")]
    Repeated(String),
    /// `timestamp` is not a plain decimal number.
    #[error("query parameter `timestamp` must be decimal digits (seconds since the epoch)")]
    Timestamp,
    /// `encrypt_type` is neither `aes` nor `raw`.
    #[error("query parameter `encrypt_type` must be `aes` or `raw`")]
    EncryptType,
}

/// The parsed callback query.
#[derive(Debug, Default, Clone)]
pub struct CallbackQuery<'q> {
    signature: Option<Cow<'q, str>>,
    timestamp: Option<(Cow<'q, str>, u64)>,
    nonce: Option<Cow<'q, str>>,
    echostr: Option<Cow<'q, str>>,
    msg_signature: Option<Cow<'q, str>>,
    /// Whether the query says the body is encrypted (`encrypt_type=aes`).
    pub encrypted: bool,
}

impl<'q> CallbackQuery<'q> {
    /// Parses a raw query string (without `?`).
    ///
    /// WeChat's queries hold only letters, digits and `_`, so nothing needs decoding: such a
    /// query is split in place. One with `%` or `+` goes through the full
    /// `application/x-www-form-urlencoded` decoder; both give the same result.
    pub fn parse(query: &'q str) -> Result<Self, QueryError> {
        if memchr::memchr2(b'%', b'+', query.as_bytes()).is_some() {
            Self::from_pairs(form_urlencoded::parse(query.as_bytes()))
        } else {
            Self::from_pairs(split_pairs(query))
        }
    }

    fn from_pairs(
        pairs: impl Iterator<Item = (Cow<'q, str>, Cow<'q, str>)>,
    ) -> Result<Self, QueryError> {
        let mut parsed = CallbackQuery::default();
        let mut encrypt_type = None;
        let mut openid = None;
        // The names used, as bits; other names in a list.
        let mut known = 0u8;
        let mut others: Vec<Cow<'q, str>> = Vec::new();
        for (name, value) in pairs {
            let (bit, target) = match &*name {
                "signature" => (1, &mut parsed.signature),
                "nonce" => (2, &mut parsed.nonce),
                "echostr" => (4, &mut parsed.echostr),
                "msg_signature" => (8, &mut parsed.msg_signature),
                "encrypt_type" => (16, &mut encrypt_type),
                // Sent with every push; a name of its own keeps `others` empty (unallocated).
                "openid" => (64, &mut openid),
                "timestamp" => {
                    if known & 32 != 0 {
                        return Err(QueryError::Repeated(name.into_owned()));
                    }
                    known |= 32;
                    let secs = parse_timestamp(&value)?;
                    parsed.timestamp = Some((value, secs));
                    continue;
                }
                _ => {
                    if others.contains(&name) {
                        return Err(QueryError::Repeated(name.into_owned()));
                    }
                    others.push(name);
                    continue;
                }
            };
            if known & bit != 0 {
                return Err(QueryError::Repeated(name.into_owned()));
            }
            known |= bit;
            *target = Some(value);
        }
        parsed.encrypted = match encrypt_type.as_deref() {
            None | Some("raw") => false,
            Some("aes") => true,
            Some(_) => return Err(QueryError::EncryptType),
        };
        Ok(parsed)
    }

    /// `signature`: sha1 of the sorted token, timestamp and nonce.
    pub fn signature(&self) -> Result<&str, QueryError> {
        self.signature
            .as_deref()
            .ok_or(QueryError::Missing("signature"))
    }

    /// `msg_signature`: sha1 of the sorted token, timestamp, nonce and Encrypt.
    pub fn msg_signature(&self) -> Result<&str, QueryError> {
        self.msg_signature
            .as_deref()
            .ok_or(QueryError::Missing("msg_signature"))
    }

    /// `timestamp` as sent (it is signed as text).
    pub fn timestamp(&self) -> Result<&str, QueryError> {
        self.timestamp
            .as_ref()
            .map(|(text, _)| &**text)
            .ok_or(QueryError::Missing("timestamp"))
    }

    /// `timestamp` as seconds since the epoch.
    pub fn timestamp_secs(&self) -> Result<u64, QueryError> {
        self.timestamp
            .as_ref()
            .map(|(_, secs)| *secs)
            .ok_or(QueryError::Missing("timestamp"))
    }

    /// `nonce`.
    pub fn nonce(&self) -> Result<&str, QueryError> {
        self.nonce.as_deref().ok_or(QueryError::Missing("nonce"))
    }

    /// `echostr`, the handshake's challenge.
    pub fn echostr(&self) -> Result<&str, QueryError> {
        self.echostr
            .as_deref()
            .ok_or(QueryError::Missing("echostr"))
    }
}

/// `name=value` pairs split at `&` and the first `=`, borrowed, empty pairs skipped: what the
/// form decoder gives for a query without `%` and `+`.
fn split_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    // The `&`s found by vector code (`str::split` looks at a word at a time); `&` is ASCII, so
    // every cut is on a character boundary.
    let ends = memchr::memchr_iter(b'&', query.as_bytes()).chain(std::iter::once(query.len()));
    let mut start = 0;
    ends.filter_map(move |end| {
        let pair = query.get(start..end).unwrap_or_default();
        start = end + 1;
        (!pair.is_empty()).then_some(pair)
    })
    .map(|pair| {
        // `=` is ASCII, so the cut is on a character boundary.
        let (name, value) = match memchr::memchr(b'=', pair.as_bytes()) {
            Some(at) => (
                pair.get(..at).unwrap_or_default(),
                pair.get(at + 1..).unwrap_or_default(),
            ),
            None => (pair, ""),
        };
        (Cow::Borrowed(name), Cow::Borrowed(value))
    })
}

/// ASCII digits only: no sign, no spaces, at most 20 digits.
fn parse_timestamp(text: &str) -> Result<u64, QueryError> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QueryError::Timestamp);
    }
    text.parse().map_err(|_| QueryError::Timestamp)
}

#[cfg(test)]
#[path = "query_test.rs"]
mod tests;
