//! Reading the credentials of an `Authorization` header, the same way for every surface: the
//! scheme compared without regard to case, the credentials trimmed. Nothing here compares a
//! credential or logs one.

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The credentials of `Authorization: <scheme> <credentials>` when the scheme is `scheme`.
pub fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')
        .filter(|(given, _)| given.eq_ignore_ascii_case(scheme))
        .map(|(_, credentials)| credentials.trim())
}

/// The token of `Authorization: Bearer <token>`, when there is a non-empty one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    authorization(headers, "bearer").filter(|token| !token.is_empty())
}

/// The user and password of HTTP Basic credentials (base64 of `user:password`), as sent.
pub fn decode_basic(credentials: &str) -> Option<(String, String)> {
    let decoded = String::from_utf8(STANDARD.decode(credentials).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
#[path = "credentials_test.rs"]
mod tests;
