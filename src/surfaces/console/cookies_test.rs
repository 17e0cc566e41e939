use actix_web::test::TestRequest;

use super::*;

#[test]
fn cookies_are_read_from_every_header_and_written_strict() {
    let req = TestRequest::default()
        .insert_header(("cookie", "a=1; wxgate_console=abc"))
        .to_http_request();
    assert_eq!(cookie(&req, "wxgate_console").as_deref(), Some("abc"));
    assert_eq!(cookie(&req, "a").as_deref(), Some("1"));
    assert_eq!(cookie(&req, "wxgate"), None);
    assert_eq!(
        set_cookie("wxgate_console", "v", true, None),
        "wxgate_console=v; Path=/admin; HttpOnly; SameSite=Strict; Secure"
    );
    assert_eq!(
        set_cookie("wxgate_lang", "en", false, Some(0)),
        "wxgate_lang=en; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0"
    );
}
