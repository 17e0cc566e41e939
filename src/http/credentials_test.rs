use actix_web::http::header::{AUTHORIZATION, HeaderValue};

use super::*;

fn headers(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    headers
}

#[test]
fn the_scheme_is_matched_without_regard_to_case() {
    assert_eq!(bearer(&headers("Bearer abc")), Some("abc"));
    assert_eq!(bearer(&headers("bearer  abc ")), Some("abc"));
    assert_eq!(bearer(&headers("BEARER abc")), Some("abc"));
    assert_eq!(bearer(&headers("Basic abc")), None);
    assert_eq!(bearer(&headers("Bearer ")), None);
    assert_eq!(bearer(&headers("Bearerabc")), None);
    assert_eq!(bearer(&HeaderMap::new()), None);
    assert_eq!(authorization(&headers("Basic eA=="), "basic"), Some("eA=="));
}

#[test]
fn basic_credentials_are_split_at_the_first_colon() {
    let encoded = STANDARD.encode("shop:p:a ss");
    assert_eq!(
        decode_basic(&encoded),
        Some(("shop".to_owned(), "p:a ss".to_owned()))
    );
    assert_eq!(decode_basic(&STANDARD.encode("no colon")), None);
    assert_eq!(decode_basic("not base64!"), None);
    assert_eq!(decode_basic(&STANDARD.encode([0xff, b':', 0xfe])), None);
}
