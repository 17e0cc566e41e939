use super::*;
use crate::manage::validate::BadRequest;

fn qr(body: &str) -> QrCodeSpec {
    parse_qrcode(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
}

fn bad_qr(body: &str) -> String {
    match parse_qrcode(body.as_bytes()) {
        Ok(spec) => panic!("{body} parsed as {spec:?}"),
        Err(BadRequest(message)) => message,
    }
}

fn valid_qr(body: &str) -> ValidQrCode {
    validate_qrcode(&qr(body)).unwrap_or_else(|p| panic!("{body}: {p:?}"))
}

/// Asserts exactly one problem, at `path`, whose message contains `needle`.
fn assert_qr_problem(body: &str, path: &str, needle: &str) {
    let found = validate_qrcode(&qr(body)).expect_err("should be invalid");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, path);
    assert!(
        found[0].message.contains(needle),
        "{:?} should contain {needle:?}",
        found[0].message
    );
}

#[test]
fn qr_string_scene_stays_a_string_even_when_all_digits() {
    assert_eq!(
        qr(r#"{"scene": "007"}"#).scene,
        SceneSpec::Str("007".into())
    );
    let code = valid_qr(r#"{"scene": "007"}"#);
    assert_eq!(code.scene, Scene::Str("007".into()));
    assert_eq!(code.action_name(), "QR_STR_SCENE");
}

#[test]
fn qr_integer_scene() {
    assert_eq!(qr(r#"{"scene": 42}"#).scene, SceneSpec::Int(42));
    let code = valid_qr(r#"{"scene": 42}"#);
    assert_eq!(
        code,
        ValidQrCode {
            scene: Scene::Id(42),
            permanent: false,
            expire_seconds: Some(MAX_EXPIRE_SECONDS)
        }
    );
    assert_eq!(code.action_name(), "QR_SCENE");
}

#[test]
fn qr_defaults_to_temporary_for_thirty_days() {
    let spec = qr(r#"{"scene": "promo"}"#);
    assert!(!spec.permanent);
    assert_eq!(spec.expire_seconds, None);
    assert_eq!(
        valid_qr(r#"{"scene": "promo"}"#).expire_seconds,
        Some(2_592_000)
    );
}

#[test]
fn qr_given_expiry() {
    assert_eq!(
        valid_qr(r#"{"scene": 1, "expire_seconds": 1}"#).expire_seconds,
        Some(1)
    );
    assert_eq!(
        valid_qr(r#"{"scene": 1, "expire_seconds": 2592000}"#).expire_seconds,
        Some(2_592_000)
    );
    assert_eq!(
        valid_qr(r#"{"scene": 1, "permanent": false, "expire_seconds": 600}"#).expire_seconds,
        Some(600)
    );
}

#[test]
fn qr_permanent() {
    let code = valid_qr(r#"{"scene": 100000, "permanent": true}"#);
    assert_eq!(
        code,
        ValidQrCode {
            scene: Scene::Id(100_000),
            permanent: true,
            expire_seconds: None
        }
    );
    assert_eq!(code.action_name(), "QR_LIMIT_SCENE");
    let code = valid_qr(r#"{"scene": "promo", "permanent": true}"#);
    assert_eq!(code.expire_seconds, None);
    assert_eq!(code.action_name(), "QR_LIMIT_STR_SCENE");
}

#[test]
fn qr_scene_that_is_not_a_string_or_integer_is_a_bad_request() {
    for (body, needle) in [
        (r#"{"scene": 42.5}"#, "floating point `42.5`"),
        (r#"{"scene": 42.0}"#, "floating point"),
        (r#"{"scene": 1e3}"#, "floating point"),
        (r#"{"scene": true}"#, "boolean `true`"),
        (r#"{"scene": null}"#, "null"),
        (r#"{"scene": {}}"#, "map"),
        (r#"{"scene": []}"#, "sequence"),
    ] {
        let message = bad_qr(body);
        assert!(message.contains(needle), "{body}: {message}");
        assert!(
            message.contains("expected a string or an integer scene"),
            "{body}: {message}"
        );
        assert!(message.contains("line 1 column"), "{body}: {message}");
    }
}

#[test]
fn qr_parse_errors() {
    assert!(bad_qr("{}").contains("missing field `scene`"));
    let message = bad_qr(r#"{"scene": 1, "colour": "red"}"#);
    assert!(message.contains("unknown field `colour`"), "{message}");
    assert!(message.contains("line 1 column"), "{message}");
    assert!(
        bad_qr(r#"{"scene": 1, "permanent": "yes"}"#)
            .contains("invalid type: string \"yes\", expected a boolean")
    );
    assert!(bad_qr(r#"{"scene": 1, "expire_seconds": 60.5}"#).contains("floating point"));
    assert!(bad_qr(r#"{"scene": 1"#).contains("not valid JSON"));
}

#[test]
fn qr_expiry_on_a_permanent_code() {
    assert_qr_problem(
        r#"{"scene": 1, "permanent": true, "expire_seconds": 60}"#,
        "expire_seconds",
        "permanent",
    );
}

#[test]
fn qr_expiry_out_of_range() {
    assert_qr_problem(
        r#"{"scene": 1, "expire_seconds": 0}"#,
        "expire_seconds",
        "is 0, must be 1..=2592000",
    );
    assert_qr_problem(
        r#"{"scene": 1, "expire_seconds": 2592001}"#,
        "expire_seconds",
        "2592001",
    );
    assert_qr_problem(
        r#"{"scene": 1, "expire_seconds": -5}"#,
        "expire_seconds",
        "-5",
    );
    assert_qr_problem(
        r#"{"scene": 1, "expire_seconds": 9999999999}"#,
        "expire_seconds",
        "9999999999",
    );
}

#[test]
fn qr_integer_scene_range() {
    assert_qr_problem(r#"{"scene": 0}"#, "scene", "1..=4294967295");
    assert_qr_problem(r#"{"scene": -1}"#, "scene", "scene -1");
    assert_qr_problem(r#"{"scene": 4294967296}"#, "scene", "scene 4294967296");
    assert_qr_problem(
        r#"{"scene": 18446744073709551615}"#,
        "scene",
        "18446744073709551615",
    );
    assert_eq!(
        valid_qr(r#"{"scene": 4294967295}"#).scene,
        Scene::Id(u32::MAX)
    );

    assert_qr_problem(r#"{"scene": 0, "permanent": true}"#, "scene", "1..=100000");
    assert_qr_problem(
        r#"{"scene": 100001, "permanent": true}"#,
        "scene",
        "permanent",
    );
    assert_eq!(
        valid_qr(r#"{"scene": 1, "permanent": true}"#).scene,
        Scene::Id(1)
    );
}

#[test]
fn qr_string_scene_length_counts_characters() {
    assert_qr_problem(r#"{"scene": ""}"#, "scene", "empty");
    let long = format!(r#"{{"scene": "{}"}}"#, "a".repeat(65));
    assert_qr_problem(&long, "scene", "65 characters, at most 64");
    let ok = format!(r#"{{"scene": "{}"}}"#, "a".repeat(64));
    assert!(matches!(valid_qr(&ok).scene, Scene::Str(s) if s.len() == 64));
    // 64 Chinese characters are 192 bytes but still 64 characters.
    let wide = format!(r#"{{"scene": "{}", "permanent": true}}"#, "码".repeat(64));
    assert!(matches!(valid_qr(&wide).scene, Scene::Str(s) if s.chars().count() == 64));
    let too_wide = format!(r#"{{"scene": "{}"}}"#, "码".repeat(65));
    assert_qr_problem(&too_wide, "scene", "65 characters");
}

#[test]
fn qr_lists_every_problem() {
    let found = validate_qrcode(&qr(
        r#"{"scene": 0, "permanent": true, "expire_seconds": 60}"#,
    ))
    .expect_err("should be invalid");
    let paths: Vec<_> = found.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["scene", "expire_seconds"]);
}

#[test]
fn constants() {
    assert_eq!(MAX_PERMANENT_QRCODES, 100_000);
    assert_eq!(MAX_EXPIRE_SECONDS, 2_592_000);
}
