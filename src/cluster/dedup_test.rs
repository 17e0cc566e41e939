//! The shared dedup protocol against a real redis-server.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use wxgate_handlers::{Fields, Message, Reply};

use super::*;
use crate::cluster::Redis;
use crate::config::RedisConfig;
use crate::dedup::{DedupKey, Rendered, Waited};
use crate::metrics::Metrics;

use crate::cluster::redis_server::RedisServer;

const HANDLER_TIMEOUT: Duration = Duration::from_millis(1000);
const TTL: Duration = Duration::from_secs(60);

/// One instance's view: its own connection, metrics and instance name.
async fn instance(server: &RedisServer) -> (SharedDedup, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new(["demo"]));
    let config = RedisConfig {
        url: server.url(),
        key_prefix: "t:".into(),
        timeout_ms: 250,
    };
    let redis = Redis::new(&config, metrics.clone()).unwrap();
    assert!(redis.probe().await, "redis answers");
    (SharedDedup::new(redis, HANDLER_TIMEOUT, TTL), metrics)
}

fn key(msg_id: &str) -> DedupKey {
    let mut fields = Fields::new();
    for (k, v) in [
        ("ToUserName", "gh_1"),
        ("FromUserName", "o_user"),
        ("CreateTime", "1700000000"),
        ("MsgType", "text"),
        ("Content", "hi"),
        ("MsgId", msg_id),
    ] {
        fields.push_text(k, v);
    }
    DedupKey::of(0, &Message::from_fields(fields).unwrap())
}

fn answer(text: &str) -> crate::dedup::Answer {
    Some(Arc::new(Rendered {
        xml: Bytes::from(format!("<xml>{text}</xml>")),
        reply: Reply::Text(text.into()),
        create_time: 1_700_000_000,
    }))
}

fn xml(text: &str) -> Option<Bytes> {
    Some(Bytes::from(format!("<xml>{text}</xml>")))
}

