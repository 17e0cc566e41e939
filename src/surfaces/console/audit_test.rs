use super::*;

#[test]
fn times_are_shown_in_utc() {
    assert_eq!(utc(0), "1970-01-01 00:00:00");
    assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
    assert_eq!(utc(1_796_643_015), "2026-12-07 11:30:15");
    assert_eq!(utc(4_107_542_399), "2100-02-28 23:59:59");
}

#[test]
fn every_action_has_a_label_in_both_languages() {
    for action in AuditAction::ALL {
        assert!(super::super::i18n::has(action_key(action)), "{action:?}");
    }
}
