//! JS-SDK signatures, black box: the real binary, a mock of WeChat (tests/real/wechat_mp.rs)
//! and pages asking for `wx.config` signatures.
//!
//! Covered: the signature against wechatpy's algorithm (computed here on its own) on many page
//! URLs, the page's host checked against `js_domains`, CORS for those origins only, one ticket
//! fetch for 50 concurrent callers and for two instances sharing Redis, a rejected access token
//! retried once with a fresh one, and no ticket in any log line.

mod real;
#[path = "support/redis.rs"]
mod redis_server;
#[path = "real/wechat_mp.rs"]
mod wechat_mp;

use std::time::Duration;

use serde_json::Value;
use sha1::Digest as _;

use real::*;
use redis_server::RedisServer;
use wechat_mp::*;

/// How long the tests' HTTP clients keep an idle connection: below the gateway's keep-alive.
const POOL_IDLE: Duration = Duration::from_secs(2);

/// Page URLs to sign: query strings, non-ASCII paths, percent-escapes, fragments.
const PAGES: &[&str] = &[
    "https://m.example.com/",
    "https://m.example.com",
    "http://m.example.com/index.html",
    "https://m.example.com/shop/item?id=42&from=timeline&isappinstalled=0",
    "https://m.example.com/a?x=1&y=2#section-2",
    "https://m.example.com/#/spa/route?tab=1",
    "https://m.example.com/a#b#c",
    "https://m.example.com/商品/详情?名字=张三&城市=广州",
    "https://m.example.com/%E5%95%86%E5%93%81/%E8%AF%A6%E6%83%85?q=a%20b&plus=%2B",
    "https://m.example.com/path?redirect=https%3A%2F%2Fm.example.com%2Fx%3Fa%3D1%26b%3D2",
    "https://m.example.com/a+b/c?d=e+f&g=h%2Bi",
    "https://m.example.com/?empty=&flag&dup=1&dup=2",
    "https://m.example.com/~user/./../page;params?q='quoted'&r=\"double\"",
    "https://m.example.com/UPPER/Case?Q=Value",
    "https://m.example.com/emoji/😀?e=🎉#x",
];

/// One gateway instance on SQLite.
struct Instance {
    gateway: Gateway,
    _dir: tempfile::TempDir,
    _db: tempfile::TempDir,
}

impl Instance {
    async fn start(log: &str, wechat: &WeChatMp, extra: &str) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let db = tempfile::tempdir().unwrap();
        let port = free_port();
        let text = gateway_config(
            port,
            port,
            &sqlite_storage(db.path()),
            &wechat.uri(),
            "",
            extra,
        );
        let gateway = Gateway::start(dir.path(), &text, port, log).await;
        Instance {
            gateway,
            _dir: dir,
            _db: db,
        }
    }

    /// `/jssdk/{account}/signature?url=...` with the page URL encoded as a query value.
    fn signature_url(&self, account: &str, page: &str) -> String {
        let encoded: String = form_urlencoded::byte_serialize(page.as_bytes()).collect();
        format!(
            "{}/jssdk/{account}/signature?url={encoded}",
            self.gateway.base
        )
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(POOL_IDLE)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// What the gateway answered.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn get(http: &reqwest::Client, url: &str, origin: Option<&str>) -> Reply {
    let mut request = http.get(url);
    if let Some(origin) = origin {
        request = request.header(reqwest::header::ORIGIN, origin);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// wechatpy's `WeChatJSAPI.get_jsapi_signature`: the four `key=value` pairs sorted, joined
/// with `&`, SHA-1 in hex.
fn wechatpy_signature(ticket: &str, noncestr: &str, timestamp: &str, url: &str) -> String {
    let mut data = [
        format!("noncestr={noncestr}"),
        format!("jsapi_ticket={ticket}"),
        format!("timestamp={timestamp}"),
        format!("url={url}"),
    ];
    data.sort();
    hex::encode(sha1::Sha1::digest(data.join("&").as_bytes()))
}

/// A JSON number or string as the text the signature was made over.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        other => panic!("a timestamp: {other}"),
    }
}

