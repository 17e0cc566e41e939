use super::*;

fn app(redirect_uri: &str, state: Option<&str>) -> AppRequest {
    AppRequest {
        client_id: "shop".into(),
        redirect_uri: redirect_uri.into(),
        state: state.map(str::to_owned),
        nonce: None,
        code_challenge: None,
        profile: false,
    }
}

fn location(response: &HttpResponse) -> &str {
    response
        .headers()
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
}

#[test]
fn the_wechat_url_has_its_parameters_in_order() {
    let url = wechat_authorize(
        "https://open.weixin.qq.com",
        "wx1234567890abcdef",
        "https://wx.example.com/oidc/demo/callback",
        false,
        "AbC123",
    );
    assert_eq!(
        url,
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef\
         &redirect_uri=https%3A%2F%2Fwx.example.com%2Foidc%2Fdemo%2Fcallback\
         &response_type=code&scope=snsapi_base&state=AbC123#wechat_redirect"
    );
    assert!(wechat_authorize("b", "a", "c", true, "s").contains("scope=snsapi_userinfo&"));
}

#[test]
fn codes_and_errors_keep_the_apps_query_and_state() {
    let response = code(
        &app("https://shop.example.com/cb?x=1", Some("a b&c")),
        "https://wx.example.com/oidc/demo",
        "CODE",
    );
    assert_eq!(response.status(), 302);
    assert_eq!(
        location(&response),
        "https://shop.example.com/cb?x=1&code=CODE&state=a+b%26c\
         &iss=https%3A%2F%2Fwx.example.com%2Foidc%2Fdemo"
    );
    let response = error(
        &app("https://shop.example.com/cb", None),
        "i",
        "access_denied",
        "no",
    );
    assert_eq!(
        location(&response),
        "https://shop.example.com/cb?error=access_denied&error_description=no&iss=i"
    );
    assert_eq!(
        response.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
}
