use super::*;
use crate::fields::Fields;
use crate::handler::Context;
use crate::reply::Media;
use crate::test_util::{event_push, push};

fn rule() -> RuleConfig {
    RuleConfig {
        keyword: None,
        regex: None,
        event: None,
        event_key: None,
        msg_type: None,
        action: RuleAction::Reply(Reply::Text("unset".into())),
    }
}

fn keyword(word: &str, reply: &str) -> RuleConfig {
    RuleConfig {
        keyword: Some(word.into()),
        action: RuleAction::Reply(Reply::Text(reply.into())),
        ..rule()
    }
}

fn regex(pattern: &str, reply: &str) -> RuleConfig {
    RuleConfig {
        regex: Some(pattern.into()),
        action: RuleAction::Reply(Reply::Text(reply.into())),
        ..rule()
    }
}

fn event(name: Option<&str>, key: Option<&str>, reply: &str) -> RuleConfig {
    RuleConfig {
        event: name.map(Into::into),
        event_key: key.map(Into::into),
        action: RuleAction::Reply(Reply::Text(reply.into())),
        ..rule()
    }
}

fn message(fields: Fields) -> Message {
    Message::from_fields(fields).expect("valid message")
}

fn text_message(content: &str) -> Message {
    message(push("text", &[("Content", content), ("MsgId", "1")]))
}

fn click(key: &str) -> Message {
    message(event_push("CLICK", &[("EventKey", key)]))
}

fn reply_text(rules: &AutoReply, message: &Message) -> Option<String> {
    match rules.reply_for(message) {
        Some(Reply::Text(text)) => Some(text),
        Some(other) => panic!("expected a text reply, got {other:?}"),
        None => None,
    }
}

fn compile(rules: Vec<RuleConfig>) -> AutoReply {
    AutoReply::new(rules).expect("valid rules")
}

#[test]
fn keyword_is_exact_and_case_sensitive() {
    let rules = compile(vec![keyword("Hello", "hi there")]);
    assert_eq!(
        reply_text(&rules, &text_message("Hello")),
        Some("hi there".into())
    );
    assert_eq!(reply_text(&rules, &text_message("hello")), None);
    assert_eq!(reply_text(&rules, &text_message("Hello!")), None);
    assert_eq!(reply_text(&rules, &text_message(" Hello")), None);
}

#[test]
fn keyword_reply_is_never_expanded() {
    let rules = compile(vec![keyword("price", "costs $1")]);
    assert_eq!(
        reply_text(&rules, &text_message("price")),
        Some("costs $1".into())
    );
}

#[test]
fn regex_searches_and_expands_numbered_and_named_groups() {
    let rules = compile(vec![
        regex(r"order (\d+)", "order $1 / ${1}!"),
        regex(r"track (?P<id>[A-Z]+)", "tracking $id"),
    ]);
    assert_eq!(
        reply_text(&rules, &text_message("please check order 42 today")),
        Some("order 42 / 42!".into())
    );
    assert_eq!(
        reply_text(&rules, &text_message("track ABC")),
        Some("tracking ABC".into())
    );
    assert_eq!(reply_text(&rules, &text_message("orders")), None);
}

#[test]
fn captured_text_is_inserted_literally() {
    let rules = compile(vec![regex(r"^say (.*)$", "you said: $1 (${1})")]);
    assert_eq!(
        reply_text(&rules, &text_message("say $2 and ${name} <b>&")),
        Some("you said: $2 and ${name} <b>& ($2 and ${name} <b>&)".into())
    );
}

#[test]
fn dollar_dollar_and_missing_groups() {
    let rules = compile(vec![regex(r"(a)|(b)", "$$1=$1 2=[$2]")]);
    assert_eq!(
        reply_text(&rules, &text_message("a")),
        Some("$1=a 2=[]".into())
    );
}

#[test]
fn regex_on_a_non_text_reply_keeps_the_reply() {
    let reply = Reply::Image(Media {
        media_id: "$1".into(),
    });
    let rules = compile(vec![RuleConfig {
        regex: Some("(x)".into()),
        action: RuleAction::Reply(reply.clone()),
        ..rule()
    }]);
    assert_eq!(rules.reply_for(&text_message("x")), Some(reply));
}

#[test]
fn keyword_and_regex_must_both_hold() {
    let rules = compile(vec![RuleConfig {
        keyword: Some("ping".into()),
        regex: Some("^p".into()),
        action: RuleAction::Reply(Reply::Text("pong".into())),
        ..rule()
    }]);
    assert_eq!(
        reply_text(&rules, &text_message("ping")),
        Some("pong".into())
    );
    assert_eq!(reply_text(&rules, &text_message("pi")), None);
}

