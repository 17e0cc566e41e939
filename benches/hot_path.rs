//! Micro-benchmarks of the safe-mode hot path, step by step, and the whole of it in process.
//!
//! `cargo bench --bench hot_path` measures; `cargo test --bench hot_path` runs each once so they
//! cannot rot. Every push is distinct (its own MsgId and sender), as in production: dedup and
//! dispatch never see a repeat.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tokio::time::Instant;
use wxgate::Config;
use wxgate::handlers::{AutoReply, Context, Message, Outcome, Registry, Reply, RuleConfig};
use wxgate::internals::account::{Account, Accounts};
use wxgate::internals::crypto::{self, MsgCipher};
use wxgate::internals::dedup::{Dedup, DedupKey};
use wxgate::internals::dispatch::{Delivery, Dispatcher};
use wxgate::internals::envelope;
use wxgate::internals::envelope::CallbackQuery;
use wxgate::internals::metrics::Metrics;
use wxgate::internals::qr::QrCounter;
use wxgate::internals::wire;

const TOKEN: &str = "benchtoken";
const APPID: &str = "wx1234567890abcdef";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const NOW: u64 = 1_700_000_000;

/// A safe-mode account with the rules of [`rules`].
fn config() -> Config {
    let text = format!(
        r#"
[[accounts]]
name = "safe"
appid = "{APPID}"
token = "{TOKEN}"
encoding_aes_key = "{KEY}"
mode = "safe"
  [[accounts.rules]]
  keyword = "help"
  reply = {{ text = "menu: 1, 2, 3" }}
  [[accounts.rules]]
  keyword = "price"
  reply = {{ text = "see the shop" }}
  [[accounts.rules]]
  regex = "^order (\\d+)$"
  reply = {{ text = "order $1" }}
  [[accounts.rules]]
  event = "subscribe"
  reply = {{ text = "welcome" }}
  [[accounts.rules]]
  event = "click"
  event_key = "MENU_NEWS"
  reply = {{ text = "news" }}
  [[accounts.rules]]
  keyword = "hello"
  reply = {{ text = "world" }}
"#
    );
    Config::parse(&text, "bench.toml").expect("the bench config is valid")
}

fn account(config: &Config) -> Arc<Account> {
    let metrics = Metrics::new(config.accounts.iter().map(|a| a.name.as_str()));
    let accounts = Accounts::build(
        &config.accounts,
        &[],
        &metrics,
        &reqwest::Client::new(),
        Duration::from_secs(1),
        None,
    )
    .expect("accounts build");
    accounts.get("safe").expect("the safe account").clone()
}

fn cipher(config: &Config) -> MsgCipher {
    let key = config.accounts[0].encoding_aes_key.as_ref().expect("key");
    MsgCipher::new(key, APPID)
}

/// A distinct text push: a fresh MsgId and sender each call.
fn text_xml(n: u64, content: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_3ad31b1e8f7c]]></ToUserName><FromUserName><![CDATA[oBench{n:022}]]></FromUserName><CreateTime>{NOW}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{}</MsgId></xml>",
        6_873_950_000_000_000_000u64 + n
    )
}

/// What WeChat sends for push `n`: the query string and the safe-mode body.
struct Request {
    query: String,
    body: String,
}

