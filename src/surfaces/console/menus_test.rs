use super::*;

#[test]
fn when_prints_utc_date_and_time() {
    assert_eq!(
        when(0),
        (
            "1970-01-01 00:00:00".to_owned(),
            "1970-01-01T00:00:00Z".to_owned()
        )
    );
    // 2024-02-29 12:34:56 UTC: a leap day.
    assert_eq!(when(1_709_210_096).0, "2024-02-29 12:34:56");
    // 2026-12-31 23:59:59 UTC, then the next second.
    assert_eq!(when(1_798_761_599).0, "2026-12-31 23:59:59");
    assert_eq!(when(1_798_761_600).1, "2027-01-01T00:00:00Z");
    // Before the epoch.
    assert_eq!(when(-1).0, "1969-12-31 23:59:59");
}

#[test]
fn dotted_paths_name_fields_as_the_editor_does() {
    assert_eq!(
        dotted("button[0].sub_button[12].url"),
        "button.0.sub_button.12.url"
    );
    assert_eq!(dotted("button[3]"), "button.3");
    assert_eq!(dotted("matchrule.tag_id"), "matchrule.tag_id");
    assert_eq!(dotted("button"), "button");
}

#[actix_web::test]
async fn invalid_answers_422_with_every_problem_by_dotted_path() {
    let problems = vec![
        Problem::new("button[0].name", "name must not be empty"),
        Problem::new(
            "button[1].sub_button[2].key",
            "key is required for type click",
        ),
    ];
    let response = invalid(&problems, T::default());
    assert_eq!(
        response.status(),
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    );
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    let value: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        value["problems"],
        json!([
            { "path": "button.0.name", "message": "name must not be empty" },
            { "path": "button.1.sub_button.2.key", "message": "key is required for type click" },
        ])
    );
    assert!(value["error"].as_str().is_some_and(|e| e.contains('2')));
}

#[test]
fn every_button_type_and_field_has_a_label_in_both_languages() {
    for (kind, key) in button_types() {
        assert!(
            super::super::i18n::has(&key),
            "no label for button type {kind} ({key})"
        );
    }
    for (field, key) in BUTTON_FIELDS {
        assert!(super::super::i18n::has(key), "no label for field {field}");
    }
    let en = T {
        lang: super::super::i18n::Lang::En,
    };
    assert_eq!(en.t("menu.type.view"), "Open a page");
}

#[test]
fn every_field_a_button_type_needs_is_in_the_form() {
    // The form offers each field WeChat's rules can ask for.
    let fields: Vec<&str> = BUTTON_FIELDS.iter().map(|(name, _)| *name).collect();
    for name in ["key", "url", "media_id", "article_id", "appid", "pagepath"] {
        assert!(fields.contains(&name), "{name} missing from the form");
    }
    assert_eq!(fields.len(), 6);
}

#[test]
fn pretty_prints_one_key_a_line() {
    let text = pretty(&json!({ "button": [{ "type": "click", "name": "A", "key": "K" }] }));
    assert!(text.lines().any(|l| l.trim() == "\"key\": \"K\","));
    assert!(text.lines().count() >= 7);
}

/// The status and JSON body of `refused`'s answer.
async fn refusal(error: ManageError) -> (u16, Value) {
    let response = refused(error, T::default()).unwrap();
    let status = response.status().as_u16();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

#[actix_web::test]
async fn refusals_of_a_script_change_say_what_and_where() {
    let (status, body) = refusal(ManageError::WeChat {
        error: ApiError::WeChat {
            errcode: 65318,
            errmsg: "must use utf-8 charset".into(),
        },
        version: Some(4),
    })
    .await;
    assert_eq!(status, 502);
    assert_eq!(body["errcode"], 65318);
    assert_eq!(body["errmsg"], "must use utf-8 charset");
    assert_eq!(body["version"], 4);

    let (status, body) = refusal(ManageError::WeChat {
        error: ApiError::Timeout,
        version: None,
    })
    .await;
    assert_eq!(status, 504);
    assert!(body.get("errcode").is_none() && body.get("version").is_none());

    let (status, body) = refusal(ManageError::NoDefaultMenu).await;
    assert_eq!(status, 422);
    assert_eq!(body["problems"][0]["path"], "button");

    let (status, body) = refusal(ManageError::NoSecret("demo".into())).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().is_some_and(|e| e.contains("secret")));

    assert!(matches!(
        refused(
            ManageError::NotFound("no menu version 9".into()),
            T::default()
        ),
        Err(ConsoleError::NotFound)
    ));
}

#[test]
fn a_redirect_back_says_what_happened() {
    let en = T {
        lang: super::super::i18n::Lang::En,
    };
    let notice = |query: &str| {
        web::Query::<NoticeQuery>::from_query(query)
            .ok()
            .and_then(|q| q.notice(en))
            .map(|n| (n.text, n.error))
    };
    assert_eq!(
        notice("published=3"),
        Some(("Version 3 published".to_owned(), false))
    );
    assert!(notice("failed=3").is_some_and(|(text, error)| error && text.contains('3')));
    assert!(
        notice("delete_failed=46003").is_some_and(|(text, error)| error && text.contains("46003"))
    );
    assert!(
        notice("delete_failed=0").is_some_and(|(text, error)| error && text.contains("answer"))
    );
    assert!(notice("deleted=1").is_some_and(|(_, error)| !error));
    assert_eq!(notice(""), None);
    // Anything else in the query is not shown.
    assert_eq!(notice("published=<b>"), None);
}