#[test]
fn event_is_case_insensitive_and_event_key_exact() {
    let rules = compile(vec![
        event(Some("click"), Some("MENU_A"), "menu a"),
        event(Some("SUBSCRIBE"), None, "welcome"),
        event(None, Some("MENU_B"), "any event with key b"),
    ]);
    assert_eq!(reply_text(&rules, &click("MENU_A")), Some("menu a".into()));
    assert_eq!(reply_text(&rules, &click("menu_a")), None);
    assert_eq!(reply_text(&rules, &click("MENU_A ")), None);
    assert_eq!(
        reply_text(&rules, &click("MENU_B")),
        Some("any event with key b".into())
    );
    assert_eq!(
        reply_text(&rules, &message(event_push("subscribe", &[]))),
        Some("welcome".into())
    );
    assert_eq!(
        reply_text(
            &rules,
            &message(event_push("Subscribe", &[("EventKey", "qrscene_1")]))
        ),
        Some("welcome".into())
    );
    assert_eq!(
        reply_text(&rules, &message(event_push("unsubscribe", &[]))),
        None
    );
}

#[test]
fn event_rules_match_unknown_events_by_name() {
    let rules = compile(vec![event(Some("weapp_audit_success"), None, "audited")]);
    assert_eq!(
        reply_text(&rules, &message(event_push("WEAPP_AUDIT_SUCCESS", &[]))),
        Some("audited".into())
    );
}

#[test]
fn event_key_rule_does_not_match_an_event_without_key() {
    let rules = compile(vec![event(None, Some(""), "empty key")]);
    assert_eq!(
        reply_text(&rules, &message(event_push("unsubscribe", &[]))),
        None
    );
    assert_eq!(
        reply_text(
            &rules,
            &message(event_push("unsubscribe", &[("EventKey", "")]))
        ),
        Some("empty key".into())
    );
}

#[test]
fn first_matching_rule_wins() {
    let rules = compile(vec![
        keyword("help", "first"),
        regex("help", "second"),
        regex("", "fallback"),
    ]);
    assert_eq!(
        reply_text(&rules, &text_message("help")),
        Some("first".into())
    );
    assert_eq!(
        reply_text(&rules, &text_message("need help")),
        Some("second".into())
    );
    assert_eq!(
        reply_text(&rules, &text_message("other")),
        Some("fallback".into())
    );
}

#[test]
fn a_rule_without_conditions_matches_every_message() {
    let rules = compile(vec![keyword("x", "x"), event(None, None, "catch-all")]);
    let location = message(push(
        "location",
        &[
            ("Location_X", "1"),
            ("Location_Y", "2"),
            ("Scale", "3"),
            ("Label", "l"),
            ("MsgId", "1"),
        ],
    ));
    for message in [
        text_message("anything"),
        click("K"),
        location,
        message(push("file", &[])),
    ] {
        assert_eq!(reply_text(&rules, &message), Some("catch-all".into()));
    }
}

#[test]
fn text_rules_never_match_non_text_and_event_rules_never_match_non_events() {
    let rules = compile(vec![
        regex("", "text only"),
        event(None, Some("K"), "event only"),
    ]);
    // An event whose fields contain a Content is still not text.
    let event_with_content = message(event_push(
        "CLICK",
        &[("EventKey", "other"), ("Content", "hello")],
    ));
    assert_eq!(reply_text(&rules, &event_with_content), None);
    let image = message(push(
        "image",
        &[("PicUrl", "u"), ("MediaId", "m"), ("MsgId", "1")],
    ));
    assert_eq!(reply_text(&rules, &image), None);
    // A non-event carrying an EventKey is not an event.
    let unknown_with_key = message(push("file", &[("EventKey", "K"), ("Event", "CLICK")]));
    assert_eq!(reply_text(&rules, &unknown_with_key), None);
    assert_eq!(reply_text(&rules, &click("K")), Some("event only".into()));
    assert_eq!(
        reply_text(&rules, &text_message("t")),
        Some("text only".into())
    );
}

#[test]
fn no_match_and_no_rules_pass() {
    let empty = compile(vec![]);
    assert!(empty.is_empty());
    assert_eq!(empty.reply_for(&text_message("hi")), None);
    let rules = compile(vec![keyword("a", "b")]);
    assert_eq!(rules.len(), 1);
    assert_eq!(rules.reply_for(&click("a")), None);
}

#[test]
fn invalid_regex_names_the_rule() {
    let error =
        AutoReply::new(vec![keyword("a", "b"), regex("(unclosed", "x")]).expect_err("must fail");
    assert_eq!(error.index(), 1);
    assert!(matches!(error, RuleError::InvalidRegex { index: 1, .. }));
    let message = error.to_string();
    assert!(
        message.starts_with("auto-reply rules[1]: invalid regex"),
        "{message}"
    );
    assert!(message.contains("(unclosed"), "{message}");
}

#[test]
fn contradictory_rule_is_rejected() {
    let error = AutoReply::new(vec![RuleConfig {
        keyword: Some("a".into()),
        event: Some("CLICK".into()),
        ..rule()
    }])
    .expect_err("must fail");
    assert_eq!(error, RuleError::NeverMatches { index: 0 });
    assert!(error.to_string().contains("split it into two rules"));
}

