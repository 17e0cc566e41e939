//! `wxgate simulate` against a real `wxgate serve`: the printed replies, verified and decrypted.

mod support;

use support::{run, serve, stderr, stdout};

fn simulate(config: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["simulate"];
    all.extend_from_slice(args);
    let out = run(config, &all);
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn keyword_replies_in_every_mode() {
    let gateway = serve();
    for account in ["safe", "compat", "plain"] {
        let (code, out, err) = simulate(&gateway.config, &["--account", account, "text", "hello"]);
        assert_eq!(code, Some(0), "{account}: {out}{err}");
        assert!(out.contains("Content: world"), "{account}: {out}");
        assert!(
            out.contains("ToUserName: o_simulated_user"),
            "{account}: {out}"
        );
        assert_eq!(
            out.contains("MsgSignature verified, decrypted"),
            account != "plain",
            "{account}: {out}"
        );
    }
}

#[test]
fn events_and_no_reply() {
    let gateway = serve();
    let (code, out, _) = simulate(
        &gateway.config,
        &[
            "--account",
            "safe",
            "event",
            "subscribe",
            "--key",
            "qrscene_42",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Content: welcome"), "{out}");

    let (code, out, _) = simulate(
        &gateway.config,
        &["--account", "safe", "event", "click", "--key", "MENU_NEWS"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("MsgType: news"), "{out}");
    assert!(out.contains("Title: wxgate news"), "{out}");

    for args in [
        &["--account", "safe", "text", "no rule for this"][..],
        &["--account", "safe", "image"],
        &["--account", "safe", "location", "--lat", "-33.86"],
        &["--account", "safe", "event", "view_miniprogram"],
        &["--account", "plain", "event", "LOCATION"],
    ] {
        let (code, out, err) = simulate(&gateway.config, args);
        assert_eq!(code, Some(0), "{args:?}: {out}{err}");
        assert!(out.contains("success (no reply)"), "{args:?}: {out}");
    }
}

#[test]
fn handshake_and_raw_output() {
    let gateway = serve();
    let (code, out, _) = simulate(&gateway.config, &["--account", "plain", "handshake"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("handshake ok"), "{out}");

    let (code, out, _) = simulate(
        &gateway.config,
        &["--account", "safe", "--raw", "text", "hello"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("<xml><Encrypt>"), "the wire bytes: {out}");
    assert!(!out.contains("world"), "encrypted on the wire: {out}");
}

#[test]
fn a_repeated_msg_id_gets_the_same_answer() {
    let gateway = serve();
    let args = ["--account", "plain", "--msg-id", "777", "text", "hello"];
    let first = simulate(&gateway.config, &args);
    let second = simulate(&gateway.config, &args);
    assert_eq!(first.0, Some(0));
    assert_eq!(second.0, Some(0));
    assert!(second.1.contains("Content: world"), "{}", second.1);
}

#[test]
fn refusals_are_shown_with_a_non_zero_exit() {
    let gateway = serve();
    // Signed with the wrong token: the gateway answers 403.
    let dir = tempfile::tempdir().unwrap();
    let wrong = support::write(
        dir.path(),
        "wrong.toml",
        &support::config(gateway.port, "othertoken"),
    );
    let (code, out, err) = simulate(&wrong, &["--account", "safe", "text", "hello"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("403"), "the status: {out}");
    assert!(err.contains("403"), "{err}");

    let url = format!("http://127.0.0.1:{}/wx/nobody", gateway.port);
    let (code, out, _) = simulate(&gateway.config, &["--url", &url, "text", "hello"]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("404") && out.contains("unknown account"),
        "{out}"
    );

    // Only one path segment below /wx names an account; anything else is no route at all.
    for path in ["/wx/", "/wx/safe/", "/wx/safe/extra", "/wx"] {
        let url = format!("http://127.0.0.1:{}{path}", gateway.port);
        let (code, out, _) = simulate(&gateway.config, &["--url", &url, "text", "hello"]);
        assert_eq!(code, Some(1), "{path}");
        assert!(out.contains("404"), "{path}: {out}");
    }

    let (code, _, err) = simulate(&gateway.config, &["--account", "nobody", "text", "x"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no account"), "{err}");
}

#[test]
fn an_unreachable_gateway_is_an_error() {
    let port = support::free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = support::write(
        dir.path(),
        "c.toml",
        &support::config(port, "callbacktoken"),
    );
    let (code, _, err) = simulate(&config, &["--timeout", "2s", "text", "hello"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot reach"), "{err}");
}

/// A TLS front for `backend` on loopback, as nginx is in the README's recipe, with a
/// self-signed certificate for 127.0.0.1; returns its port. Runs until the test ends.
fn tls_front(backend: u16) -> u16 {
    use std::sync::Arc;
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::PrivateKeyDer;

    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = PrivateKeyDer::try_from(certified.signing_key.serialize_der()).unwrap();
    let tls = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to do.
                    let Ok(mut client) = acceptor.accept(client).await else {
                        return;
                    };
                    let mut upstream = tokio::net::TcpStream::connect(("127.0.0.1", backend))
                        .await
                        .unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
    });
    port
}

#[test]
fn behind_tls_the_certificate_problem_is_named_and_insecure_gets_through() {
    let gateway = serve();
    let front = tls_front(gateway.port);
    let url = format!("https://127.0.0.1:{front}/wx/safe");
    let (code, _, err) = simulate(&gateway.config, &["--url", &url, "text", "hello"]);
    assert_eq!(code, Some(1), "{err}");
    // The cause, not only "error sending request", and what to do about it.
    assert!(err.contains("certificate"), "{err}");
    assert!(err.contains("--insecure"), "{err}");

    let (code, out, err) = simulate(
        &gateway.config,
        &[
            "--url",
            &url,
            "--insecure",
            "--account",
            "safe",
            "text",
            "hello",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Content: world"), "{out}");
}