/// Checks a signature answer for `page` against wechatpy's algorithm with `ticket`.
fn check_signature(reply: &Reply, page: &str, ticket: &str) {
    assert_eq!(reply.status, 200, "{page}: {reply:?}");
    let body = &reply.body;
    assert_eq!(body["appId"], APPID, "{page}: {body}");
    let nonce = body["nonceStr"]
        .as_str()
        .unwrap_or_else(|| panic!("{page}: a nonceStr: {body}"));
    assert!(!nonce.is_empty(), "{page}: {body}");
    let timestamp = text_of(&body["timestamp"]);
    let seconds: i64 = timestamp
        .parse()
        .unwrap_or_else(|_| panic!("{page}: timestamp in seconds: {body}"));
    let now: i64 = now().parse().unwrap();
    assert!(
        (seconds - now).abs() <= 300,
        "{page}: the timestamp is now: {body}"
    );
    let signed = page.split('#').next().unwrap();
    let expected = wechatpy_signature(ticket, nonce, &timestamp, signed);
    assert_eq!(
        body["signature"].as_str(),
        Some(expected.as_str()),
        "{page}: the signature over {signed:?} (fragment removed, nothing else changed)"
    );
}

/// Checks that no ticket, access token or other secret of the mock is in the logs, and that
/// the mock refused nothing.
fn assert_clean(instances: &[&Instance], wechat: &WeChatMp) {
    let secrets = wechat.secrets();
    assert!(
        secrets.iter().any(|(what, _)| *what == "jsapi_ticket"),
        "the test fetched no ticket"
    );
    for instance in instances {
        let log = std::fs::read_to_string(&instance.gateway.log).unwrap_or_default();
        assert!(
            !log.is_empty(),
            "no gateway log at {:?}",
            instance.gateway.log
        );
        for (what, value) in &secrets {
            let line = log.lines().find(|line| line.contains(value.as_str()));
            assert!(
                line.is_none(),
                "the gateway logged a {what} ({:?}): {}",
                instance.gateway.log,
                line.unwrap_or_default()
            );
        }
    }
    assert_eq!(
        wechat.complaints(),
        Vec::<String>::new(),
        "the mock of WeChat refused requests"
    );
}

#[test]
fn wechatpy_signature_reproduces_wechats_documented_example() {
    // The example of WeChat's JS-SDK documentation (appendix 1): the test's own algorithm is
    // right before the gateway is checked against it.
    assert_eq!(
        wechatpy_signature(
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            "Wm3WZYTPz0wzccnW",
            "1414587457",
            "http://mp.weixin.qq.com?params=value",
        ),
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    );
}

#[tokio::test]
async fn signature_matches_wechatpy_on_many_urls() {
    let wechat = WeChatMp::start().await;
    let one = Instance::start("jssdk-signatures", &wechat, "").await;
    let http = http();
    let mut replies = Vec::new();
    for page in PAGES {
        replies.push((
            page,
            get(&http, &one.signature_url(OFFICIAL, page), None).await,
        ));
    }
    let tickets = wechat.tickets();
    assert_eq!(tickets.len(), 1, "one ticket for every signature");
    for (page, reply) in &replies {
        check_signature(reply, page, &tickets[0]);
    }
    let nonces: std::collections::HashSet<&str> = replies
        .iter()
        .filter_map(|(_, r)| r.body["nonceStr"].as_str())
        .collect();
    assert!(
        nonces.len() > 1,
        "a fresh nonceStr per signature: {nonces:?}"
    );
    assert_eq!(wechat.ticket_fetches().await, 1);
    assert_clean(&[&one], &wechat);
}

