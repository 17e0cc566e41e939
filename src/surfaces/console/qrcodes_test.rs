use super::*;

fn posted(scene: &str, kind: &str, expire: &str) -> QrForm {
    QrForm {
        scene: scene.to_owned(),
        kind: kind.to_owned(),
        expire_seconds: expire.to_owned(),
    }
}

#[test]
fn digits_make_an_integer_scene_anything_else_a_string() {
    let request = posted("42", "temporary", "600").request().unwrap();
    assert_eq!(request.scene, SceneSpec::Int(42));
    assert!(!request.permanent);
    assert_eq!(request.expire_seconds, Some(600));
    for text in ["007", "promo", "4 2", "-1", "1e3"] {
        assert_eq!(
            posted(text, "temporary", "").request().unwrap().scene,
            SceneSpec::Str(text.to_owned()),
            "{text}"
        );
    }
    assert_eq!(
        posted(" 5 ", "permanent", "").request().unwrap().scene,
        SceneSpec::Int(5),
        "trimmed"
    );
}

#[test]
fn a_permanent_code_ignores_the_life_and_an_empty_life_is_wechats_longest() {
    let request = posted("shop", "permanent", "600").request().unwrap();
    assert!(request.permanent);
    assert_eq!(request.expire_seconds, None);
    let request = posted("shop", "temporary", "").request().unwrap();
    assert_eq!(request.expire_seconds, None);
    // The rules (range, length) are manage's: the form passes what it read.
    assert_eq!(
        posted("shop", "temporary", "0")
            .request()
            .unwrap()
            .expire_seconds,
        Some(0)
    );
}

#[test]
fn fields_that_do_not_parse_are_problems_at_their_paths() {
    let problems = posted("x", "forever", "soon").request().unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["kind", "expire_seconds"]);
}

#[test]
fn download_names_keep_to_safe_characters() {
    assert_eq!(file_safe("shop-1_a"), "shop-1_a");
    assert_eq!(file_safe("a\"b/c\r\n"), "a_b_c__");
}

#[test]
fn rows_show_utc_times_and_expiry() {
    let code = QrCode {
        id: 7,
        scene: "promo".to_owned(),
        scene_is_int: false,
        permanent: false,
        ticket: "t".to_owned(),
        url: "http://weixin.qq.com/q/x".to_owned(),
        created_at: 0,
        expires_at: Some(86_400),
        scans: 3,
        subscribes: 2,
    };
    let row = QrRow::new(&code, 86_399);
    assert_eq!(row.created, "1970-01-01 00:00:00");
    assert_eq!(row.expires.as_deref(), Some("1970-01-02 00:00:00"));
    assert!(!row.expired);
    assert!(QrRow::new(&code, 86_400).expired);
    let permanent = QrCode {
        permanent: true,
        expires_at: None,
        ..code
    };
    assert!(!QrRow::new(&permanent, i64::MAX).expired);
}
