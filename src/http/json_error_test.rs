use actix_web::body::MessageBody as _;

use super::*;

fn answer(error: &JsonError) -> (StatusCode, serde_json::Value, HttpResponse) {
    let response = error.error_response();
    let status = response.status();
    let (response, body) = response.into_parts();
    let bytes = body.try_into_bytes().unwrap();
    let json = serde_json::from_slice(&bytes).unwrap();
    (
        status,
        json,
        response.set_body(actix_web::body::BoxBody::new(())),
    )
}

fn wechat(errcode: i64) -> ApiError {
    ApiError::WeChat {
        errcode,
        errmsg: "msg".into(),
    }
}

#[test]
fn refused_codes_are_400_with_the_errcode() {
    for errcode in [40029, 40163, 40226] {
        let (status, json, _) = answer(&JsonError::wechat(&wechat(errcode)));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json["errcode"], errcode);
    }
}

#[test]
fn the_users_quota_is_429_and_other_errcodes_502() {
    let (status, json, response) = answer(&JsonError::wechat(&wechat(45011)));
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(json["errcode"], 45011);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let (status, json, _) = answer(&JsonError::wechat(&wechat(-1)));
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(json["errcode"], -1);
    let (status, json, _) = answer(&JsonError::wechat(&ApiError::Timeout));
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert!(json.get("errcode").is_none());
}

#[test]
fn unauthorized_asks_for_a_bearer_token() {
    let (status, json, response) = answer(&JsonError::unauthorized("no session"));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json, json!({ "error": "no session" }));
    assert_eq!(
        response.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        "Bearer"
    );
}
