//! Every realistic push in tests/fixtures/ decodes (XML or JSON) and parses into its typed
//! variant, with the fields a handler would read.

use std::path::Path;

use wxgate::handlers::{Event, Message, MessageKind};
use wxgate::internals::wire;

fn load(relative: &str) -> Message {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative);
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fields = wire::decode(wire::detect(None, &body), &body)
        .unwrap_or_else(|e| panic!("{relative}: {e}"));
    Message::from_fields(fields).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn event(relative: &str) -> Event {
    match load(relative).kind {
        MessageKind::Event(event) => *event,
        other => panic!("{relative}: expected an event, got {other:?}"),
    }
}

#[test]
fn every_message_type_parses_into_its_variant() {
    let text = load("xml/text.xml");
    assert!(
        matches!(&text.kind, MessageKind::Text(t) if !t.content.is_empty()),
        "{:?}",
        text.kind
    );
    assert!(text.msg_id().is_some());
    assert!(text.from_user.starts_with('o'));
    assert!(
        matches!(load("xml/image.xml").kind, MessageKind::Image(i) if i.pic_url.starts_with("http"))
    );
    assert!(matches!(load("xml/voice.xml").kind, MessageKind::Voice(v) if v.recognition.is_some()));
    assert!(
        matches!(load("xml/video.xml").kind, MessageKind::Video(v) if !v.thumb_media_id.is_empty())
    );
    assert!(matches!(
        load("xml/shortvideo.xml").kind,
        MessageKind::ShortVideo(_)
    ));
    assert!(
        matches!(load("xml/location.xml").kind, MessageKind::Location(l) if l.location_x != 0.0 && !l.label.is_empty())
    );
    assert!(matches!(load("xml/link.xml").kind, MessageKind::Link(l) if l.url.starts_with("http")));
}

