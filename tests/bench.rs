//! `wxgate bench` and `wxgate bench-baseline`, run for real on loopback (a few hundred
//! requests: these check the tools work, not how fast anything is).

mod support;

use std::process::Stdio;

use support::{run, serve, stderr, stdout};

fn bench_json(config: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["bench", "--json", "--connections", "8"];
    args.extend_from_slice(extra);
    let out = run(config, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

#[test]
fn unique_safe_pushes_are_all_answered() {
    let gateway = serve();
    let report = bench_json(&gateway.config, &["--account", "safe", "--requests", "400"]);
    assert_eq!(report["requests"], 400, "{report}");
    assert_eq!(report["non_200"], 0, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert!(report["requests_per_sec"].as_f64().unwrap() > 0.0);
    assert!(report["latency_ms"]["p99"].as_f64().unwrap() > 0.0);

    // The gateway saw 400 distinct pushes (plus the probe): none was taken for a retry.
    let metrics = support::get(gateway.port, "/metrics");
    assert!(
        metrics.contains("wxgate_messages_total{account=\"safe\"} 401\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wxgate_duplicates_total{account=\"safe\"} 0\n"),
        "{metrics}"
    );
}

#[test]
fn a_timed_run_against_the_baseline() {
    let port = support::free_port();
    let baseline = support::KillOnDrop(
        support::wxgate()
            .args(["bench-baseline", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    support::wait_for(port);
    let dir = tempfile::tempdir().unwrap();
    let config = support::write(
        dir.path(),
        "c.toml",
        &support::config(port, "callbacktoken"),
    );
    let url = format!("http://127.0.0.1:{port}/wx/safe");
    let report = bench_json(
        &config,
        &[
            "--url",
            &url,
            "--duration",
            "500ms",
            "--warmup",
            "100ms",
            "--messages",
            "200",
            "--cycle",
            "--threads",
            "2",
        ],
    );
    drop(baseline);
    assert!(report["requests"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["non_200"], 0, "{report}");
    assert_eq!(report["ran_dry"], false, "{report}");
    let seconds = report["seconds"].as_f64().unwrap();
    assert!((0.45..=0.6).contains(&seconds), "{report}");
}

#[test]
fn refusals_are_counted_not_hidden() {
    let gateway = serve();
    // The gateway answers the probe 403 (wrong token): the run is refused up front.
    let dir = tempfile::tempdir().unwrap();
    let wrong = support::write(
        dir.path(),
        "wrong.toml",
        &support::config(gateway.port, "othertoken"),
    );
    let out = run(&wrong, &["bench", "--requests", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("403"), "{}", stderr(&out));
}

/// `wxgate bench --send` against a gateway whose account's API is `wxgate bench-baseline
/// --wechat`: every template send is answered 202, and every accepted message reaches the mock
/// once.
#[test]
fn sends_are_accepted_and_delivered_to_the_wechat_mock() {
    let mock_port = support::free_port();
    let _mock = support::KillOnDrop(
        support::wxgate()
            .args([
                "bench-baseline",
                "--wechat",
                "--listen",
                &format!("127.0.0.1:{mock_port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    support::wait_for(mock_port);
    let port = support::free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = support::write(
        dir.path(),
        "send.toml",
        &format!(
            r#"[server]
listen = "127.0.0.1:{port}"
[storage]
database = "sqlite://{db}"

[[accounts]]
name = "demo"
appid = "wx1234567890abcdef"
token = "callbacktoken"
secret = "bench-app-secret"
api_base = "http://127.0.0.1:{mock_port}"
send_rate = 10000

[[clients]]
id = "shop"
secret = "bench-client-secret-0123456789abcdef"
accounts = ["demo"]
scopes = ["send"]
"#,
            db = dir.path().join("wxgate.db").display()
        ),
    );
    let _gateway = support::KillOnDrop(
        support::wxgate()
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    support::wait_for(port);

    let client = "shop:bench-client-secret-0123456789abcdef";
    let report = bench_json(
        &config,
        &[
            "--account",
            "demo",
            "--send",
            "--client",
            client,
            "--requests",
            "200",
        ],
    );
    assert_eq!(report["mode"], "send", "{report}");
    assert_eq!(report["requests"], 200, "{report}");
    assert_eq!(report["statuses"]["202"], 200, "{report}");
    assert_eq!(report["non_202"], 0, "{report}");
    assert_eq!(report["errors"], 0, "{report}");

    // 200 messages and the probe, each sent to the mock once.
    let calls = || support::get(mock_port, "/bench/calls");
    let started = std::time::Instant::now();
    while calls() != "201" {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the mock took {} calls",
            calls()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(calls(), "201");

    // A wrong secret: the probe is answered 401 and the run refused up front.
    let out = run(
        &config,
        &[
            "bench",
            "--account",
            "demo",
            "--send",
            "--client",
            "shop:wrong",
            "--requests",
            "5",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
    // --send without --client is a usage error.
    let out = run(&config, &["bench", "--send", "--requests", "5"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
