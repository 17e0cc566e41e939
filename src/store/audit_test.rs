//! The audit log: recording, paging newest first, counting failed sign-ins.

use super::{AuditAction, FailedSignInsBy, NewAuditEntry};
use crate::store::Store;
use crate::store::test_util::on_every_backend;

fn entry<'a>(at: i64, actor: &'a str, ip: &'a str, action: AuditAction) -> NewAuditEntry<'a> {
    NewAuditEntry {
        at,
        actor,
        ip,
        account: None,
        action,
        detail: "",
    }
}

async fn entries_page_newest_first(store: Store) {
    assert!(store.audit_entries(None, 10).await.unwrap().is_empty());
    for at in 1..=5 {
        let detail = format!("version {at}");
        store
            .record_audit(&NewAuditEntry {
                account: Some("demo"),
                detail: &detail,
                ..entry(at, "li", "10.0.0.1", AuditAction::MenuSaved)
            })
            .await
            .unwrap();
    }
    let first = store.audit_entries(None, 2).await.unwrap();
    assert_eq!(
        first.iter().map(|e| e.at).collect::<Vec<_>>(),
        [5, 4],
        "newest first"
    );
    assert_eq!(first[0].actor, "li");
    assert_eq!(first[0].ip, "10.0.0.1");
    assert_eq!(first[0].account.as_deref(), Some("demo"));
    assert_eq!(first[0].action, "menu_saved");
    assert_eq!(first[0].detail, "version 5");
    let next = store.audit_entries(Some(first[1].id), 2).await.unwrap();
    assert_eq!(next.iter().map(|e| e.at).collect::<Vec<_>>(), [3, 2]);
    let last = store.audit_entries(Some(next[1].id), 2).await.unwrap();
    assert_eq!(last.iter().map(|e| e.at).collect::<Vec<_>>(), [1]);
}
on_every_backend!(entries_page_newest_first);

async fn failed_sign_ins_are_counted_by_name_and_by_address(store: Store) {
    let failed = AuditAction::SignInFailed;
    for (at, actor, ip) in [
        (100, "li", "10.0.0.1"),
        (200, "li", "10.0.0.2"),
        (300, "wang", "10.0.0.1"),
    ] {
        store
            .record_audit(&entry(at, actor, ip, failed))
            .await
            .unwrap();
    }
    // Successful sign-ins do not count.
    store
        .record_audit(&entry(400, "li", "10.0.0.1", AuditAction::SignIn))
        .await
        .unwrap();
    let by_name = |name| FailedSignInsBy::Actor(name);
    let by_ip = |ip| FailedSignInsBy::Ip(ip);
    let count = |by, since, limit| {
        let store = store.clone();
        async move { store.failed_sign_ins_since(by, since, limit).await.unwrap() }
    };
    assert_eq!(count(by_name("li"), 0, 10).await, [100, 200]);
    assert_eq!(count(by_name("li"), 150, 10).await, [200]);
    assert_eq!(count(by_name("li"), 0, 1).await, [100], "oldest first");
    assert_eq!(count(by_name("zhao"), 0, 10).await, Vec::<i64>::new());
    assert_eq!(count(by_ip("10.0.0.1"), 0, 10).await, [100, 300]);
    assert_eq!(count(by_ip("10.0.0.2"), 201, 10).await, Vec::<i64>::new());
}
on_every_backend!(failed_sign_ins_are_counted_by_name_and_by_address);

#[test]
fn every_action_parses_back() {
    for action in AuditAction::ALL {
        assert_eq!(AuditAction::parse(action.as_str()), Some(action));
    }
    assert_eq!(AuditAction::parse("menu"), None);
}
