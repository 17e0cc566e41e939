use crate::common::*;

fn signed(timestamp: &str, nonce: &str) -> String {
    wxgate::internals::crypto::sign(&[TOKEN, timestamp, nonce])
}

#[actix_web::test]
async fn valid_handshake_echoes_echostr_exactly() {
    let gw = start().await;
    let sig = signed("1414387151", "917222494");
    // echostr is returned as-is, even when it is long and percent-encoded in the query.
    let (status, body) = gw
        .get(&format!(
            "/wx/demo?signature={sig}&timestamp=1414387151&nonce=917222494&echostr=5837397749%2B%2F%3D"
        ))
        .await;
    assert_eq!((status, body.as_str()), (200, "5837397749+/="));
    // Safe accounts answer the handshake the same way (it is never encrypted).
    let (status, body) = gw
        .get(&format!(
            "/wx/safe?signature={sig}&timestamp=1414387151&nonce=917222494&echostr=abc"
        ))
        .await;
    assert_eq!((status, body.as_str()), (200, "abc"));
}

#[actix_web::test]
async fn handshake_refusals() {
    let gw = start().await;
    let sig = signed("1414387151", "917222494");
    let bad = "0".repeat(40);
    let cases = [
        (
            format!("/wx/demo?signature={bad}&timestamp=1414387151&nonce=917222494&echostr=x"),
            403,
        ),
        (
            format!("/wx/demo?signature={sig}&timestamp=1414387152&nonce=917222494&echostr=x"),
            403,
        ),
        (
            "/wx/demo?timestamp=1414387151&nonce=917222494&echostr=x".to_owned(),
            400,
        ),
        (
            format!("/wx/demo?signature={sig}&nonce=917222494&echostr=x"),
            400,
        ),
        (
            format!("/wx/demo?signature={sig}&timestamp=1414387151&echostr=x"),
            400,
        ),
        (
            format!("/wx/demo?signature={sig}&timestamp=1414387151&nonce=917222494"),
            400,
        ),
        (
            format!("/wx/demo?signature={sig}&timestamp=14143871a1&nonce=917222494&echostr=x"),
            400,
        ),
        (
            format!(
                "/wx/demo?signature={sig}&signature={sig}&timestamp=1414387151&nonce=917222494&echostr=x"
            ),
            400,
        ),
        (
            format!("/wx/nobody?signature={sig}&timestamp=1414387151&nonce=917222494&echostr=x"),
            404,
        ),
    ];
    for (path, want) in cases {
        let (status, body) = gw.get(&path).await;
        assert_eq!(status, want, "{path}: {body}");
        assert_ne!(body, "x", "echostr must not be echoed on refusal");
    }
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="signature"}"#
        ),
        2.0
    );
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="bad_request"}"#
        ),
        6.0
    );
    assert_eq!(metric(&metrics, "wxgate_unknown_account_total"), 1.0);
}

#[actix_web::test]
async fn other_methods_are_405_and_unknown_routes_404() {
    let gw = start().await;
    let response = gw.client.put(gw.url("/wx/demo")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let response = gw.client.delete(gw.url("/wx/demo")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(gw.get("/nothing-here").await.0, 404);
}

#[actix_web::test]
async fn the_account_segment_is_percent_decoded_but_for_slashes() {
    let gw = start().await;
    let sig = signed("1414387151", "917222494");
    let query = format!("signature={sig}&timestamp=1414387151&nonce=917222494&echostr=abc");
    // `%64` is `d`: the account is `demo`; `%77` is `w`, so this is `/wx/demo` too.
    for path in ["/wx/%64emo", "/%77x/demo"] {
        let (status, body) = gw.get(&format!("{path}?{query}")).await;
        assert_eq!((status, body.as_str()), (200, "abc"), "{path}");
    }
    // An escaped slash stays in the segment: no account has that name.
    let (status, _) = gw.get(&format!("/wx/de%2Fmo?{query}")).await;
    assert_eq!(status, 404);
    // Only `/wx` and what is below it is the callback.
    for path in ["/wx", "/wx/", "/wxdemo", "/wx/demo/", "/wx/demo/x"] {
        let (status, _) = gw.get(&format!("{path}?{query}")).await;
        assert_eq!(status, 404, "{path}");
    }
}
