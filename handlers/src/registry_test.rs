use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::*;
use crate::message::{
    ClickEvent, ImageMessage, KfSessionEvent, KfSwitchSessionEvent, LinkMessage, LocationEvent,
    LocationMessage, LocationSelectEvent, MassSendJobFinishEvent, Message, MiniProgramPageMessage,
    PicEvent, ScanCodeEvent, ScanEvent, SubscribeEvent, SubscribeMsgChangeEvent,
    SubscribeMsgPopupEvent, SubscribeMsgSentEvent, TemplateSendJobFinishEvent, TextMessage,
    UnsubscribeEvent, UserEnterTempSessionEvent, VideoMessage, ViewEvent, ViewMiniProgramEvent,
    VoiceMessage,
};
use crate::reply::Reply;
use crate::test_util::{event_push, push, xml_message};

fn message(fields: crate::fields::Fields) -> Message {
    Message::from_fields(fields).expect("valid message")
}

/// One message per variant, with the method `dispatch_one` must call for it.
fn every_variant() -> Vec<(Message, &'static str)> {
    let scan_code = "<EventKey>k</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>r</ScanResult></ScanCodeInfo>";
    let pics = "<EventKey>k</EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum>m</PicMd5Sum></item></PicList></SendPicsInfo>";
    let event_xml = |event: &str, body: &str| {
        xml_message(&format!(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>\
             <MsgType>event</MsgType><Event>{event}</Event>{body}</xml>"
        ))
    };
    vec![
        (
            message(push("text", &[("Content", "hi"), ("MsgId", "1")])),
            "on_text",
        ),
        (
            message(push(
                "image",
                &[("PicUrl", "u"), ("MediaId", "m"), ("MsgId", "1")],
            )),
            "on_image",
        ),
        (
            message(push(
                "voice",
                &[("MediaId", "m"), ("Format", "amr"), ("MsgId", "1")],
            )),
            "on_voice",
        ),
        (
            message(push(
                "video",
                &[("MediaId", "m"), ("ThumbMediaId", "t"), ("MsgId", "1")],
            )),
            "on_video",
        ),
        (
            message(push(
                "shortvideo",
                &[("MediaId", "m"), ("ThumbMediaId", "t"), ("MsgId", "1")],
            )),
            "on_shortvideo",
        ),
        (
            message(push(
                "location",
                &[
                    ("Location_X", "1.5"),
                    ("Location_Y", "2.5"),
                    ("Scale", "20"),
                    ("Label", "l"),
                    ("MsgId", "1"),
                ],
            )),
            "on_location",
        ),
        (
            message(push(
                "link",
                &[
                    ("Title", "t"),
                    ("Description", "d"),
                    ("Url", "u"),
                    ("MsgId", "1"),
                ],
            )),
            "on_link",
        ),
        (
            message(push(
                "miniprogrampage",
                &[
                    ("Title", "t"),
                    ("AppId", "a"),
                    ("PagePath", "p"),
                    ("ThumbUrl", "u"),
                    ("ThumbMediaId", "m"),
                    ("MsgId", "1"),
                ],
            )),
            "on_miniprogrampage",
        ),
        (message(push("file", &[("FileKey", "k")])), "on_unknown"),
        (message(event_push("subscribe", &[])), "on_event_subscribe"),
        (
            message(event_push("unsubscribe", &[])),
            "on_event_unsubscribe",
        ),
        (
            message(event_push("SCAN", &[("EventKey", "1")])),
            "on_event_scan",
        ),
        (
            message(event_push(
                "LOCATION",
                &[("Latitude", "1"), ("Longitude", "2"), ("Precision", "3")],
            )),
            "on_event_location",
        ),
        (
            message(event_push("CLICK", &[("EventKey", "k")])),
            "on_event_click",
        ),
        (
            message(event_push("VIEW", &[("EventKey", "https://a")])),
            "on_event_view",
        ),
        (
            event_xml("scancode_push", scan_code),
            "on_event_scancode_push",
        ),
        (
            event_xml("scancode_waitmsg", scan_code),
            "on_event_scancode_waitmsg",
        ),
        (event_xml("pic_sysphoto", pics), "on_event_pic_sysphoto"),
        (
            event_xml("pic_photo_or_album", pics),
            "on_event_pic_photo_or_album",
        ),
        (event_xml("pic_weixin", pics), "on_event_pic_weixin"),
        (
            event_xml(
                "location_select",
                "<EventKey>k</EventKey><SendLocationInfo><Location_X>1</Location_X><Location_Y>2</Location_Y>\
                 <Scale>15</Scale><Label>l</Label></SendLocationInfo>",
            ),
            "on_event_location_select",
        ),
        (
            message(event_push("view_miniprogram", &[("EventKey", "pages/a")])),
            "on_event_view_miniprogram",
        ),
        (
            message(event_push(
                "TEMPLATESENDJOBFINISH",
                &[("MsgID", "1"), ("Status", "success")],
            )),
            "on_event_template_send_job_finish",
        ),
        (
            message(event_push(
                "MASSSENDJOBFINISH",
                &[
                    ("MsgID", "1"),
                    ("Status", "send success"),
                    ("TotalCount", "1"),
                    ("FilterCount", "1"),
                    ("SentCount", "1"),
                    ("ErrorCount", "0"),
                ],
            )),
            "on_event_mass_send_job_finish",
        ),
        (
            message(event_push("subscribe_msg_popup_event", &[])),
            "on_event_subscribe_msg_popup",
        ),
        (
            message(event_push("subscribe_msg_change_event", &[])),
            "on_event_subscribe_msg_change",
        ),
        (
            message(event_push("subscribe_msg_sent_event", &[])),
            "on_event_subscribe_msg_sent",
        ),
        (
            message(event_push("kf_create_session", &[("KfAccount", "a@b")])),
            "on_event_kf_create_session",
        ),
        (
            message(event_push("kf_close_session", &[("KfAccount", "a@b")])),
            "on_event_kf_close_session",
        ),
        (
            message(event_push(
                "kf_switch_session",
                &[("FromKfAccount", "a@b"), ("ToKfAccount", "c@b")],
            )),
            "on_event_kf_switch_session",
        ),
        (
            message(event_push(
                "user_enter_tempsession",
                &[("SessionFrom", "s")],
            )),
            "on_event_user_enter_tempsession",
        ),
        (
            message(event_push("weapp_audit_success", &[])),
            "on_event_unknown",
        ),
    ]
}

