use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::validate::{parse_conditional, parse_menu, parse_qrcode};
use super::*;
use crate::account::Accounts;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::{AuditEntry, Store};

const LI: Actor<'static> = Actor {
    name: "li",
    ip: "10.0.0.7",
};

/// The `demo` account (its API at `wechat`) and `nosecret`, and an empty store.
async fn setup(wechat: &MockServer) -> (Arc<Account>, Arc<Account>, Store) {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": "TOKEN", "expires_in": 7200 })),
        )
        .mount(wechat)
        .await;
    let config = Config::parse(
        &format!(
            "[[accounts]]\nname = \"demo\"\nappid = \"wx0123456789abcdef\"\ntoken = \"tok123\"\n\
             secret = \"app-secret-demo\"\napi_base = \"{}\"\n\n\
             [[accounts]]\nname = \"nosecret\"\nappid = \"wx0123456789abcdef\"\ntoken = \"tok123\"\n",
            wechat.uri()
        ),
        "test.toml",
    )
    .unwrap();
    let accounts = Accounts::build(
        &config.accounts,
        &[],
        &Metrics::new(["demo", "nosecret"]),
        &reqwest::Client::new(),
        Duration::from_secs(1),
        None,
    )
    .unwrap();
    let store = Store::open("sqlite::memory:").await.unwrap();
    (
        accounts.get("demo").unwrap().clone(),
        accounts.get("nosecret").unwrap().clone(),
        store,
    )
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" }))
}

fn refusal(errcode: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "errcode": errcode, "errmsg": "refused" }))
}

fn menu_json(name: &str) -> Value {
    json!({ "button": [ { "type": "click", "name": name, "key": "K" } ] })
}

fn menu(name: &str) -> Menu {
    parse_menu(&serde_json::to_vec(&menu_json(name)).unwrap()).unwrap()
}

fn conditional(body: Value) -> ConditionalMenuRequest {
    parse_conditional(&serde_json::to_vec(&body).unwrap()).unwrap()
}

/// `(actor, ip, account, action, detail)` of every entry, oldest first.
async fn audit_log(store: &Store) -> Vec<(String, String, Option<String>, String, String)> {
    let mut entries: Vec<AuditEntry> = store.audit_entries(None, 100).await.unwrap();
    entries.reverse();
    entries
        .into_iter()
        .map(|e| (e.actor, e.ip, e.account, e.action, e.detail))
        .collect()
}

fn entry(action: &str, detail: &str) -> (String, String, Option<String>, String, String) {
    (
        "li".into(),
        "10.0.0.7".into(),
        Some("demo".into()),
        action.into(),
        detail.into(),
    )
}

/// Calls WeChat received on `path`.
async fn calls(wechat: &MockServer, api_path: &str) -> usize {
    wechat
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == api_path)
        .count()
}

async fn publish_default(wechat: &MockServer, account: &Account, store: &Store) {
    Mock::given(path("/cgi-bin/menu/create"))
        .respond_with(ok())
        .mount(wechat)
        .await;
    save_and_publish(store, account, &menu("首页"), &LI)
        .await
        .unwrap();
}

#[tokio::test]
async fn save_and_publish_stores_publishes_and_audits_who_did_it() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    Mock::given(path("/cgi-bin/menu/create"))
        .and(body_json(menu_json("新闻")))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;

    let published = save_and_publish(&store, &demo, &menu("新闻"), &LI)
        .await
        .unwrap();
    assert_eq!(published.version, 1);
    assert!(published.current);
    assert_eq!(published.saved_by.as_deref(), Some("li"));
    assert_eq!(current_menu(&store, &demo).await.unwrap().version, 1);
    assert_eq!(
        audit_log(&store).await,
        [
            entry("menu_saved", "version 1"),
            entry("menu_published", "version 1")
        ]
    );
}

#[tokio::test]
async fn an_invalid_menu_is_every_problem_and_changes_nothing() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    let bad = parse_menu(br#"{"button": [{"type": "click", "name": ""}]}"#).unwrap();
    match save_and_publish(&store, &demo, &bad, &LI).await {
        Err(ManageError::Invalid(problems)) => assert_eq!(problems.len(), 2, "{problems:?}"),
        other => panic!("{other:?}"),
    }
    assert!(menu_versions(&store, &demo).await.unwrap().is_empty());
    assert!(audit_log(&store).await.is_empty());
    assert_eq!(calls(&wechat, "/cgi-bin/menu/create").await, 0);
}