#[tokio::test]
async fn page_host_must_be_in_js_domains() {
    let wechat = WeChatMp::start().await;
    let one = Instance::start("jssdk-domains", &wechat, "").await;
    let http = http();
    for page in [
        "https://evil.example.net/",
        "https://example.com/",
        "https://a.m.example.com/",
        "https://m.example.com.evil.net/",
        "https://evilm.example.com/",
        "https://m.example.com@evil.net/",
        "https://evil.net/?next=https://m.example.com/",
        "https://evil.net/m.example.com/",
        "https://evil.net/#https://m.example.com/",
    ] {
        let reply = get(&http, &one.signature_url(OFFICIAL, page), None).await;
        assert_eq!(reply.status, 403, "{page}: {reply:?}");
        assert!(reply.body.get("signature").is_none(), "{page}: {reply:?}");
    }
    for page in ["", "not a url", "/relative/page", "javascript:alert(1)"] {
        let reply = get(&http, &one.signature_url(OFFICIAL, page), None).await;
        assert!(
            reply.status == 400 || reply.status == 403,
            "{page:?} is refused: {reply:?}"
        );
        assert!(reply.body.get("signature").is_none(), "{page}: {reply:?}");
    }
    let reply = get(
        &http,
        &format!("{}/jssdk/{OFFICIAL}/signature", one.gateway.base),
        None,
    )
    .await;
    assert_eq!(reply.status, 400, "no url: {reply:?}");
    let reply = get(
        &http,
        &one.signature_url("nobody", "https://m.example.com/"),
        None,
    )
    .await;
    assert_eq!(reply.status, 404, "an unknown account: {reply:?}");
    let reply = get(
        &http,
        &one.signature_url(MINI, "https://m.example.com/"),
        None,
    )
    .await;
    assert!(
        reply.status >= 400 && reply.body.get("signature").is_none(),
        "a mini program has no JS-SDK signature: {reply:?}"
    );

    // Control: the account's own domain.
    let reply = get(
        &http,
        &one.signature_url(OFFICIAL, "https://m.example.com/ok"),
        None,
    )
    .await;
    check_signature(&reply, "https://m.example.com/ok", &wechat.tickets()[0]);
    assert_clean(&[&one], &wechat);
}