fn text(reply: &str) -> Outcome {
    Outcome::Reply(Reply::Text(reply.into()))
}

/// Overrides every method and answers with the method's name.
struct Recorder;

#[async_trait]
impl Handler for Recorder {
    async fn on_text(&self, _: &Context<'_>, _: &TextMessage) -> Outcome {
        text("on_text")
    }
    async fn on_image(&self, _: &Context<'_>, _: &ImageMessage) -> Outcome {
        text("on_image")
    }
    async fn on_voice(&self, _: &Context<'_>, _: &VoiceMessage) -> Outcome {
        text("on_voice")
    }
    async fn on_video(&self, _: &Context<'_>, _: &VideoMessage) -> Outcome {
        text("on_video")
    }
    async fn on_shortvideo(&self, _: &Context<'_>, _: &VideoMessage) -> Outcome {
        text("on_shortvideo")
    }
    async fn on_location(&self, _: &Context<'_>, _: &LocationMessage) -> Outcome {
        text("on_location")
    }
    async fn on_link(&self, _: &Context<'_>, _: &LinkMessage) -> Outcome {
        text("on_link")
    }
    async fn on_miniprogrampage(&self, _: &Context<'_>, _: &MiniProgramPageMessage) -> Outcome {
        text("on_miniprogrampage")
    }
    async fn on_unknown(&self, _: &Context<'_>, msg_type: &str) -> Outcome {
        assert_eq!(msg_type, "file");
        text("on_unknown")
    }
    async fn on_event_subscribe(&self, _: &Context<'_>, _: &SubscribeEvent) -> Outcome {
        text("on_event_subscribe")
    }
    async fn on_event_unsubscribe(&self, _: &Context<'_>, _: &UnsubscribeEvent) -> Outcome {
        text("on_event_unsubscribe")
    }
    async fn on_event_scan(&self, _: &Context<'_>, _: &ScanEvent) -> Outcome {
        text("on_event_scan")
    }
    async fn on_event_location(&self, _: &Context<'_>, _: &LocationEvent) -> Outcome {
        text("on_event_location")
    }
    async fn on_event_click(&self, _: &Context<'_>, _: &ClickEvent) -> Outcome {
        text("on_event_click")
    }
    async fn on_event_view(&self, _: &Context<'_>, _: &ViewEvent) -> Outcome {
        text("on_event_view")
    }
    async fn on_event_scancode_push(&self, _: &Context<'_>, _: &ScanCodeEvent) -> Outcome {
        text("on_event_scancode_push")
    }
    async fn on_event_scancode_waitmsg(&self, _: &Context<'_>, _: &ScanCodeEvent) -> Outcome {
        text("on_event_scancode_waitmsg")
    }
    async fn on_event_pic_sysphoto(&self, _: &Context<'_>, _: &PicEvent) -> Outcome {
        text("on_event_pic_sysphoto")
    }
    async fn on_event_pic_photo_or_album(&self, _: &Context<'_>, _: &PicEvent) -> Outcome {
        text("on_event_pic_photo_or_album")
    }
    async fn on_event_pic_weixin(&self, _: &Context<'_>, _: &PicEvent) -> Outcome {
        text("on_event_pic_weixin")
    }
    async fn on_event_location_select(&self, _: &Context<'_>, _: &LocationSelectEvent) -> Outcome {
        text("on_event_location_select")
    }
    async fn on_event_view_miniprogram(
        &self,
        _: &Context<'_>,
        _: &ViewMiniProgramEvent,
    ) -> Outcome {
        text("on_event_view_miniprogram")
    }
    async fn on_event_template_send_job_finish(
        &self,
        _: &Context<'_>,
        _: &TemplateSendJobFinishEvent,
    ) -> Outcome {
        text("on_event_template_send_job_finish")
    }
    async fn on_event_mass_send_job_finish(
        &self,
        _: &Context<'_>,
        _: &MassSendJobFinishEvent,
    ) -> Outcome {
        text("on_event_mass_send_job_finish")
    }
    async fn on_event_subscribe_msg_popup(
        &self,
        _: &Context<'_>,
        _: &SubscribeMsgPopupEvent,
    ) -> Outcome {
        text("on_event_subscribe_msg_popup")
    }
    async fn on_event_subscribe_msg_change(
        &self,
        _: &Context<'_>,
        _: &SubscribeMsgChangeEvent,
    ) -> Outcome {
        text("on_event_subscribe_msg_change")
    }
    async fn on_event_subscribe_msg_sent(
        &self,
        _: &Context<'_>,
        _: &SubscribeMsgSentEvent,
    ) -> Outcome {
        text("on_event_subscribe_msg_sent")
    }
    async fn on_event_kf_create_session(&self, _: &Context<'_>, _: &KfSessionEvent) -> Outcome {
        text("on_event_kf_create_session")
    }
    async fn on_event_kf_close_session(&self, _: &Context<'_>, _: &KfSessionEvent) -> Outcome {
        text("on_event_kf_close_session")
    }
    async fn on_event_kf_switch_session(
        &self,
        _: &Context<'_>,
        _: &KfSwitchSessionEvent,
    ) -> Outcome {
        text("on_event_kf_switch_session")
    }
    async fn on_event_user_enter_tempsession(
        &self,
        _: &Context<'_>,
        _: &UserEnterTempSessionEvent,
    ) -> Outcome {
        text("on_event_user_enter_tempsession")
    }
    async fn on_event_unknown(&self, _: &Context<'_>, name: &str) -> Outcome {
        assert_eq!(name, "weapp_audit_success");
        text("on_event_unknown")
    }
    async fn on_event(&self, _: &Context<'_>, _: &Event) -> Outcome {
        panic!("on_event must not be reached when every specific method is overridden")
    }
    async fn on_message(&self, _: &Context<'_>) -> Outcome {
        panic!("on_message must not be reached when every specific method is overridden")
    }
}