#[test]
fn every_event_parses_into_its_variant() {
    match event("xml/event_subscribe.xml") {
        Event::Subscribe(s) => assert_eq!(s.scene(), None),
        other => panic!("{other:?}"),
    }
    match event("xml/event_subscribe_qrscene.xml") {
        Event::Subscribe(s) => {
            assert!(s.scene().is_some());
            assert!(s.ticket.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        event("xml/event_unsubscribe.xml"),
        Event::Unsubscribe(_)
    ));
    assert!(
        matches!(event("xml/event_scan.xml"), Event::Scan(s) if s.ticket.is_some() && !s.event_key.is_empty())
    );
    assert!(matches!(
        event("xml/event_location.xml"),
        Event::Location(_)
    ));
    assert!(matches!(event("xml/event_click.xml"), Event::Click(c) if !c.event_key.is_empty()));
    assert!(matches!(event("xml/event_view.xml"), Event::View(v) if v.url().starts_with("http")));
    assert!(
        matches!(event("xml/event_scancode_push.xml"), Event::ScancodePush(s) if !s.scan_code_info.scan_result.is_empty())
    );
    assert!(
        matches!(event("xml/event_scancode_waitmsg.xml"), Event::ScancodeWaitmsg(s) if !s.scan_code_info.scan_type.is_empty())
    );
    assert!(
        matches!(event("xml/event_pic_sysphoto.xml"), Event::PicSysphoto(p) if p.send_pics_info.count >= 1)
    );
    assert!(matches!(
        event("xml/event_pic_photo_or_album.xml"),
        Event::PicPhotoOrAlbum(_)
    ));
    match event("xml/event_pic_weixin.xml") {
        Event::PicWeixin(p) => {
            assert_eq!(p.send_pics_info.count, 2);
            assert_eq!(p.send_pics_info.pic_md5_sums.len(), 2);
            assert_eq!(
                p.send_pics_info.pic_md5_sums[0],
                "5a75aaca956d97be686719218f275c6b"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(event("xml/event_location_select.xml"), Event::LocationSelect(l) if l.send_location_info.location_x != 0.0)
    );
    assert!(matches!(
        event("xml/event_view_miniprogram.xml"),
        Event::ViewMiniprogram(_)
    ));
    assert!(matches!(
        event("xml/event_templatesendjobfinish.xml"),
        Event::TemplateSendJobFinish(_)
    ));
    assert!(
        matches!(event("xml/event_masssendjobfinish.xml"), Event::MassSendJobFinish(m) if m.total_count >= m.sent_count)
    );
    match event("xml/event_subscribe_msg_popup_event.xml") {
        Event::SubscribeMsgPopup(p) => {
            assert_eq!(p.items.len(), 2);
            assert_eq!(p.items[0].subscribe_status, "accept");
            assert_eq!(p.items[1].subscribe_status, "reject");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(event("xml/event_subscribe_msg_change_event.xml"), Event::SubscribeMsgChange(c) if !c.items.is_empty())
    );
    assert!(
        matches!(event("xml/event_subscribe_msg_sent_event.xml"), Event::SubscribeMsgSent(s) if !s.items.is_empty())
    );
    assert!(matches!(
        event("xml/event_kf_create_session.xml"),
        Event::KfCreateSession(_)
    ));
    assert!(matches!(
        event("xml/event_kf_close_session.xml"),
        Event::KfCloseSession(_)
    ));
    assert!(
        matches!(event("xml/event_kf_switch_session.xml"), Event::KfSwitchSession(s) if s.from_kf_account != s.to_kf_account)
    );
}

#[test]
fn job_finish_msg_id_is_the_message_id() {
    let message = load("xml/event_templatesendjobfinish.xml");
    assert!(message.msg_id().is_some());
    assert_eq!(message.msg_id(), message.raw.text("MsgID"));
}

#[test]
fn json_pushes_parse_into_the_same_variants() {
    let text = load("json/text.json");
    assert!(matches!(&text.kind, MessageKind::Text(_)));
    assert!(text.create_time > 1_000_000_000);
    assert!(matches!(
        load("json/image.json").kind,
        MessageKind::Image(_)
    ));
    match load("json/miniprogrampage.json").kind {
        MessageKind::MiniProgramPage(page) => {
            assert_eq!(page.title, "限时特惠 · 新品上架");
            assert_eq!(page.page_path, "pages/goods/detail?id=10086");
        }
        other => panic!("{other:?}"),
    }
    let message = load("json/miniprogrampage.json");
    assert_eq!(
        message.msg_id(),
        Some("6873957214214108161"),
        "u64 ids keep every digit"
    );
    assert!(
        matches!(event("json/event_user_enter_tempsession.json"), Event::UserEnterTempSession(s) if s.session_from.is_some())
    );
}

#[test]
fn unknown_types_keep_every_field() {
    let message = load("xml/unknown_future_type.xml");
    assert!(
        matches!(&message.kind, MessageKind::Unknown { msg_type } if msg_type == "future_type")
    );
    let raw = &message.raw;
    assert_eq!(raw.text("Flavor"), Some("experimental"));
    assert_eq!(raw.text("Score"), Some("98.6"));
    assert_eq!(raw.text("Reserved"), Some(""));
    let payload = raw.node("Payload").expect("Payload node");
    assert_eq!(payload.text("Note"), Some("fish & chips 🐟"));
    let tags: Vec<_> = payload
        .node("Tags")
        .expect("Tags node")
        .all("item")
        .filter_map(|item| item.as_node()?.text("Name"))
        .collect();
    assert_eq!(tags, ["新品", "限时"]);
}

/// Every event the catalogue types has a real push in handlers/fixtures/events/: decoded by the
/// gateway's own decoders, each parses into its own variant, and what a `forward` bot receives
/// (the fields as JSON) loses no field.
#[test]
fn every_catalogued_event_fixture_decodes_parses_and_forwards_whole() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("handlers/fixtures/events");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(ext) = path.extension().and_then(|ext| ext.to_str()) else {
            continue;
        };
        if ext != "xml" && ext != "json" {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let body = std::fs::read(&path).unwrap();
        let fields = wire::decode(wire::detect(None, &body), &body)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let message =
            Message::from_fields(fields.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let MessageKind::Event(event) = &message.kind else {
            panic!("{name}: not an event: {:?}", message.kind);
        };
        assert!(
            !matches!(**event, Event::Unknown { .. }) && event.name().eq_ignore_ascii_case(&name),
            "{name}: parsed as {event:?}"
        );
        let forwarded = message.raw.to_json();
        if ext == "json" {
            // The same document back, scalars as text.
            let sent: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(forwarded, as_text(sent), "{name}");
        } else {
            // Every element of the document (markup inside CDATA is text) is a key of what the
            // bot receives.
            let mut text = String::from_utf8(body).unwrap();
            while let Some(start) = text.find("<![CDATA[") {
                let end = text[start..]
                    .find("]]>")
                    .map_or(text.len(), |end| start + end + 3);
                text.replace_range(start..end, "");
            }
            let json = forwarded.to_string();
            for element in text.split('<').skip(1).filter_map(|tag| {
                let tag = tag.split('>').next()?;
                (!tag.starts_with(['/', '!', '?'])).then(|| tag.trim_end_matches('/'))
            }) {
                if element != "xml" {
                    assert!(
                        json.contains(&format!("\"{element}\":")),
                        "{name}: {element} lost"
                    );
                }
            }
        }
        seen += 1;
    }
    assert!(seen >= 90, "only {seen} fixtures");
}

/// `value` with every number and boolean as its text and null as "", as the fields keep them.
fn as_text(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        J::Null => J::String(String::new()),
        J::Bool(b) => J::String(b.to_string()),
        J::Number(n) => J::String(n.to_string()),
        J::Array(items) => J::Array(items.into_iter().map(as_text).collect()),
        J::Object(map) => J::Object(map.into_iter().map(|(k, v)| (k, as_text(v))).collect()),
        text => text,
    }
}
