use crate::common::*;

#[actix_web::test]
async fn keyword_rule_replies_with_well_formed_xml() {
    let gw = start().await;
    let (status, body) = gw
        .post_plain("demo", &text_xml("o_alice", "hello", 1001))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(xml_field(&body, "ToUserName").as_deref(), Some("o_alice"));
    assert_eq!(xml_field(&body, "FromUserName").as_deref(), Some("gh_test"));
    assert_eq!(xml_field(&body, "MsgType").as_deref(), Some("text"));
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
    let create_time: u64 = xml_field(&body, "CreateTime").unwrap().parse().unwrap();
    assert!(create_time.abs_diff(now()) < 5);
}

#[actix_web::test]
async fn keyword_is_exact_and_case_sensitive() {
    let gw = start().await;
    for (i, content) in ["Hello", "hello ", "say hello"].iter().enumerate() {
        let (status, body) = gw
            .post_plain("demo", &text_xml("o_bob", content, 2000 + i as u64))
            .await;
        assert_eq!((status, body.as_str()), (200, "success"), "{content:?}");
    }
}

#[actix_web::test]
async fn regex_captures_are_inserted_literally_and_escaped() {
    let gw = start().await;
    let (_, body) = gw
        .post_plain("demo", &text_xml("o_c", "echo hi there", 3001))
        .await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("hi there"));
    // Captured text that looks like markup, a CDATA end, a replacement reference or emoji
    // comes back verbatim inside well-formed XML.
    let tricky = "a]]>b <c> & $2 ${name} 你好 🎉";
    let xml = text_xml(
        "o_c",
        &format!("echo {}", tricky.replace("]]>", "]]]]><![CDATA[>")),
        3002,
    );
    let (status, body) = gw.post_plain("demo", &xml).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(xml_field(&body, "Content").as_deref(), Some(tricky));
    assert_eq!(body.matches("<xml>").count(), 1);
}

#[actix_web::test]
async fn event_rules_match_case_insensitively_and_by_key() {
    let gw = start().await;
    let (_, body) = gw
        .post_plain("demo", &event_xml("o_d", now(), "subscribe", ""))
        .await;
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("welcome"));

    let (_, body) = gw
        .post_plain("demo", &event_xml("o_d", now(), "CLICK", "MENU_NEWS"))
        .await;
    assert_eq!(xml_field(&body, "MsgType").as_deref(), Some("news"));
    assert_eq!(xml_field(&body, "ArticleCount").as_deref(), Some("1"));
    assert_eq!(xml_field(&body, "Title").as_deref(), Some("t"));
    assert_eq!(
        xml_field(&body, "PicUrl").as_deref(),
        Some("https://x/p.png")
    );

    let (_, body) = gw
        .post_plain("demo", &event_xml("o_d", now(), "CLICK", "menu_news"))
        .await;
    assert_eq!(body, "success", "event_key is exact");
}

#[actix_web::test]
async fn no_matching_rule_answers_success() {
    let gw = start().await;
    let (status, body) = gw
        .post_plain("demo", &text_xml("o_e", "nothing matches", 4001))
        .await;
    assert_eq!((status, body.as_str()), (200, "success"));
    let image = format!(
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o_e]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId><MsgId>4002</MsgId></xml>",
        now()
    );
    assert_eq!(
        gw.post_plain("demo", &image).await,
        (200, "success".to_owned())
    );
}

