use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::*;

#[actix_web::test]
async fn sequential_retry_gets_the_same_reply_without_rerunning() {
    let (gw, seen) = start_counting("", Duration::ZERO).await;
    let body = text_xml("o_dd", "count me", 10_001);
    let first = gw.post_plain("demo", &body).await;
    assert_eq!(first.0, 200);
    assert_eq!(
        xml_field(&first.1, "Content").as_deref(),
        Some("handled #1")
    );
    tokio::time::sleep(Duration::from_millis(1100)).await; // a different CreateTime in the reply would show
    let second = gw.post_plain("demo", &body).await;
    let third = gw.post_plain("demo", &body).await;
    assert_eq!(first, second, "byte for byte, CreateTime included");
    assert_eq!(first, third);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(
        metric(
            &gw.metrics().await,
            r#"wxgate_duplicates_total{account="demo"}"#
        ),
        2.0
    );
}

#[actix_web::test]
async fn concurrent_copies_run_the_handler_once_and_share_its_reply() {
    let (gw, seen) = start_counting("", Duration::from_millis(300)).await;
    let body = text_xml("o_conc", "count me", 10_002);
    let (a, b, c) = tokio::join!(
        gw.post_plain("demo", &body),
        gw.post_plain("demo", &body),
        gw.post_plain("demo", &body)
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(a.0, 200);
    assert_eq!(xml_field(&a.1, "Content").as_deref(), Some("handled #1"));
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[actix_web::test]
async fn dedup_is_per_account_and_per_msg_id() {
    let (gw, seen) = start_counting("", Duration::ZERO).await;
    let body = text_xml("o_pa", "count me", 10_003);
    gw.post_plain("demo", &body).await;
    gw.post_plain("compat", &body).await; // another account: handled again
    gw.post_plain("demo", &text_xml("o_pa", "count me", 10_004))
        .await; // another MsgId
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[actix_web::test]
async fn two_menu_clicks_in_the_same_second_are_both_handled() {
    let (gw, seen) = start_counting("", Duration::ZERO).await;
    let t = now();
    let a = gw
        .post_plain("demo", &event_xml("o_click", t, "CLICK", "MENU_A"))
        .await;
    let b = gw
        .post_plain("demo", &event_xml("o_click", t, "CLICK", "MENU_B"))
        .await;
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert_ne!(a.1, b.1);
    // A retry of the first click (same sender, time, event and key) is a duplicate.
    gw.post_plain("demo", &event_xml("o_click", t, "CLICK", "MENU_A"))
        .await;
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn encrypted_retry_gets_the_same_plaintext_freshly_sealed() {
    let (gw, seen) = start_counting("", Duration::ZERO).await;
    let plaintext = text_xml("o_enc", "count me", 10_005);
    let (q1, b1) = encrypted_push(&plaintext, APPID);
    let (q2, b2) = encrypted_push(&plaintext, APPID);
    let (_, r1) = gw.post_raw(&gw.url(&format!("/wx/safe?{q1}")), b1).await;
    let (_, r2) = gw.post_raw(&gw.url(&format!("/wx/safe?{q2}")), b2).await;
    assert_ne!(
        r1, r2,
        "each answer is sealed with a fresh nonce and random prefix"
    );
    assert_eq!(open_reply(&r1), open_reply(&r2));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}
