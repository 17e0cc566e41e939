use actix_web::body::MessageBody as _;
use actix_web::test::TestRequest;

use super::*;

fn body(response: HttpResponse) -> String {
    String::from_utf8(response.into_body().try_into_bytes().unwrap().to_vec()).unwrap()
}

#[test]
fn a_page_without_a_session_goes_to_sign_in_and_json_gets_401() {
    let req = TestRequest::get().uri("/admin/audit").to_http_request();
    let response = ConsoleError::Unauthorized.render(&req);
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers().get("location").unwrap(),
        "/admin/signin?next=%2Fadmin%2Faudit"
    );

    let req = TestRequest::get().uri("/admin/live.json").to_http_request();
    let response = ConsoleError::Unauthorized.render(&req);
    assert_eq!(response.status(), 401);
    let json: serde_json::Value = serde_json::from_str(&body(response)).unwrap();
    assert_eq!(json["error"], "请先登录");

    let req = TestRequest::post().uri("/admin/signout").to_http_request();
    assert_eq!(ConsoleError::Unauthorized.render(&req).status(), 401);
}

#[test]
fn pages_are_in_the_requests_language_and_json_when_asked() {
    let req = TestRequest::get()
        .uri("/admin/nope")
        .insert_header(("accept-language", "en-US"))
        .to_http_request();
    let response = ConsoleError::NotFound.render(&req);
    assert_eq!(response.status(), 404);
    assert!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = body(response);
    assert!(page.contains("Page not found"), "{page}");
    assert!(page.contains("<html lang=\"en\">"), "{page}");

    let req = TestRequest::post()
        .uri("/admin/signin")
        .insert_header(("accept", "application/json"))
        .to_http_request();
    let response = ConsoleError::TooManyRequests { retry_after: 42 }.render(&req);
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers().get("retry-after").unwrap(), "42");
    let json: serde_json::Value = serde_json::from_str(&body(response)).unwrap();
    assert_eq!(json["retry_after"], 42);
}

#[test]
fn a_bad_request_page_escapes_what_it_quotes() {
    let req = TestRequest::get().uri("/admin/x").to_http_request();
    let page = body(ConsoleError::BadRequest("<script>alert(1)</script>".into()).render(&req));
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&#60;script&#62;alert(1)"), "{page}");
}

#[test]
fn problems_and_wechat_errors_reach_the_scripts() {
    let req = TestRequest::post()
        .uri("/admin/menus/demo")
        .insert_header(("accept", "application/json"))
        .to_http_request();
    let problem = crate::manage::Problem {
        path: "button[0].name".into(),
        message: "name is required".into(),
    };
    let response = ConsoleError::Invalid(vec![problem]).render(&req);
    assert_eq!(response.status(), 422);
    let json: serde_json::Value = serde_json::from_str(&body(response)).unwrap();
    assert_eq!(json["problems"][0]["path"], "button[0].name");
    assert_eq!(json["problems"][0]["message"], "name is required");

    let response = ConsoleError::WeChat {
        error: ApiError::WeChat {
            errcode: 65320,
            errmsg: "invalid matchrule".into(),
        },
        version: Some(4),
    }
    .render(&req);
    assert_eq!(response.status(), 502);
    let json: serde_json::Value = serde_json::from_str(&body(response)).unwrap();
    assert_eq!(json["errcode"], 65320);
    assert_eq!(json["errmsg"], "invalid matchrule");
    assert_eq!(json["version"], 4);
}

#[test]
fn a_page_lists_the_problems() {
    let req = TestRequest::get()
        .uri("/admin/menus/demo")
        .insert_header(("accept-language", "en"))
        .to_http_request();
    let problem = crate::manage::Problem {
        path: "button[1].url".into(),
        message: "url is required for type view".into(),
    };
    let page = body(ConsoleError::Invalid(vec![problem]).render(&req));
    assert!(
        page.contains("button[1].url: url is required for type view"),
        "{page}"
    );
    assert!(page.contains("breaks WeChat"), "{page}");
}
