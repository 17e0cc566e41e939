use super::*;
use crate::registry::Registry;
use crate::test_util::{event_push, push};

fn run(registry: &Registry, message: &Message) -> Outcome {
    let ctx = Context::new("demo", message);
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(registry.dispatch(&ctx))
}

fn text(content: &str) -> Message {
    Message::from_fields(push("text", &[("Content", content), ("MsgId", "1")])).unwrap()
}

#[test]
fn a_closure_answers_its_message_type_and_passes_on_the_others() {
    let mut registry = Registry::new();
    registry.push(on_text(|ctx: Ctx, text: TextMessage| async move {
        format!("{} heard {}", ctx.account(), text.content)
    }));
    assert_eq!(
        run(&registry, &text("hi")),
        Outcome::Reply(Reply::Text("demo heard hi".into()))
    );
    let scan = Message::from_fields(event_push("SCAN", &[("EventKey", "42")])).unwrap();
    assert_eq!(run(&registry, &scan), Outcome::Pass);
}

#[test]
fn event_closures_get_their_payload() {
    let mut registry = Registry::new();
    registry.push(events::on_event_scan(
        |_, scan: crate::message::ScanEvent| async move { format!("scene {}", scan.event_key) },
    ));
    let scan = Message::from_fields(event_push("SCAN", &[("EventKey", "42")])).unwrap();
    assert_eq!(
        run(&registry, &scan),
        Outcome::Reply(Reply::Text("scene 42".into()))
    );
    let click = Message::from_fields(event_push("CLICK", &[("EventKey", "K")])).unwrap();
    assert_eq!(run(&registry, &click), Outcome::Pass);
}

#[test]
fn anything_reply_like_is_an_outcome() {
    assert_eq!(
        "hi".into_outcome(),
        Outcome::Reply(Reply::Text("hi".into()))
    );
    assert_eq!(
        String::from("hi").into_outcome(),
        Outcome::Reply(Reply::Text("hi".into()))
    );
    assert_eq!(None::<String>.into_outcome(), Outcome::NoReply);
    assert_eq!(
        Some("x").into_outcome(),
        Outcome::Reply(Reply::Text("x".into()))
    );
    assert_eq!(Outcome::Pass.into_outcome(), Outcome::Pass);
    assert_eq!(
        Reply::Text("r".into()).into_outcome(),
        Outcome::Reply(Reply::Text("r".into()))
    );
    let failed: Result<&str, std::io::Error> = Err(std::io::Error::other("db down"));
    assert_eq!(failed.into_outcome(), Outcome::failed("db down"));
    let ok: Result<Option<&str>, String> = Ok(None);
    assert_eq!(ok.into_outcome(), Outcome::NoReply);
}

#[test]
fn on_message_sees_everything_and_closures_chain_with_plugins() {
    let mut registry = Registry::new();
    registry.push(on_text(|_, text: TextMessage| async move {
        (text.content == "mine").then_some("text plugin")
    }));
    registry.push(on_message(|ctx: Ctx| async move {
        format!("fallback for {}", ctx.message().msg_type())
    }));
    // The text closure answers NoReply for other text (None): the chain stops there.
    assert_eq!(run(&registry, &text("other")), Outcome::NoReply);
    assert_eq!(
        run(&registry, &text("mine")),
        Outcome::Reply(Reply::Text("text plugin".into()))
    );
    let click = Message::from_fields(event_push("CLICK", &[("EventKey", "K")])).unwrap();
    assert_eq!(
        run(&registry, &click),
        Outcome::Reply(Reply::Text("fallback for event".into()))
    );
}