#[tokio::test]
async fn as_a_handler_it_replies_or_passes() {
    let rules = compile(vec![
        keyword("hi", "hello"),
        event(Some("scan"), None, "scanned"),
    ]);
    let hi = text_message("hi");
    assert_eq!(
        rules.on_message(&Context::new("demo", &hi)).await,
        Outcome::Reply(Reply::Text("hello".into()))
    );
    let scan = message(event_push("SCAN", &[("EventKey", "1")]));
    let mut registry = crate::Registry::new();
    registry.push(rules);
    assert_eq!(
        registry.dispatch(&Context::new("demo", &scan)).await,
        Outcome::Reply(Reply::Text("scanned".into()))
    );
    let other = text_message("bye");
    assert_eq!(
        registry.dispatch(&Context::new("demo", &other)).await,
        Outcome::Pass
    );
}

/// Records what it was asked to forward and answers with the URL.
struct EchoForwarder(std::sync::Mutex<Vec<(String, String)>>);

#[async_trait]
impl Forwarder for EchoForwarder {
    async fn forward(&self, url: &str, ctx: &Context<'_>) -> Outcome {
        let content = ctx.message().text_content().unwrap_or_default().to_owned();
        self.0
            .lock()
            .expect("not poisoned")
            .push((url.to_owned(), content));
        Outcome::Reply(Reply::Text(format!("from {url}")))
    }
}

fn forward(url: &str) -> RuleConfig {
    RuleConfig {
        action: RuleAction::Forward(url.into()),
        ..rule()
    }
}

#[tokio::test]
async fn forward_rules_hand_the_message_to_the_forwarder_in_rule_order() {
    let forwarder = Arc::new(EchoForwarder(Default::default()));
    let rules = AutoReply::with_forwarder(
        vec![
            keyword("hi", "hello"),
            RuleConfig {
                regex: Some("^bot ".into()),
                ..forward("http://127.0.0.1:9000/bot")
            },
            forward("http://127.0.0.1:9000/all"),
        ],
        forwarder.clone(),
    )
    .expect("valid rules");

    let hi = text_message("hi");
    assert_eq!(
        rules.on_message(&Context::new("demo", &hi)).await,
        Outcome::Reply(Reply::Text("hello".into())),
        "an earlier reply rule wins"
    );
    let bot = text_message("bot ping");
    assert_eq!(
        rules.on_message(&Context::new("demo", &bot)).await,
        Outcome::Reply(Reply::Text("from http://127.0.0.1:9000/bot".into()))
    );
    let scan = message(event_push("SCAN", &[("EventKey", "1")]));
    assert_eq!(
        rules.on_message(&Context::new("demo", &scan)).await,
        Outcome::Reply(Reply::Text("from http://127.0.0.1:9000/all".into())),
        "a forward without conditions matches every message"
    );
    assert_eq!(
        *forwarder.0.lock().expect("not poisoned"),
        vec![
            (
                "http://127.0.0.1:9000/bot".to_owned(),
                "bot ping".to_owned()
            ),
            ("http://127.0.0.1:9000/all".to_owned(), String::new()),
        ]
    );
    assert_eq!(
        rules.reply_for(&bot),
        None,
        "forwarding is not a static reply"
    );
}

#[test]
fn forward_rules_need_a_forwarder() {
    let error = AutoReply::new(vec![keyword("a", "b"), forward("http://127.0.0.1:1/")])
        .expect_err("must fail");
    assert_eq!(error, RuleError::NoForwarder { index: 1 });
    assert_eq!(error.index(), 1);
}

#[test]
fn msg_type_rules_answer_any_message_type_unknown_ones_too() {
    let by_type = |msg_type: &str, reply: &str| RuleConfig {
        msg_type: Some(msg_type.into()),
        action: RuleAction::Reply(Reply::Text(reply.into())),
        ..rule()
    };
    let rules = compile(vec![
        by_type("IMAGE", "nice picture"),
        by_type("file", "got your file"),
        RuleConfig {
            keyword: Some("hi".into()),
            ..by_type("text", "hello")
        },
    ]);
    let image = message(push(
        "image",
        &[
            ("PicUrl", "https://x/p.png"),
            ("MediaId", "M"),
            ("MsgId", "1"),
        ],
    ));
    assert_eq!(reply_text(&rules, &image).as_deref(), Some("nice picture"));
    let file = message(push("file", &[("Title", "a.pdf"), ("MsgId", "2")]));
    assert_eq!(reply_text(&rules, &file).as_deref(), Some("got your file"));
    assert_eq!(
        reply_text(&rules, &text_message("hi")).as_deref(),
        Some("hello")
    );
    assert_eq!(reply_text(&rules, &text_message("other")), None);
    assert_eq!(reply_text(&rules, &click("K")), None);
    // A type that contradicts the rule's other conditions can never match.
    let never = AutoReply::new(vec![RuleConfig {
        keyword: Some("hi".into()),
        ..by_type("image", "x")
    }]);
    assert!(matches!(never, Err(RuleError::NeverMatches { index: 0 })));
}
