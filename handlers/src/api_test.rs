use std::sync::{Arc, Mutex};

use serde_json::json;

use super::*;
use crate::func::{Ctx, on_text};
use crate::handler::{Context, Handler};
use crate::message::{Message, TextMessage};
use crate::registry::Registry;
use crate::reply::Outcome;
use crate::test_util::push;

/// An [`Api`] that knows one user and records what it was asked to do.
#[derive(Default)]
struct FakeApi {
    calls: Mutex<Vec<String>>,
}

impl FakeApi {
    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

#[async_trait]
impl Api for FakeApi {
    async fn user_info(&self, openid: &str) -> Result<UserInfo, ApiError> {
        self.record(format!("user_info {openid}"));
        Ok(UserInfo {
            openid: openid.to_owned(),
            subscribe: true,
            language: "zh_CN".into(),
            tagid_list: vec![2],
            ..UserInfo::default()
        })
    }
    async fn users_info(&self, openids: &[&str]) -> Result<Vec<UserInfo>, ApiError> {
        self.record(format!("users_info {}", openids.len()));
        Ok(Vec::new())
    }
    async fn create_tag(&self, name: &str) -> Result<Tag, ApiError> {
        self.record(format!("create_tag {name}"));
        Ok(Tag {
            id: 134,
            name: name.to_owned(),
            count: 0,
        })
    }
    async fn tags(&self) -> Result<Vec<Tag>, ApiError> {
        Ok(Vec::new())
    }
    async fn tag_users(&self, tag_id: i64, openids: &[&str]) -> Result<(), ApiError> {
        self.record(format!("tag_users {tag_id} {}", openids.join(",")));
        Ok(())
    }
    async fn untag_users(&self, _tag_id: i64, _openids: &[&str]) -> Result<(), ApiError> {
        Ok(())
    }
    async fn user_tags(&self, _openid: &str) -> Result<Vec<i64>, ApiError> {
        Ok(Vec::new())
    }
    async fn upload_media(
        &self,
        _kind: MediaKind,
        _filename: &str,
        _bytes: &[u8],
    ) -> Result<UploadedMedia, ApiError> {
        Err(ApiError::Unsupported("fake"))
    }
    async fn add_material(
        &self,
        _kind: MediaKind,
        _filename: &str,
        _bytes: &[u8],
        _video: Option<(&str, &str)>,
    ) -> Result<Material, ApiError> {
        Err(ApiError::Unsupported("fake"))
    }
    async fn send_template(&self, _message: &TemplateMessage) -> Result<i64, ApiError> {
        Ok(1)
    }
    async fn send_subscribe(&self, _message: &SubscribeMessage) -> Result<(), ApiError> {
        Ok(())
    }
    async fn send_custom(&self, _to_user: &str, _reply: &Reply) -> Result<(), ApiError> {
        Ok(())
    }
    async fn typing(&self, to_user: &str, typing: bool) -> Result<(), ApiError> {
        self.record(format!("typing {to_user} {typing}"));
        Ok(())
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

#[test]
fn a_closure_plugin_reaches_the_api_through_its_ctx() {
    let fake = Arc::new(FakeApi::default());
    let mut registry = Registry::new();
    registry.push(on_text(|ctx: Ctx, text: TextMessage| async move {
        let api = ctx.api().ok_or("no API")?;
        let user = api
            .user_info(&ctx.message().from_user)
            .await
            .map_err(|e| e.to_string())?;
        let tag = api
            .create_tag(&text.content)
            .await
            .map_err(|e| e.to_string())?;
        api.tag_users(tag.id, &[user.openid.as_str()])
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(format!("{} tagged {}", user.openid, tag.name))
    }));
    let message = text("vip");
    let ctx = Context::new("demo", &message).with_api(fake.clone());
    assert_eq!(
        run(&registry, &ctx),
        Outcome::Reply(Reply::Text("oUser tagged vip".into()))
    );
    assert_eq!(
        *fake.calls.lock().unwrap(),
        ["user_info oUser", "create_tag vip", "tag_users 134 oUser"]
    );
}

#[test]
fn a_handler_reaches_the_api_through_its_context() {
    struct Typist;
    #[async_trait]
    impl Handler for Typist {
        async fn on_message(&self, ctx: &Context<'_>) -> Outcome {
            match ctx.api() {
                Some(api) => match api.typing(&ctx.message().from_user, true).await {
                    Ok(()) => Outcome::NoReply,
                    Err(error) => Outcome::failed(error.to_string()),
                },
                None => Outcome::failed("no API"),
            }
        }
    }
    let fake = Arc::new(FakeApi::default());
    let mut registry = Registry::new();
    registry.push(Typist);
    let message = text("hi");
    let ctx = Context::new("demo", &message).with_api(fake.clone());
    assert!(format!("{ctx:?}").contains("api: true"));
    assert_eq!(run(&registry, &ctx), Outcome::NoReply);
    assert_eq!(*fake.calls.lock().unwrap(), ["typing oUser true"]);

    let without = Context::new("demo", &message);
    assert!(without.api().is_none());
    assert!(Ctx::of(&without).api().is_none());
    assert_eq!(run(&registry, &without), Outcome::failed("no API"));
}

#[test]
fn user_info_reads_wechats_answer_and_the_unfollowed_short_form() {
    let user: UserInfo = serde_json::from_value(json!({
        "subscribe": 1,
        "openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "language": "zh_CN",
        "subscribe_time": 1382694957,
        "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
        "remark": "",
        "groupid": 0,
        "tagid_list": [128, 2],
        "subscribe_scene": "ADD_SCENE_QR_CODE",
        "qr_scene": 98765,
        "qr_scene_str": ""
    }))
    .unwrap();
    assert!(user.subscribe);
    assert_eq!(user.subscribe_time, 1382694957);
    assert_eq!(
        user.unionid.as_deref(),
        Some("o6_bmasdasdsad6_2sgVt7hMZOPfL")
    );
    assert_eq!(user.nickname, None);
    assert_eq!(user.tagid_list, [128, 2]);
    assert_eq!(user.qr_scene, 98765);

    let gone: UserInfo = serde_json::from_value(json!({
        "subscribe": 0,
        "openid": "oUser",
    }))
    .unwrap();
    assert!(!gone.subscribe);
    assert_eq!(gone.language, "");
    assert!(gone.tagid_list.is_empty());
}

#[test]
fn messages_serialize_as_wechat_documents_them() {
    let message = TemplateMessage {
        to_user: "OPENID".into(),
        template_id: "TEMPLATE".into(),
        url: None,
        miniprogram: Some(MiniProgramLink {
            appid: "wxapp".into(),
            pagepath: "index?foo=bar".into(),
        }),
        client_msg_id: None,
        data: [
            ("keyword1".to_owned(), TemplateValue::new("39.8")),
            (
                "keyword2".to_owned(),
                TemplateValue {
                    value: "2014-09-22".into(),
                    color: Some("#173177".into()),
                },
            ),
        ]
        .into(),
    };
    assert_eq!(
        serde_json::to_value(&message).unwrap(),
        json!({
            "touser": "OPENID",
            "template_id": "TEMPLATE",
            "miniprogram": { "appid": "wxapp", "pagepath": "index?foo=bar" },
            "data": {
                "keyword1": { "value": "39.8" },
                "keyword2": { "value": "2014-09-22", "color": "#173177" }
            }
        })
    );
    assert_eq!(
        serde_json::to_value(MediaKind::Thumb).unwrap(),
        json!("thumb")
    );
    assert_eq!(MediaKind::Voice.as_str(), "voice");
    let thumb: UploadedMedia = serde_json::from_value(json!({
        "type": "thumb", "thumb_media_id": "THUMB", "created_at": 1
    }))
    .unwrap();
    assert_eq!(thumb.media_id, "THUMB");
}

#[test]
fn an_api_error_becomes_a_send_error() {
    let error = SendError::from(ApiError::WeChat {
        errcode: 45015,
        errmsg: "response out of time limit".into(),
    });
    assert_eq!(error.errcode, Some(45015));
    assert!(error.message.contains("45015"), "{}", error.message);
    assert_eq!(ApiError::Timeout.errcode(), None);
}