fn soon(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

fn redis_key(key: &DedupKey) -> String {
    format!("t:dedup:demo:{}", key.hex())
}

fn pttl(server: &RedisServer, key: &str) -> i64 {
    let answer = server.command(&["PTTL", key]);
    answer
        .trim()
        .trim_start_matches(':')
        .parse()
        .unwrap_or_else(|_| panic!("PTTL answer {answer:?}"))
}

#[tokio::test]
async fn one_first_claim_cluster_wide_and_a_waiting_duplicate_gets_the_reply() {
    let server = RedisServer::start();
    let (a, _) = instance(&server).await;
    let (b, _) = instance(&server).await;
    let key = key("1");

    let SharedClaim::First(first) = a.claim("demo", &key, soon(4000)).await.unwrap() else {
        panic!("first sight")
    };
    // The in-flight marker lives at most handler_timeout + 5 s.
    let marker = pttl(&server, &redis_key(&key));
    assert!(marker > 5000 && marker <= 6000, "marker PTTL {marker}");

    let SharedClaim::Running(retry) = b.claim("demo", &key, soon(4000)).await.unwrap() else {
        panic!("running elsewhere")
    };
    let waiter = {
        let b = b.clone();
        tokio::spawn(async move { b.wait(&retry, soon(4000)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let completion = a.complete(&first, &answer("hi"), true, true).await.unwrap();
    assert_eq!(completion, Completion::Keep, "requests are waiting");
    assert_eq!(waiter.await.unwrap(), Waited::Answer(xml("hi")));

    // Finished entries live ttl_secs from completion.
    let ttl = pttl(&server, &redis_key(&key));
    assert!(ttl > 58_000 && ttl <= 60_000, "done PTTL {ttl}");
    // A later retry on either instance gets the same answer at once.
    for instance in [&a, &b] {
        match instance.claim("demo", &key, soon(10)).await.unwrap() {
            SharedClaim::Done(waited) => assert_eq!(waited, Waited::Answer(xml("hi"))),
            other => panic!("expected done, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn with_nobody_waiting_the_reply_is_pushed_and_retries_get_success() {
    let server = RedisServer::start();
    let (a, _) = instance(&server).await;
    let (b, _) = instance(&server).await;
    let key = key("2");
    let SharedClaim::First(first) = a.claim("demo", &key, soon(30)).await.unwrap() else {
        panic!("first sight")
    };
    // The first request's deadline passes and it leaves.
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert_eq!(a.give_up(&first).await, Waited::Deadline);
    assert_eq!(
        a.complete(&first, &answer("late"), true, true)
            .await
            .unwrap(),
        Completion::Push
    );
    match b.claim("demo", &key, soon(1000)).await.unwrap() {
        SharedClaim::Done(waited) => assert_eq!(waited, Waited::Pushed),
        other => panic!("expected done, got {other:?}"),
    }
}

#[tokio::test]
async fn a_waiter_whose_deadline_passed_without_leaving_is_not_counted() {
    let server = RedisServer::start();
    let (a, _) = instance(&server).await;
    let key = key("3");
    let SharedClaim::First(first) = a.claim("demo", &key, soon(20)).await.unwrap() else {
        panic!("first sight")
    };
    // Its instance died: it never gives up. Its deadline passes all the same.
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(
        a.complete(&first, &answer("late"), true, true)
            .await
            .unwrap(),
        Completion::Push
    );
}

#[tokio::test]
async fn giving_up_after_completion_takes_the_answer_after_all() {
    let server = RedisServer::start();
    let (a, _) = instance(&server).await;
    let key = key("4");
    let SharedClaim::First(first) = a.claim("demo", &key, soon(2000)).await.unwrap() else {
        panic!("first sight")
    };
    assert_eq!(
        a.complete(&first, &answer("x"), true, true).await.unwrap(),
        Completion::Keep
    );
    // The request's local deadline fired an instant later than Redis counted it: it still gets
    // the reply, which was left to it and not pushed.
    assert_eq!(a.give_up(&first).await, Waited::Answer(xml("x")));
}

#[tokio::test]
async fn json_pushes_and_no_reply() {
    let server = RedisServer::start();
    let (a, _) = instance(&server).await;
    let json = key("5");
    let SharedClaim::First(first) = a.claim("demo", &json, soon(2000)).await.unwrap() else {
        panic!("first sight")
    };
    assert_eq!(
        a.complete(&first, &answer("cs"), true, false)
            .await
            .unwrap(),
        Completion::Push,
        "a JSON push cannot carry the reply"
    );
    let none = key("6");
    let SharedClaim::First(first) = a.claim("demo", &none, soon(10)).await.unwrap() else {
        panic!("first sight")
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        a.complete(&first, &None, true, true).await.unwrap(),
        Completion::Keep,
        "no reply is never pushed"
    );
    let no_channel = key("7");
    let SharedClaim::First(first) = a.claim("demo", &no_channel, soon(10)).await.unwrap() else {
        panic!("first sight")
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        a.complete(&first, &answer("x"), false, true).await.unwrap(),
        Completion::Keep,
        "without a secret the next retry gets it"
    );
    match a.claim("demo", &no_channel, soon(10)).await.unwrap() {
        SharedClaim::Done(waited) => assert_eq!(waited, Waited::Answer(xml("x"))),
        other => panic!("expected done, got {other:?}"),
    }
}

#[tokio::test]
async fn a_lapsed_marker_ends_waits_and_its_completion_is_lost() {
    let server = RedisServer::start();
    let (a, _) = instance(&server).await;
    let (b, _) = instance(&server).await;
    let key = key("8");
    let SharedClaim::First(first) = a.claim("demo", &key, soon(4000)).await.unwrap() else {
        panic!("first sight")
    };
    let SharedClaim::Running(retry) = b.claim("demo", &key, soon(4000)).await.unwrap() else {
        panic!("running")
    };
    let started = Instant::now();
    let waiter = {
        let b = b.clone();
        tokio::spawn(async move { b.wait(&retry, soon(4000)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The holder died and its marker expired.
    server.command(&["DEL", &redis_key(&key)]);
    assert_eq!(waiter.await.unwrap(), Waited::Deadline);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "no wait for nothing"
    );
    assert_eq!(
        a.complete(&first, &answer("x"), true, true).await.unwrap(),
        Completion::Lost
    );
}

#[tokio::test]
async fn keep_alive_extends_the_marker_while_the_handler_runs() {
    let server = RedisServer::start();
    let (a, _) = instance(&server).await;
    let key = key("9");
    let SharedClaim::First(first) = a.claim("demo", &key, soon(4000)).await.unwrap() else {
        panic!("first sight")
    };
    // A third of the 6 s marker is 2 s: after 2.5 s it has been extended once.
    let _ = tokio::time::timeout(Duration::from_millis(2500), a.keep_alive(&first)).await;
    let marker = pttl(&server, &redis_key(&key));
    assert!(marker > 5000, "marker PTTL {marker} after extension");
}

#[tokio::test]
async fn redis_down_fails_fast_and_is_counted() {
    let mut server = RedisServer::start();
    let (a, metrics) = instance(&server).await;
    server.stop();
    let started = Instant::now();
    assert!(a.claim("demo", &key("10"), soon(4000)).await.is_err());
    // Known down now: no command is even sent.
    assert!(matches!(
        a.claim("demo", &key("11"), soon(4000)).await,
        Err(crate::cluster::Unavailable::Down)
    ));
    assert!(started.elapsed() < Duration::from_millis(600));
    assert!(
        metrics
            .render()
            .contains("wxgate_redis_errors_total{op=\"claim\"} 1\n")
    );
    assert!(metrics.render().contains("wxgate_redis_up 0\n"));
    server.restart();
    assert!(a.redis().probe().await, "back once it answers");
    assert!(matches!(
        a.claim("demo", &key("12"), soon(4000)).await,
        Ok(SharedClaim::First(_))
    ));
}

#[tokio::test]
async fn a_frozen_redis_times_out_within_the_limit() {
    let server = RedisServer::start();
    let (a, metrics) = instance(&server).await;
    server.freeze();
    let started = Instant::now();
    let result = a.claim("demo", &key("13"), soon(4000)).await;
    let took = started.elapsed();
    server.thaw();
    assert!(
        matches!(result, Err(crate::cluster::Unavailable::Timeout(_))),
        "{result:?}"
    );
    assert!(took < Duration::from_millis(500), "took {took:?}");
    assert!(
        metrics
            .render()
            .contains("wxgate_redis_errors_total{op=\"claim\"} 1\n")
    );
}