/// Overrides only `on_event`.
struct OnlyEvent;

#[async_trait]
impl Handler for OnlyEvent {
    async fn on_event(&self, _: &Context<'_>, event: &Event) -> Outcome {
        text(&format!("event {}", event.name()))
    }
}

/// Overrides only `on_message`.
struct OnlyMessage;

#[async_trait]
impl Handler for OnlyMessage {
    async fn on_message(&self, ctx: &Context<'_>) -> Outcome {
        text(&format!(
            "{} from {}",
            ctx.message().msg_type(),
            ctx.account()
        ))
    }
}

/// Overrides only `on_event_scan`.
struct OnlyScan;

#[async_trait]
impl Handler for OnlyScan {
    async fn on_event_scan(&self, _: &Context<'_>, scan: &ScanEvent) -> Outcome {
        text(&format!("scene {}", scan.event_key))
    }
}

#[tokio::test]
async fn every_variant_reaches_its_own_method() {
    let samples = every_variant();
    // 9 ordinary variants (8 types + unknown) and 23 events (22 known + unknown).
    assert_eq!(samples.len(), 32);
    for (message, method) in &samples {
        let ctx = Context::new("demo", message);
        assert_eq!(
            dispatch_one(&Recorder, &ctx).await,
            text(method),
            "{method}"
        );
    }
}

