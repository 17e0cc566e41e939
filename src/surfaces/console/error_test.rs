use super::*;

#[test]
fn each_error_has_its_status() {
    for (error, status) in [
        (ConsoleError::NotFound, 404),
        (ConsoleError::Unauthorized, 401),
        (ConsoleError::Forbidden("x"), 403),
        (ConsoleError::BadRequest("x".into()), 400),
        (ConsoleError::TooLarge, 413),
        (ConsoleError::TooManyRequests { retry_after: 3 }, 429),
        (ConsoleError::Internal("x".into()), 500),
    ] {
        assert_eq!(error.status_code().as_u16(), status, "{error}");
        assert!(super::super::i18n::has(error.message_key()), "{error}");
    }
}

#[test]
fn a_store_not_found_is_a_404() {
    assert!(matches!(
        ConsoleError::from(crate::store::StoreError::NotFound),
        ConsoleError::NotFound
    ));
}