#[tokio::test]
async fn a_refused_menu_is_kept_unpublished_and_only_its_saving_audited() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    Mock::given(path("/cgi-bin/menu/create"))
        .respond_with(refusal(40018))
        .mount(&wechat)
        .await;
    match save_and_publish(&store, &demo, &menu("x"), &LI).await {
        Err(ManageError::WeChat { error, version }) => {
            assert_eq!(error.errcode(), Some(40018));
            assert_eq!(version, Some(1));
        }
        other => panic!("{other:?}"),
    }
    let versions = menu_versions(&store, &demo).await.unwrap();
    assert!(versions[0].publish_error.is_some());
    assert!(matches!(
        current_menu(&store, &demo).await,
        Err(ManageError::NotFound(_))
    ));
    assert_eq!(audit_log(&store).await, [entry("menu_saved", "version 1")]);
}

#[tokio::test]
async fn republish_rolls_back_and_an_unknown_version_is_not_found() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    Mock::given(path("/cgi-bin/menu/create"))
        .respond_with(ok())
        .mount(&wechat)
        .await;
    save_and_publish(&store, &demo, &menu("one"), &LI)
        .await
        .unwrap();
    save_and_publish(&store, &demo, &menu("two"), &LI)
        .await
        .unwrap();
    let back = republish(&store, &demo, 1, &LI).await.unwrap();
    assert!(back.current);
    assert_eq!(back.menu, menu_json("one"));
    assert!(matches!(
        republish(&store, &demo, 9, &LI).await,
        Err(ManageError::NotFound(_))
    ));
    assert_eq!(calls(&wechat, "/cgi-bin/menu/create").await, 3);
    let log = audit_log(&store).await;
    assert_eq!(log.last(), Some(&entry("menu_rolled_back", "version 1")));
    assert_eq!(log.len(), 5);
}

#[tokio::test]
async fn an_account_without_a_secret_is_no_secret_before_anything_is_stored() {
    let wechat = MockServer::start().await;
    let (_, nosecret, store) = setup(&wechat).await;
    assert!(matches!(
        save_and_publish(&store, &nosecret, &menu("x"), &LI).await,
        Err(ManageError::NoSecret(name)) if name == "nosecret"
    ));
    assert!(matches!(
        try_match(&nosecret, "o1").await,
        Err(ManageError::NoSecret(_))
    ));
    assert!(menu_versions(&store, &nosecret).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_conditional_menu_needs_a_default_menu_first() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    let request = conditional(
        json!({ "button": menu_json("VIP")["button"], "matchrule": { "tag_id": "2" } }),
    );
    assert!(matches!(
        add_conditional(&store, &demo, &request, &LI).await,
        Err(ManageError::NoDefaultMenu)
    ));
    let refused =
        conditional(json!({ "button": menu_json("VIP")["button"], "matchrule": { "sex": "1" } }));
    match add_conditional(&store, &demo, &refused, &LI).await {
        Err(ManageError::Invalid(problems)) => {
            assert_eq!(problems[0].path, "matchrule.sex");
            assert!(problems[0].message.contains("65320"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(calls(&wechat, "/cgi-bin/menu/addconditional").await, 0);
    assert!(audit_log(&store).await.is_empty());
}

#[tokio::test]
async fn conditional_menus_are_added_listed_and_deleted_with_audit() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    publish_default(&wechat, &demo, &store).await;
    Mock::given(path("/cgi-bin/menu/addconditional"))
        .and(body_json(json!({
            "button": menu_json("VIP")["button"],
            "matchrule": { "tag_id": "2", "client_platform_type": "1" }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "menuid": 208379533 })))
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(path("/cgi-bin/menu/delconditional"))
        .and(body_json(json!({ "menuid": "208379533" })))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;

    let request = conditional(json!({
        "button": menu_json("VIP")["button"],
        "matchrule": { "tag_id": 2, "client_platform_type": 1 }
    }));
    let added = add_conditional(&store, &demo, &request, &LI).await.unwrap();
    assert_eq!(added.menuid, "208379533");
    assert_eq!(added.created_by, "li");
    assert_eq!(
        added.matchrule,
        json!({ "tag_id": "2", "client_platform_type": "1" })
    );
    assert_eq!(conditional_menus(&store, &demo).await.unwrap(), [added]);

    assert!(matches!(
        delete_conditional(&store, &demo, "404", &LI).await,
        Err(ManageError::NotFound(_))
    ));
    assert_eq!(calls(&wechat, "/cgi-bin/menu/delconditional").await, 0);
    delete_conditional(&store, &demo, "208379533", &LI)
        .await
        .unwrap();
    assert!(conditional_menus(&store, &demo).await.unwrap().is_empty());
    let log = audit_log(&store).await;
    assert_eq!(
        log[2..],
        [
            entry("conditional_added", "menuid 208379533"),
            entry("conditional_removed", "menuid 208379533")
        ]
    );
}

#[tokio::test]
async fn a_conditional_menu_wechat_no_longer_has_is_removed_but_other_refusals_keep_it() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    for (menuid, answer) in [("1", refusal(65301)), ("2", refusal(-1))] {
        store
            .add_conditional_menu(
                "demo",
                &ConditionalMenu {
                    menuid: menuid.into(),
                    button: json!([]),
                    matchrule: json!({ "tag_id": "1" }),
                    created_at: 1,
                    created_by: "li".into(),
                },
            )
            .await
            .unwrap();
        Mock::given(path("/cgi-bin/menu/delconditional"))
            .and(body_json(json!({ "menuid": menuid })))
            .respond_with(answer)
            .mount(&wechat)
            .await;
    }
    delete_conditional(&store, &demo, "1", &LI).await.unwrap();
    assert!(matches!(
        delete_conditional(&store, &demo, "2", &LI).await,
        Err(ManageError::WeChat { .. })
    ));
    let left: Vec<String> = conditional_menus(&store, &demo)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.menuid)
        .collect();
    assert_eq!(left, ["2"]);
}

#[tokio::test]
async fn deleting_the_menu_forgets_the_conditional_menus_too() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    publish_default(&wechat, &demo, &store).await;
    Mock::given(path("/cgi-bin/menu/addconditional"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "menuid": "7" })))
        .mount(&wechat)
        .await;
    Mock::given(path("/cgi-bin/menu/delete"))
        .respond_with(ok())
        .expect(1)
        .mount(&wechat)
        .await;
    let request = conditional(
        json!({ "button": menu_json("VIP")["button"], "matchrule": { "tag_id": "2" } }),
    );
    add_conditional(&store, &demo, &request, &LI).await.unwrap();
    delete_menu(&store, &demo, &LI).await.unwrap();
    assert!(conditional_menus(&store, &demo).await.unwrap().is_empty());
    assert!(matches!(
        current_menu(&store, &demo).await,
        Err(ManageError::NotFound(_))
    ));
    assert_eq!(
        audit_log(&store).await.last(),
        Some(&entry("menu_deleted", ""))
    );
}

