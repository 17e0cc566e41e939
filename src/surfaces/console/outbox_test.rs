use super::*;
use crate::store::MessageKind;

#[test]
fn every_status_has_a_label_in_the_catalogue() {
    for status in MessageStatus::ALL {
        let key = status_key(status.as_str());
        assert!(super::super::i18n::has(key), "{key}");
        assert!(key.ends_with(status.as_str()), "{key}");
    }
}

#[test]
fn rows_show_the_last_error_and_the_latest_time() {
    let message = OutboxMessage {
        id: "m1".to_owned(),
        account: "shop".to_owned(),
        client_id: "app".to_owned(),
        kind: MessageKind::Template,
        recipient: "o-alice".to_owned(),
        payload: "{}".to_owned(),
        status: MessageStatus::Failed,
        attempts: 3,
        errcode: Some(43004),
        errmsg: Some("require subscribe".to_owned()),
        msgid: None,
        created_at: 0,
        sent_at: Some(60),
        finished_at: Some(120),
        next_attempt_at_ms: 0,
        claimed_at: None,
    };
    let row = Row::new(&message);
    assert_eq!(row.status, "failed");
    assert_eq!(row.kind, "template");
    assert_eq!(row.error.as_deref(), Some("43004 require subscribe"));
    assert_eq!(row.last.as_deref(), Some("1970-01-01 00:02:00"));
    let queued = OutboxMessage {
        status: MessageStatus::Queued,
        errcode: None,
        errmsg: None,
        sent_at: None,
        finished_at: None,
        ..message
    };
    let row = Row::new(&queued);
    assert_eq!((row.error, row.last), (None, None));
}