#[tokio::test]
async fn event_methods_fall_back_to_on_event_and_others_pass() {
    for (message, method) in every_variant() {
        let ctx = Context::new("demo", &message);
        let outcome = dispatch_one(&OnlyEvent, &ctx).await;
        match message.event() {
            Some(event) => assert_eq!(
                outcome,
                text(&format!("event {}", event.name())),
                "{method}"
            ),
            None => assert_eq!(outcome, Outcome::Pass, "{method}"),
        }
    }
}

#[tokio::test]
async fn every_method_falls_back_to_on_message() {
    for (message, method) in every_variant() {
        let ctx = Context::new("demo", &message);
        let expected = text(&format!("{} from demo", message.msg_type()));
        assert_eq!(dispatch_one(&OnlyMessage, &ctx).await, expected, "{method}");
    }
}

#[tokio::test]
async fn a_plugin_overriding_only_on_event_scan_passes_on_the_rest() {
    for (message, method) in every_variant() {
        let ctx = Context::new("demo", &message);
        let outcome = dispatch_one(&OnlyScan, &ctx).await;
        if method == "on_event_scan" {
            assert_eq!(outcome, text("scene 1"));
        } else {
            assert_eq!(outcome, Outcome::Pass, "{method}");
        }
    }
}

#[tokio::test]
async fn event_default_called_for_a_non_event_falls_back_to_on_message() {
    let message = message(push("text", &[("Content", "hi"), ("MsgId", "1")]));
    let ctx = Context::new("demo", &message);
    let scan = ScanEvent {
        event_key: "1".into(),
        ticket: None,
    };
    assert_eq!(OnlyEvent.on_event_scan(&ctx, &scan).await, Outcome::Pass);
    assert_eq!(
        OnlyMessage.on_event_scan(&ctx, &scan).await,
        text("text from demo")
    );
}