fn request(cipher: &MsgCipher, n: u64) -> Request {
    let encrypt = cipher.encrypt(text_xml(n, "hello").as_bytes());
    let (ts, nonce) = (NOW.to_string(), format!("{}", 1_000_000_000 + n));
    let signature = crypto::sign(&[TOKEN, &ts, &nonce]);
    let msg_signature = crypto::sign(&[TOKEN, &ts, &nonce, &encrypt]);
    Request {
        query: format!(
            "signature={signature}&timestamp={ts}&nonce={nonce}&openid=oBench{n:022}&encrypt_type=aes&msg_signature={msg_signature}"
        ),
        body: format!(
            "<xml><ToUserName><![CDATA[gh_3ad31b1e8f7c]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ),
    }
}

fn counter() -> impl FnMut() -> u64 {
    let next = AtomicU64::new(0);
    move || next.fetch_add(1, Ordering::Relaxed)
}

fn message(n: u64, content: &str) -> Message {
    let fields = wire::parse_xml(text_xml(n, content).as_bytes()).expect("valid XML");
    Message::from_fields(fields).expect("a text message")
}

fn steps(c: &mut Criterion) {
    let config = config();
    let cipher = cipher(&config);
    let account = account(&config);
    let mut group = c.benchmark_group("step");

    let encrypt = cipher.encrypt(text_xml(0, "hello").as_bytes());
    let (ts, nonce) = (NOW.to_string(), "1234567890");
    let msg_signature = crypto::sign(&[TOKEN, &ts, nonce, &encrypt]);
    group.bench_function("signature_verify", |b| {
        b.iter(|| {
            crypto::verify(
                black_box(&msg_signature),
                &[TOKEN, &ts, nonce, black_box(&encrypt)],
            )
        })
    });
    group.bench_function("decrypt", |b| {
        b.iter(|| cipher.decrypt(black_box(&encrypt)).expect("decrypts"))
    });

    let xml = text_xml(0, "hello");
    group.bench_function("parse_xml_to_message", |b| {
        b.iter(|| {
            let fields = wire::parse_xml(black_box(xml.as_bytes())).expect("valid");
            Message::from_fields(fields).expect("typed")
        })
    });

    // Unique keys, as under real load; a table of the config's default size.
    let dedup = Dedup::new(1_000_000, Duration::from_secs(60));
    let mut next = counter();
    group.bench_function("dedup_claim_unique", |b| {
        b.iter_batched(
            || DedupKey::of(0, &message(next(), "hello")),
            |key| dedup.claim(&key),
            BatchSize::SmallInput,
        )
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rules: Vec<RuleConfig> = config.accounts[0].rules.clone();
    let mut registry = Registry::new();
    registry.push(AutoReply::new(rules).expect("rules compile"));
    let hello = message(1, "hello");
    group.bench_function("rule_dispatch", |b| {
        b.to_async(&rt).iter(|| async {
            let ctx = Context::new("safe", &hello);
            match registry.dispatch(&ctx).await {
                Outcome::Reply(reply) => reply,
                other => panic!("the hello rule must answer, got {other:?}"),
            }
        })
    });

    let reply = Reply::Text("world".into());
    group.bench_function("render_reply", |b| {
        b.iter(|| wire::render_reply(black_box(&reply), "oBench0000", "gh_3ad31b1e8f7c", NOW))
    });

    let rendered = wire::render_reply(&reply, "oBench0000", "gh_3ad31b1e8f7c", NOW);
    group.bench_function("encrypt_and_sign", |b| {
        b.iter(|| envelope::seal(&account, black_box(rendered.as_bytes()), NOW).expect("sealed"))
    });
    group.finish();
}

/// The whole request in process: open the envelope, parse, dedup, dispatch to the rules,
/// render and seal the reply. HTTP is left out (see `wxgate bench` for that).
fn pipeline(c: &mut Criterion) {
    let config = config();
    let cipher = cipher(&config);
    let account = account(&config);
    let dispatcher = Dispatcher::new(
        Dedup::new(1_000_000, Duration::from_secs(60)),
        None,
        QrCounter::default(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut next = counter();
    c.bench_function("pipeline/safe_text_keyword_reply", |b| {
        b.to_async(&rt).iter_batched(
            || request(&cipher, next()),
            |req| {
                let (account, dispatcher) = (&account, &dispatcher);
                async move {
                    let query = CallbackQuery::parse(&req.query).expect("query");
                    let inbound = envelope::open(
                        account,
                        &query,
                        req.body.as_bytes(),
                        Some("text/xml"),
                        NOW,
                        0,
                    )
                    .expect("opens");
                    let message = Message::from_fields(inbound.fields).expect("typed");
                    let deadline = Instant::now() + Duration::from_secs(5);
                    match dispatcher.dispatch(account, message, deadline, true).await {
                        Delivery::Reply(xml) => envelope::seal(account, &xml, NOW).expect("sealed"),
                        Delivery::Success => panic!("the hello rule must answer"),
                    }
                }
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = steps, pipeline
}
criterion_main!(benches);