#[tokio::test]
async fn try_match_needs_a_user_and_returns_wechats_answer() {
    let wechat = MockServer::start().await;
    let (demo, _, _) = setup(&wechat).await;
    let answer = json!({ "button": menu_json("VIP")["button"] });
    Mock::given(path("/cgi-bin/menu/trymatch"))
        .and(body_json(json!({ "user_id": "oUser1" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .expect(1)
        .mount(&wechat)
        .await;
    for blank in ["", "   "] {
        assert!(matches!(
            try_match(&demo, blank).await,
            Err(ManageError::Invalid(problems)) if problems[0].path == "user_id"
        ));
    }
    assert_eq!(try_match(&demo, "oUser1").await.unwrap(), answer);
}

#[tokio::test]
async fn create_qrcode_stores_and_audits_the_scene_and_kind() {
    let wechat = MockServer::start().await;
    let (demo, _, store) = setup(&wechat).await;
    Mock::given(path("/cgi-bin/qrcode/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "ticket": "T", "expire_seconds": 60, "url": "http://weixin.qq.com/q/T" }),
        ))
        .expect(2)
        .mount(&wechat)
        .await;
    let temporary = parse_qrcode(br#"{"scene": 42, "expire_seconds": 60}"#).unwrap();
    let permanent = parse_qrcode(br#"{"scene": "shop", "permanent": true}"#).unwrap();
    let code = create_qrcode(&store, &demo, &temporary, &LI).await.unwrap();
    assert_eq!(code.scene, "42");
    assert!(code.expires_at.is_some());
    create_qrcode(&store, &demo, &permanent, &LI).await.unwrap();
    let bad = parse_qrcode(br#"{"scene": 0, "permanent": true}"#).unwrap();
    assert!(matches!(
        create_qrcode(&store, &demo, &bad, &LI).await,
        Err(ManageError::Invalid(_))
    ));
    assert_eq!(qrcodes(&store, &demo).await.unwrap().len(), 2);
    assert_eq!(permanent_qrcodes(&store, &demo).await.unwrap(), 1);
    assert_eq!(
        audit_log(&store).await,
        [
            entry("qr_created", "scene 42, temporary"),
            entry("qr_created", "scene shop, permanent")
        ]
    );
}

#[test]
fn errors_read_as_english_sentences() {
    assert_eq!(
        ManageError::Invalid(vec![Problem::new("button", "x")]).to_string(),
        "1 problem(s) with the request"
    );
    assert!(
        ManageError::NoSecret("demo".into())
            .to_string()
            .contains("`demo`")
    );
    assert!(
        ManageError::NoDefaultMenu
            .to_string()
            .contains("default menu")
    );
    assert!(matches!(
        ManageError::from(crate::store::StoreError::NotFound),
        ManageError::NotFound(_)
    ));
}