/// Counts its calls and answers with a fixed outcome.
struct Fixed {
    outcome: Outcome,
    calls: Arc<AtomicUsize>,
}

impl Fixed {
    fn new(outcome: Outcome) -> (Fixed, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        (
            Fixed {
                outcome,
                calls: Arc::clone(&calls),
            },
            calls,
        )
    }
}

#[async_trait]
impl Handler for Fixed {
    async fn on_message(&self, _: &Context<'_>) -> Outcome {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.outcome.clone()
    }
}

fn click() -> Message {
    message(event_push("CLICK", &[("EventKey", "k")]))
}

#[tokio::test]
async fn first_non_pass_outcome_wins_and_later_plugins_are_not_called() {
    let (pass, pass_calls) = Fixed::new(Outcome::Pass);
    let (no_reply, no_reply_calls) = Fixed::new(Outcome::NoReply);
    let (reply, reply_calls) = Fixed::new(text("late"));
    let mut registry = Registry::new();
    registry.push(pass).push(no_reply).push(reply);
    assert_eq!(registry.len(), 3);

    let message = click();
    let ctx = Context::new("demo", &message);
    assert_eq!(registry.dispatch(&ctx).await, Outcome::NoReply);
    assert_eq!(pass_calls.load(Ordering::SeqCst), 1);
    assert_eq!(no_reply_calls.load(Ordering::SeqCst), 1);
    assert_eq!(reply_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn order_decides_between_two_replies() {
    let mut registry = Registry::new();
    registry.push(OnlyScan).push(OnlyEvent);
    let scan = message(event_push("scan", &[("EventKey", "7")]));
    let ctx = Context::new("demo", &scan);
    assert_eq!(registry.dispatch(&ctx).await, text("scene 7"));

    let message = click();
    let ctx = Context::new("demo", &message);
    assert_eq!(registry.dispatch(&ctx).await, text("event CLICK"));

    let mut reversed = Registry::new();
    reversed.push(OnlyEvent).push(OnlyScan);
    let ctx = Context::new("demo", &scan);
    assert_eq!(reversed.dispatch(&ctx).await, text("event SCAN"));
}

#[tokio::test]
async fn all_pass_or_empty_is_pass() {
    let message = click();
    let ctx = Context::new("demo", &message);
    assert!(Registry::new().is_empty());
    assert_eq!(Registry::new().dispatch(&ctx).await, Outcome::Pass);

    let mut registry = Registry::new();
    registry.push(OnlyScan).push(Fixed::new(Outcome::Pass).0);
    assert_eq!(registry.dispatch(&ctx).await, Outcome::Pass);
}

#[tokio::test]
async fn clones_share_plugins_and_push_copies_on_write() {
    let (reply, calls) = Fixed::new(text("shared"));
    let shared: Arc<dyn Handler> = Arc::new(reply);
    let mut registry = Registry::new();
    registry.push_arc(Arc::clone(&shared));
    let clone = registry.clone();
    registry.push(OnlyEvent);
    assert_eq!(registry.len(), 2);
    assert_eq!(clone.len(), 1);

    let message = click();
    let ctx = Context::new("demo", &message);
    assert_eq!(clone.dispatch(&ctx).await, text("shared"));
    assert_eq!(registry.dispatch(&ctx).await, text("shared"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn registry_is_shareable_and_dispatch_is_send() {
    fn assert_send_sync<T: Send + Sync + 'static>(_: &T) {}
    fn assert_send<T: Send>(_: &T) {}
    let registry = Registry::new();
    assert_send_sync(&registry);
    let message = click();
    let ctx = Context::new("demo", &message);
    let future = registry.dispatch(&ctx);
    assert_send(&future);
}

#[test]
fn debug_lists_plugin_names() {
    let mut registry = Registry::new();
    registry.push(OnlyScan);
    let debug = format!("{registry:?}");
    assert!(debug.contains("OnlyScan"), "{debug}");
    assert_eq!(registry.iter().count(), 1);
}
