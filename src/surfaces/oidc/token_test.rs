use actix_web::ResponseError as _;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::config::ClientConfig;
use crate::surfaces::oidc::records::{AppRequest, User};

fn basic(id: &str, secret: &str) -> String {
    STANDARD.encode(format!("{id}:{secret}"))
}

#[test]
fn basic_credentials_are_form_decoded_and_also_tried_as_sent() {
    assert_eq!(
        basic_pairs(&basic("shop", "s3cret")).unwrap(),
        vec![("shop".to_owned(), "s3cret".to_owned())]
    );
    assert_eq!(
        basic_pairs(&basic("a%3Ab", "x+y%26z")).unwrap(),
        vec![
            ("a:b".to_owned(), "x y&z".to_owned()),
            ("a%3Ab".to_owned(), "x+y%26z".to_owned())
        ]
    );
    assert_eq!(
        basic_pairs(&basic("shop", "p:a&ss")).unwrap()[0],
        ("shop".to_owned(), "p:a&ss".to_owned())
    );
    assert!(basic_pairs("not base64!").is_none());
    assert!(basic_pairs(&STANDARD.encode("no colon")).is_none());
}

fn grant(challenge: Option<&str>) -> CodeGrant {
    CodeGrant {
        account: "demo".into(),
        app: AppRequest {
            client_id: "shop".into(),
            redirect_uri: "https://shop.example.com/cb".into(),
            state: None,
            nonce: None,
            code_challenge: challenge.map(str::to_owned),
            profile: false,
        },
        user: User {
            openid: "o".into(),
            unionid: None,
            name: None,
            picture: None,
        },
        auth_time: 1,
    }
}

fn client(id: &str) -> Client {
    Client::new(&ClientConfig {
        id: id.into(),
        secret: None,
        accounts: vec!["demo".into()],
        redirect_uris: vec![],
        scopes: vec![ClientScope::Login],
        webhook: None,
    })
}

const CB: &str = "https://shop.example.com/cb";

#[test]
fn pkce_uses_the_rfc_7636_example() {
    // RFC 7636 appendix B.
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let shop = client("shop");
    assert!(check(&grant(Some(challenge)), "demo", &shop, CB, Some(verifier)).is_ok());
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
    for bad in [Some(wrong), None, Some("short")] {
        let error = check(&grant(Some(challenge)), "demo", &shop, CB, bad).unwrap_err();
        assert_eq!(error.status_code(), 400);
    }
    assert!(check(&grant(None), "demo", &shop, CB, Some(verifier)).is_err());
    assert!(check(&grant(None), "demo", &shop, CB, None).is_ok());
}

#[test]
fn a_code_serves_only_its_client_account_and_redirect_uri() {
    let shop = client("shop");
    assert!(check(&grant(None), "other", &shop, CB, None).is_err());
    assert!(check(&grant(None), "demo", &client("mall"), CB, None).is_err());
    assert!(
        check(
            &grant(None),
            "demo",
            &shop,
            "https://shop.example.com/cb2",
            None
        )
        .is_err()
    );
}
