//! The console's simulator on a gateway listening on port 0: the push goes to the port the
//! system chose, through the whole callback path, for accounts in every mode.

use argon2::PasswordHasher as _;

use crate::common::*;

/// The admin's password (listed in tests/secrets.txt).
const PASSWORD: &str = "ConsoleSimulatorPassw0rd";

async fn signed_in() -> (TestGateway, String) {
    let hash = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    let config = format!(
        "{}\n[admin]\ntoken = \"test-admin-token\"\n\n[[admin.users]]\nname = \"li\"\npassword_hash = \"{hash}\"\n",
        config_text("")
    );
    let gw = start_with(&config, vec![]).await;
    assert!(!gw.base.ends_with(":0"), "{}", gw.base);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(gw.url("/admin/signin"))
        .header("origin", &gw.base)
        .form(&[("name", "li"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("wxgate_console="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    (gw, cookie)
}

#[actix_web::test]
async fn the_simulator_reaches_a_gateway_on_an_ephemeral_port_in_every_mode() {
    let (gw, cookie) = signed_in().await;
    let page = gw
        .client
        .get(gw.url("/admin/simulator"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = r#"<meta name="csrf-token" content=""#;
    let at = page.find(marker).unwrap() + marker.len();
    let csrf = page[at..].split('"').next().unwrap().to_owned();
    for account in ["demo", "compat", "safe"] {
        let response = gw
            .client
            .post(gw.url("/admin/simulator"))
            .header("cookie", &cookie)
            .header("origin", &gw.base)
            .form(&[
                ("csrf", csrf.as_str()),
                ("account", account),
                ("type", "text"),
                ("openid", "o_port_zero"),
                ("content", "hello"),
                ("event_key", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{account}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains(r#"<dd id="sim-status">200 OK</dd>"#),
            "{account}: {page}"
        );
        assert!(page.contains("CDATA[world]]"), "{account}: {page}");
        assert_eq!(
            page.contains(r#"id="sim-verified""#),
            account != "demo",
            "{account}: encrypted replies are verified"
        );
    }
    let metrics = gw.metrics().await;
    for account in ["demo", "compat", "safe"] {
        assert_eq!(
            metric(
                &metrics,
                &format!("wxgate_messages_total{{account=\"{account}\"}}")
            ),
            1.0,
            "{account}"
        );
    }
    gw.stop().await;
}
