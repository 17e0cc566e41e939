//! `kill -9` durability of the real binary: a stream of admin menu PUTs, SIGKILL in the middle
//! of it, a restart on the same SQLite file; every version that was answered 2xx is there,
//! intact. Three rounds, each killed at a different moment.

mod real;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use real::*;

fn config(port: u16, dir: &std::path::Path, api_base: &str) -> String {
    format!(
        "{}[server]\nlisten = \"127.0.0.1:{port}\"\n[admin]\ntoken = \"{ADMIN}\"\n\
         [[accounts]]\nname = \"demo\"\nappid = \"{APPID}\"\ntoken = \"{TOKEN}\"\n\
         secret = \"{SECRET}\"\napi_base = \"{api_base}\"\n",
        storage(dir)
    )
}

fn menu(name: &str) -> Value {
    json!({ "button": [
        { "type": "click", "name": name, "key": "K" },
        { "type": "view", "name": "site", "url": format!("https://example.com/{name}") }
    ] })
}

/// PUTs menus named `{writer}-{n}` until the gateway stops answering; records each 2xx.
async fn writer(base: String, writer: usize, acked: Arc<Mutex<Vec<(i64, Value)>>>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for n in 0.. {
        let sent = menu(&format!("w{writer}-{n}"));
        let Ok(response) = client
            .put(format!("{base}/admin/accounts/demo/menu"))
            .bearer_auth(ADMIN)
            .json(&sent)
            .send()
            .await
        else {
            return;
        };
        if !response.status().is_success() {
            assert!(
                !response.status().is_client_error(),
                "a valid menu was refused: {}",
                response.status()
            );
            continue;
        }
        let Ok(body) = response.json::<Value>().await else {
            return;
        };
        let version = body["version"].as_i64().expect("a version number");
        assert_eq!(body["menu"], sent);
        acked.lock().unwrap().push((version, sent));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_menu_version_survives_sigkill() {
    let wechat = mock_wechat().await;
    let dir = tempfile::tempdir().unwrap();
    let acked = Arc::new(Mutex::new(Vec::new()));
    for round in 0..3u64 {
        let port = free_port();
        let mut gateway = Gateway::start(
            dir.path(),
            &config(port, dir.path(), &wechat.uri()),
            port,
            &format!("crash-{round}"),
        )
        .await;
        let before = acked.lock().unwrap().len();
        let writers: Vec<_> = (0..4)
            .map(|w| tokio::spawn(writer(gateway.base.clone(), w, acked.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(400 + 250 * round)).await;
        gateway.child.kill().unwrap(); // SIGKILL
        gateway.child.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let acked_now = acked.lock().unwrap().len();
        assert!(
            acked_now > before,
            "round {round}: no PUT succeeded before the kill"
        );
    }

    // Restart on the same file: every acknowledged version is there, byte for byte.
    let port = free_port();
    let mut gateway = Gateway::start(
        dir.path(),
        &config(port, dir.path(), &wechat.uri()),
        port,
        "crash-restart",
    )
    .await;
    let stored: Value = reqwest::Client::new()
        .get(format!(
            "{}/admin/accounts/demo/menu/versions",
            gateway.base
        ))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored = stored["versions"].as_array().expect("versions").clone();
    let acked = acked.lock().unwrap().clone();
    for (version, menu) in &acked {
        let found = stored
            .iter()
            .find(|v| v["version"].as_i64() == Some(*version))
            .unwrap_or_else(|| panic!("version {version} was acknowledged and is gone"));
        assert_eq!(&found["menu"], menu, "version {version} changed");
    }
    // Versions are numbered without gaps or duplicates, acknowledged or not.
    let numbers: Vec<i64> = stored
        .iter()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>());
    // The store still takes writes.
    let put = reqwest::Client::new()
        .put(format!("{}/admin/accounts/demo/menu", gateway.base))
        .bearer_auth(ADMIN)
        .json(&menu("after"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    gateway.signal("TERM");
    assert_eq!(
        gateway
            .exited_within(Duration::from_secs(10))
            .await
            .and_then(|s| s.code()),
        Some(0)
    );

    // And SQLite finds the file sound.
    let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check.0, "ok");
    pool.close().await;
}