#[tokio::test]
async fn cors_headers_only_for_js_domains_origins() {
    let wechat = WeChatMp::start().await;
    let one = Instance::start("jssdk-cors", &wechat, "").await;
    let http = http();
    let page = "https://m.example.com/page?x=1";
    let url = one.signature_url(OFFICIAL, page);
    let allow = |reply: &Reply| {
        reply
            .headers
            .get_all(reqwest::header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };

    for origin in ["https://m.example.com"] {
        let reply = get(&http, &url, Some(origin)).await;
        check_signature(&reply, page, &wechat.tickets()[0]);
        assert_eq!(
            allow(&reply),
            [origin],
            "a page of {origin} may read the answer: {reply:?}"
        );
    }
    for origin in [
        "https://evil.example.net",
        "https://m.example.com.evil.net",
        "https://a.m.example.com",
        "null",
    ] {
        let reply = get(&http, &url, Some(origin)).await;
        assert!(
            allow(&reply).is_empty(),
            "no Access-Control-Allow-Origin for {origin}: {reply:?}"
        );
    }
    let reply = get(&http, &url, None).await;
    let allowed = allow(&reply);
    assert!(
        !allowed.iter().any(|a| a == "*"),
        "never Access-Control-Allow-Origin: *: {reply:?}"
    );
    assert_clean(&[&one], &wechat);
}

/// `count` concurrent signature requests for distinct pages; their replies.
async fn concurrent(
    http: &reqwest::Client,
    instances: &[&Instance],
    count: usize,
) -> Vec<(String, Reply)> {
    let mut tasks = Vec::new();
    for i in 0..count {
        let instance = instances[i % instances.len()];
        let page = format!("https://m.example.com/concurrent/{i}?n={i}#f{i}");
        let url = instance.signature_url(OFFICIAL, &page);
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            let reply = get(&http, &url, None).await;
            (page, reply)
        }));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_fetch_the_ticket_once() {
    let wechat = WeChatMp::start().await;
    // WeChat takes its time: every caller arrives while the first fetch is out.
    wechat.set_ticket_delay(Duration::from_millis(700));
    let one = Instance::start("jssdk-concurrent", &wechat, "").await;
    let http = http();
    let replies = concurrent(&http, &[&one], 50).await;
    assert_eq!(
        wechat.ticket_fetches().await,
        1,
        "one getticket for 50 callers"
    );
    let tickets = wechat.tickets();
    for (page, reply) in &replies {
        check_signature(reply, page, &tickets[0]);
    }
    // Cached afterwards.
    let page = "https://m.example.com/later";
    let reply = get(&http, &one.signature_url(OFFICIAL, page), None).await;
    check_signature(&reply, page, &tickets[0]);
    assert_eq!(wechat.ticket_fetches().await, 1);
    assert_clean(&[&one], &wechat);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sharing_redis_fetch_the_ticket_once() {
    let redis = RedisServer::start();
    let wechat = WeChatMp::start().await;
    wechat.set_ticket_delay(Duration::from_millis(700));
    let shared = format!(
        "[tokens]\nbackend = \"redis\"\n\n[redis]\nurl = \"{}\"\nkey_prefix = \"wxgate-jssdk:\"\ntimeout_ms = 1000\n",
        redis.url()
    );
    let a = Instance::start("jssdk-redis-a", &wechat, &shared).await;
    let b = Instance::start("jssdk-redis-b", &wechat, &shared).await;
    let http = http();
    let replies = concurrent(&http, &[&a, &b], 50).await;
    assert_eq!(
        wechat.ticket_fetches().await,
        1,
        "one getticket for two instances sharing Redis"
    );
    let tickets = wechat.tickets();
    for (page, reply) in &replies {
        check_signature(reply, page, &tickets[0]);
    }
    let official_token_fetches = wechat
        .requests("/cgi-bin/stable_token")
        .await
        .iter()
        .chain(wechat.requests("/cgi-bin/token").await.iter())
        .filter(|r| {
            String::from_utf8_lossy(&r.body).contains(APPID)
                || r.url.query().unwrap_or_default().contains(APPID)
        })
        .count();
    assert_eq!(
        official_token_fetches, 1,
        "one access_token fetch for the official account across both instances"
    );
    assert_clean(&[&a, &b], &wechat);
}

#[tokio::test]
async fn rejected_access_token_is_refreshed_once_for_the_ticket() {
    async fn case(errcode: i64) {
        let wechat = WeChatMp::start().await;
        wechat.reject_ticket_tokens(&[errcode]);
        let one = Instance::start(&format!("jssdk-retry-{errcode}"), &wechat, "").await;
        let http = http();
        let page = "https://m.example.com/retry";
        let reply = get(&http, &one.signature_url(OFFICIAL, page), None).await;
        assert_eq!(
            reply.status, 200,
            "getticket refused the access token with {errcode}: {reply:?}"
        );
        check_signature(&reply, page, &wechat.tickets()[0]);
        assert_eq!(
            wechat.ticket_fetches().await,
            2,
            "{errcode}: getticket again with a fresh access token, once"
        );
        let tokens: Vec<String> = wechat
            .requests("/cgi-bin/ticket/getticket")
            .await
            .iter()
            .map(|r| {
                r.url
                    .query_pairs()
                    .find(|(k, _)| k == "access_token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            })
            .collect();
        assert_ne!(
            tokens[0], tokens[1],
            "{errcode}: the retry has a fresh token"
        );
        assert_clean(&[&one], &wechat);
    }
    tokio::join!(case(40001), case(42001));
}

#[tokio::test]
async fn ticket_is_refreshed_ahead_of_its_expiry() {
    // A ticket valid 305 s: with access tokens' rule (refreshed 5 minutes or 10% of their
    // lifetime ahead, whichever is larger) it is due after 5 s, long before it expires.
    let wechat = WeChatMp::start().await;
    wechat.set_ticket_expires_in(305);
    let one = Instance::start("jssdk-refresh", &wechat, "").await;
    let http = http();
    let page = "https://m.example.com/refresh";
    let url = one.signature_url(OFFICIAL, page);
    let started = std::time::Instant::now();
    let reply = get(&http, &url, None).await;
    check_signature(&reply, page, &wechat.tickets()[0]);
    let reply = get(&http, &url, None).await;
    check_signature(&reply, page, &wechat.tickets()[0]);
    assert_eq!(wechat.ticket_fetches().await, 1, "cached while fresh");
    loop {
        let reply = get(&http, &url, None).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let tickets = wechat.tickets();
        if tickets.len() > 1 {
            // The next signature uses the new ticket.
            let reply = get(&http, &url, None).await;
            check_signature(&reply, page, &tickets[1]);
            break;
        }
        check_signature(&reply, page, &tickets[0]);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "a ticket of 305 s not refreshed within a minute (it is 5 minutes from expiry)"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(wechat.ticket_fetches().await, 2);
    assert_clean(&[&one], &wechat);
}
