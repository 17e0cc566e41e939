use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::*;
use crate::api::{SubscribeValue, TemplateValue};
use crate::func::{Ctx, on_text};
use crate::handler::{Context, Handler};
use crate::message::{Message, TextMessage};
use crate::registry::Registry;
use crate::reply::Outcome;
use crate::test_util::push;

/// An outbox that keeps messages by key, idempotent as the gateway's is.
#[derive(Default)]
struct FakeOutbox {
    by_key: Mutex<HashMap<String, (String, OutgoingMessage)>>,
}

#[async_trait]
impl Outbox for FakeOutbox {
    async fn enqueue(&self, key: &str, message: OutgoingMessage) -> Result<Enqueued, EnqueueError> {
        if key.is_empty() {
            return Err(EnqueueError::Invalid(vec![Problem::new(
                "key",
                "must not be empty",
            )]));
        }
        let mut by_key = self.by_key.lock().unwrap();
        if let Some((id, stored)) = by_key.get(key) {
            return if *stored == message {
                Ok(Enqueued {
                    id: id.clone(),
                    existing: true,
                })
            } else {
                Err(EnqueueError::KeyReused { id: id.clone() })
            };
        }
        let id = format!("m{}", by_key.len() + 1);
        by_key.insert(key.to_owned(), (id.clone(), message));
        Ok(Enqueued {
            id,
            existing: false,
        })
    }
}

fn text(content: &str) -> Message {
    Message::from_fields(push("text", &[("Content", content), ("MsgId", "1")])).unwrap()
}

fn run(registry: &Registry, ctx: &Context<'_>) -> Outcome {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(registry.dispatch(ctx))
}

fn shipped(to: &str, order: &str) -> TemplateMessage {
    TemplateMessage {
        to_user: to.to_owned(),
        template_id: "SHIPPED".into(),
        url: None,
        miniprogram: None,
        client_msg_id: None,
        data: [("first".to_owned(), TemplateValue::new(order))].into(),
    }
}

/// Enqueues a template per text, keyed by the text: "m1 new", "m1 again", or the error.
fn shipping_plugin() -> Registry {
    let mut registry = Registry::new();
    registry.push(on_text(|ctx: Ctx, text: TextMessage| async move {
        let message = shipped(&ctx.message().from_user, &text.content);
        let queued = ctx
            .outbox()
            .enqueue(&format!("shipped-{}", text.content), message.into())
            .await?;
        let how = if queued.existing { "again" } else { "new" };
        Ok::<_, EnqueueError>(format!("{} {how}", queued.id))
    }));
    registry
}

#[test]
fn a_closure_plugin_enqueues_through_its_ctx_once_per_key() {
    let fake = Arc::new(FakeOutbox::default());
    let registry = shipping_plugin();
    let message = text("1042");
    let ctx = Context::new("demo", &message).with_outbox(fake.clone());
    assert!(format!("{ctx:?}").contains("outbox: true"));
    assert!(format!("{:?}", Ctx::of(&ctx)).contains("outbox: true"));
    assert_eq!(
        run(&registry, &ctx),
        Outcome::Reply(Reply::Text("m1 new".into()))
    );
    assert_eq!(
        run(&registry, &ctx),
        Outcome::Reply(Reply::Text("m1 again".into()))
    );
    let stored = fake.by_key.lock().unwrap();
    assert_eq!(
        stored["shipped-1042"],
        (
            "m1".to_owned(),
            OutgoingMessage::Template(shipped("oUser", "1042"))
        )
    );
}

#[test]
fn without_an_outbox_a_plugin_gets_no_outbox() {
    let registry = shipping_plugin();
    let message = text("1042");
    let ctx = Context::new("demo", &message);
    assert!(ctx.outbox_arc().is_none());
    assert!(format!("{ctx:?}").contains("outbox: false"));
    assert_eq!(
        run(&registry, &ctx),
        Outcome::failed(EnqueueError::NoOutbox.to_string())
    );
}

#[test]
fn a_handler_enqueues_through_its_context_and_sees_a_reused_key() {
    /// Thanks the user later, under one key for every message: the second text is refused.
    struct Thanks;
    #[async_trait]
    impl Handler for Thanks {
        async fn on_text(&self, ctx: &Context<'_>, text: &TextMessage) -> Outcome {
            let later = OutgoingMessage::custom(
                ctx.message().from_user.clone(),
                Reply::Text(format!("thanks for {}", text.content)),
            );
            match ctx.outbox().enqueue("thanks", later).await {
                Ok(queued) => Reply::Text(queued.id).into(),
                Err(EnqueueError::KeyReused { id }) => Reply::Text(format!("taken by {id}")).into(),
                Err(error) => Outcome::failed(error.to_string()),
            }
        }
    }
    let fake: Arc<dyn Outbox> = Arc::new(FakeOutbox::default());
    let mut registry = Registry::new();
    registry.push(Thanks);
    let first = text("tea");
    let ctx = Context::new("demo", &first).with_outbox(fake.clone());
    assert_eq!(
        run(&registry, &ctx),
        Outcome::Reply(Reply::Text("m1".into()))
    );
    let second = text("cake");
    let ctx = Context::new("demo", &second).with_outbox(fake);
    assert_eq!(
        run(&registry, &ctx),
        Outcome::Reply(Reply::Text("taken by m1".into()))
    );
}

#[test]
fn outgoing_messages_name_their_kind_and_recipient() {
    let template = OutgoingMessage::from(shipped("oA", "1"));
    assert_eq!((template.kind(), template.to()), ("template", "oA"));

    let subscribe = OutgoingMessage::from(SubscribeMessage {
        to_user: "oB".into(),
        template_id: "T".into(),
        page: None,
        miniprogram: None,
        data: [(
            "thing1".to_owned(),
            SubscribeValue {
                value: "tea".into(),
            },
        )]
        .into(),
    });
    assert_eq!((subscribe.kind(), subscribe.to()), ("subscribe", "oB"));
    let OutgoingMessage::Subscribe {
        miniprogram_state,
        lang,
        ..
    } = &subscribe
    else {
        panic!("{subscribe:?}");
    };
    assert_eq!((miniprogram_state, lang), (&None, &None));

    let custom = OutgoingMessage::custom("oC", Reply::Text("hi".into()));
    assert_eq!((custom.kind(), custom.to()), ("custom", "oC"));
}

#[test]
fn errors_say_what_went_wrong() {
    let invalid = EnqueueError::Invalid(vec![
        Problem::new("to", "must not be empty"),
        Problem::new("data.thing1.value", "is 25 characters long, more than 20"),
        Problem::new("", "the request body could not be read"),
    ]);
    assert_eq!(
        invalid.to_string(),
        "the message breaks the outbox's rules: to: must not be empty; data.thing1.value: is 25 \
         characters long, more than 20; the request body could not be read"
    );
    assert!(
        EnqueueError::KeyReused { id: "m7".into() }
            .to_string()
            .contains("m7")
    );
    assert!(
        EnqueueError::Store("database is locked".into())
            .to_string()
            .contains("database is locked")
    );
    assert!(EnqueueError::NoOutbox.to_string().contains("secret"));
}
