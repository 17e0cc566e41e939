use super::*;

fn config(secret: Option<&str>) -> ClientConfig {
    ClientConfig {
        id: "shop".into(),
        secret: secret.map(str::to_owned),
        accounts: vec!["demo".into()],
        redirect_uris: vec!["https://shop.example.com/cb".into()],
        scopes: vec![ClientScope::Login],
        webhook: None,
    }
}

#[test]
fn secret_matches_only_the_configured_secret() {
    let client = Client::new(&config(Some("0123456789abcdefXYZ")));
    assert!(!client.is_public());
    assert!(client.secret_matches("0123456789abcdefXYZ"));
    assert!(!client.secret_matches("0123456789abcdefXY"));
    assert!(!client.secret_matches(""));
}

#[test]
fn a_public_client_matches_no_secret() {
    let client = Client::new(&config(None));
    assert!(client.is_public());
    assert!(!client.secret_matches(""));
    assert!(!client.secret_matches("anything"));
}

#[test]
fn redirect_uris_match_exactly() {
    let client = Client::new(&config(None));
    assert!(client.has_redirect_uri("https://shop.example.com/cb"));
    for other in [
        "https://shop.example.com/cb/",
        "https://shop.example.com/cb?x=1",
        "https://shop.example.com/CB",
        "https://shop.example.com/cb#f",
        "https://evil.example.com/cb",
    ] {
        assert!(!client.has_redirect_uri(other), "{other}");
    }
}

#[test]
fn accounts_and_scopes() {
    let clients = Clients::new(&[config(None)]);
    let client = clients.get("shop").unwrap();
    assert!(client.may_use("demo"));
    assert!(!client.may_use("other"));
    assert!(client.has_scope(ClientScope::Login));
    assert!(!client.has_scope(ClientScope::Send));
    assert!(clients.any_login());
    assert!(clients.get("nope").is_none());
    assert!(!format!("{client:?}").contains("cb"));
}
