use actix_web::test::TestRequest;

use super::*;

#[test]
fn next_is_only_ever_a_console_page() {
    for ok in ["/admin/", "/admin/audit?before=5", "/admin/menus/demo"] {
        assert_eq!(safe_next(ok), Some(ok));
    }
    for refused in [
        "",
        "/",
        "https://evil.example/admin/",
        "//evil.example/admin/",
        "/admin//evil.example",
        "/admin/\\evil",
        "/admin/signin",
        "/admin/signin?next=/admin/",
        "/adminx",
        "/admin/\nSet-Cookie: x",
    ] {
        assert_eq!(safe_next(refused), None, "{refused:?}");
    }
    assert_eq!(console_path("/admin/signin"), Some("/admin/signin"));
}

#[test]
fn the_signin_redirect_carries_the_page_asked_for() {
    let req = TestRequest::get()
        .uri("/admin/audit?before=7")
        .to_http_request();
    assert_eq!(
        signin_location(&req),
        "/admin/signin?next=%2Fadmin%2Faudit%3Fbefore%3D7"
    );
    let req = TestRequest::get().uri("/admin").to_http_request();
    assert_eq!(signin_location(&req), "/admin/signin");
}

#[test]
fn session_ids_are_random_and_hashed() {
    let (a, hash_a) = new_session_id();
    let (b, _) = new_session_id();
    assert_ne!(a, b);
    assert_eq!(a.len(), 43, "256 bits in unpadded base64url");
    assert!(
        a.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(hash_a, sha256(&a));
}

#[test]
fn the_csrf_token_is_bound_to_the_cookie() {
    let token = csrf_token("cookie-one");
    assert_eq!(token, csrf_token("cookie-one"));
    assert_ne!(token, csrf_token("cookie-two"));
    assert_ne!(token, "cookie-one");
    assert_eq!(token.len(), 43);
    assert!(same_token(token.as_bytes(), &token));
    assert!(!same_token(b"", &token));
}

#[test]
fn origin_must_be_the_requests_own() {
    let with = |origin: Option<&str>| {
        let mut req = TestRequest::post()
            .uri("/admin/signout")
            .insert_header(("host", "console.example:8080"));
        if let Some(origin) = origin {
            req = req.insert_header(("origin", origin));
        }
        check_origin(&req.to_http_request()).is_ok()
    };
    assert!(with(Some("http://console.example:8080")));
    assert!(
        !with(Some("https://console.example:8080")),
        "another scheme"
    );
    assert!(!with(Some("http://evil.example:8080")));
    assert!(!with(Some("null")));
    assert!(!with(None));
}

#[test]
fn forms_parse_into_their_type() {
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct F {
        name: String,
        n: u32,
    }
    let f: F = parse_form(b"name=%E6%9D%8E&n=3&csrf=x").unwrap();
    assert_eq!(
        f,
        F {
            name: "李".to_owned(),
            n: 3
        }
    );
    assert!(matches!(
        parse_form::<F>(b"name=a&n=x"),
        Err(ConsoleError::BadRequest(_))
    ));
    assert!(matches!(
        parse_form::<F>(b"\xff"),
        Err(ConsoleError::BadRequest(_))
    ));
}
