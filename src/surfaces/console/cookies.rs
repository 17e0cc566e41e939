//! The console's cookies, read and written by hand (actix-web's cookie support is not built
//! in): the session (`wxgate_console`) and the language (`wxgate_lang`), both confined to
//! `/admin`, HttpOnly and SameSite=Strict.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The value of the request's cookie `name`, if it sent one (from every `Cookie` header).
pub fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// A `Set-Cookie` value for the console: `Path=/admin`, HttpOnly, SameSite=Strict, Secure
/// when `secure`; kept `max_age` seconds (`Some(0)` removes it), or for the browser's session.
/// `value` must be cookie-safe (the console's are base64url or a language code).
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    let mut text = format!("{name}={value}; Path=/admin; HttpOnly; SameSite=Strict");
    if let Some(secs) = max_age {
        text.push_str(&format!("; Max-Age={secs}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    text
}

#[cfg(test)]
#[path = "cookies_test.rs"]
mod tests;