#[actix_web::test]
async fn signatures_and_clock_are_checked() {
    let gw = start().await;
    let body = text_xml("o_f", "hello", 5001);
    let bad = format!(
        "/wx/demo?signature={}&timestamp={}&nonce=1",
        "f".repeat(40),
        now()
    );
    assert_eq!(gw.post_raw(&gw.url(&bad), body.clone()).await.0, 403);

    let stale = format!("/wx/demo?{}", plain_query(now() - 301, "42"));
    assert_eq!(gw.post_raw(&gw.url(&stale), body.clone()).await.0, 403);
    let future = format!("/wx/demo?{}", plain_query(now() + 400, "42"));
    assert_eq!(gw.post_raw(&gw.url(&future), body.clone()).await.0, 403);
    let fresh = format!("/wx/demo?{}", plain_query(now() - 200, "42"));
    assert_eq!(gw.post_raw(&gw.url(&fresh), body.clone()).await.0, 200);

    let missing = format!("/wx/demo?timestamp={}&nonce=1", now());
    assert_eq!(gw.post_raw(&gw.url(&missing), body.clone()).await.0, 400);
    let not_numeric = format!(
        "/wx/demo?signature={}&timestamp=12a&nonce=1",
        "f".repeat(40)
    );
    assert_eq!(gw.post_raw(&gw.url(&not_numeric), body).await.0, 400);

    let metrics = gw.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="signature"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="stale"}"#
        ),
        2.0
    );
    assert_eq!(
        metric(
            &metrics,
            r#"wxgate_rejected_total{account="demo",reason="bad_request"}"#
        ),
        2.0
    );
}

#[actix_web::test]
async fn zero_skew_disables_the_clock_check() {
    let gw = start_with(&config_text("max_clock_skew_secs = 0"), vec![]).await;
    let old = format!("/wx/demo?{}", plain_query(1_000_000_000, "42"));
    let (status, body) = gw
        .post_raw(&gw.url(&old), text_xml("o_g", "hello", 6001))
        .await;
    assert_eq!(status, 200);
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
}

#[actix_web::test]
async fn plain_push_to_a_safe_account_is_refused() {
    let gw = start().await;
    assert_eq!(
        gw.post_plain("safe", &text_xml("o_h", "hello", 7001))
            .await
            .0,
        403
    );
    // ...while a compatible account takes it on the plain path.
    let (status, body) = gw
        .post_plain("compat", &text_xml("o_h", "hello", 7002))
        .await;
    assert_eq!(status, 200);
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
}

#[actix_web::test]
async fn json_pushes_are_parsed_and_answered_success() {
    let gw = start().await;
    let json = format!(
        r#"{{"ToUserName":"gh_mini","FromUserName":"o_mini","CreateTime":{},"MsgType":"text","Content":"hello","MsgId":8001}}"#,
        now()
    );
    // Detected by the leading brace...
    assert_eq!(
        gw.post_plain("demo", &json).await,
        (200, "success".to_owned())
    );
    // ...or by the content type.
    let url = gw.url(&format!("/wx/demo?{}", plain_query(now(), "5")));
    let response = gw
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(format!(" \n{}", json.replace("8001", "8002")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "success");
    let metrics = gw.metrics().await;
    assert_eq!(
        metric(&metrics, r#"wxgate_messages_total{account="demo"}"#),
        2.0
    );

    assert_eq!(gw.post_plain("demo", r#"{"ToUserName": "#).await.0, 400);
}

#[actix_web::test]
async fn whitespace_around_cdata_is_formatting_as_in_wechats_samples() {
    let gw = start().await;
    let push = format!(
        "<xml>\n  <ToUserName> <![CDATA[gh_test]]> </ToUserName>\n  \
         <FromUserName> <![CDATA[o_padded]]> </FromUserName>\n  <CreateTime>{}</CreateTime>\n  \
         <MsgType> <![CDATA[text]]> </MsgType>\n  <Content> <![CDATA[hello]]> </Content>\n  \
         <MsgId>4001</MsgId>\n</xml>",
        now()
    );
    let (status, body) = gw.post_plain("demo", &push).await;
    assert_eq!(status, 200, "{body}");
    // The keyword rule matched, and the reply goes to the openid without its padding.
    assert_eq!(xml_field(&body, "Content").as_deref(), Some("world"));
    assert_eq!(xml_field(&body, "ToUserName").as_deref(), Some("o_padded"));
}
