use super::*;

#[test]
fn figures_are_shown_whole_or_to_a_tenth() {
    assert_eq!(shown(None), "–");
    assert_eq!(shown(Some(0.0)), "0");
    assert_eq!(shown(Some(12.0)), "12");
    assert_eq!(shown(Some(2.54)), "2.5");
    assert_eq!(tenth(2.56), 2.6);
}

#[test]
fn every_status_has_its_words() {
    for status in [Status::Ok, Status::Down, Status::NotConfigured] {
        assert!(super::super::i18n::has(status.key()), "{}", status.key());
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::json!(status.word())
        );
    }
}

#[test]
fn account_figures_sum_their_reasons_and_kinds() {
    let metrics = crate::metrics::Metrics::new(["demo"]);
    let demo = metrics.account(0).unwrap();
    demo.rejected(crate::metrics::Reason::Signature);
    demo.rejected(crate::metrics::Reason::Parse);
    demo.failure(crate::metrics::Failure::Panic);
    let snapshot = metrics.snapshot(crate::clock::monotonic_millis());
    let figures = Figures::of(&snapshot.accounts[0]);
    assert_eq!(figures.rejections, 2);
    assert_eq!(figures.rejections_by_reason["parse"], 1);
    assert_eq!(figures.handler_failures, 1);
    assert_eq!(figures.p50(), "–");
}
