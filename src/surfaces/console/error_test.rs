use super::*;
use crate::api::ApiError;
use crate::manage::ManageError;

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
        (ConsoleError::Invalid(vec![]), 422),
        (ConsoleError::NoSecret("demo".into()), 422),
        (ConsoleError::NoDefaultMenu, 422),
        (
            ConsoleError::WeChat {
                error: ApiError::Timeout,
                version: None,
            },
            504,
        ),
        (
            ConsoleError::WeChat {
                error: ApiError::WeChat {
                    errcode: 40013,
                    errmsg: "invalid appid".into(),
                },
                version: Some(3),
            },
            502,
        ),
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

#[test]
fn every_manage_error_has_its_console_error() {
    assert!(matches!(
        ConsoleError::from(ManageError::NotFound("no version 9".into())),
        ConsoleError::NotFound
    ));
    assert!(matches!(
        ConsoleError::from(ManageError::NoDefaultMenu),
        ConsoleError::NoDefaultMenu
    ));
    assert!(matches!(
        ConsoleError::from(ManageError::NoSecret("demo".into())),
        ConsoleError::NoSecret(account) if account == "demo"
    ));
    assert!(matches!(
        ConsoleError::from(ManageError::Invalid(vec![])),
        ConsoleError::Invalid(problems) if problems.is_empty()
    ));
    assert!(matches!(
        ConsoleError::from(ManageError::WeChat {
            error: ApiError::Timeout,
            version: Some(2)
        }),
        ConsoleError::WeChat {
            version: Some(2),
            ..
        }
    ));
}
