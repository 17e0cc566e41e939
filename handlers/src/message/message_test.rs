use super::*;
use crate::fields::Value;
use crate::test_util::{event_push, json, json_message, push, xml, xml_message};

/// A test case: a type or event name, its extra text fields, and the expected text.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn text_message() {
    let message = xml_message(
        "<xml>
          <ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
          <FromUserName><![CDATA[oUser]]></FromUserName>
          <CreateTime>1348831860</CreateTime>
          <MsgType><![CDATA[text]]></MsgType>
          <Content><![CDATA[this is a test]]></Content>
          <MsgId>1234567890123456</MsgId>
        </xml>",
    );
    assert_eq!(message.to_user, "gh_123456789abc");
    assert_eq!(message.from_user, "oUser");
    assert_eq!(message.create_time, 1_348_831_860);
    assert_eq!(
        message.kind,
        MessageKind::Text(TextMessage {
            content: "this is a test".into(),
            msg_id: Some("1234567890123456".into()),
        })
    );
    assert_eq!(message.msg_type(), "text");
    assert_eq!(message.msg_id(), Some("1234567890123456"));
    assert_eq!(message.text_content(), Some("this is a test"));
    assert!(!message.is_event());
    assert_eq!(message.event(), None);
    assert_eq!(message.event_name(), None);
    assert_eq!(message.event_key(), None);
    assert_eq!(message.raw.len(), 6);
}

#[test]
fn text_message_from_mini_program_json() {
    let message = json_message(
        r#"{"ToUserName":"gh_mini","FromUserName":"oMini","CreateTime":1482048670,
            "MsgType":"text","Content":"hello","MsgId":1234567890123456}"#,
    );
    assert_eq!(message.create_time, 1_482_048_670);
    assert_eq!(message.text_content(), Some("hello"));
    assert_eq!(message.msg_id(), Some("1234567890123456"));
}

#[test]
fn image_message() {
    let message = xml_message(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>
          <CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType>
          <PicUrl><![CDATA[http://mmbiz.qpic.cn/pic]]></PicUrl>
          <MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgId></xml>",
    );
    assert_eq!(
        message.kind,
        MessageKind::Image(ImageMessage {
            pic_url: "http://mmbiz.qpic.cn/pic".into(),
            media_id: "media_id".into(),
            msg_id: Some("1234567890123456".into()),
        })
    );
    assert_eq!(message.text_content(), None);
}

#[test]
fn voice_message_with_and_without_recognition() {
    let plain = Message::from_fields(push(
        "voice",
        &[("MediaId", "m1"), ("Format", "amr"), ("MsgId", "42")],
    ))
    .expect("valid");
    assert_eq!(
        plain.kind,
        MessageKind::Voice(VoiceMessage {
            media_id: "m1".into(),
            format: "amr".into(),
            recognition: None,
            msg_id: Some("42".into()),
        })
    );

    let recognized = xml_message(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>
          <CreateTime>1357290913</CreateTime><MsgType><![CDATA[voice]]></MsgType>
          <MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[speex]]></Format>
          <Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>1234567890123456</MsgId></xml>",
    );
    let MessageKind::Voice(voice) = &recognized.kind else {
        panic!("expected voice, got {:?}", recognized.kind);
    };
    assert_eq!(voice.format, "speex");
    assert_eq!(voice.recognition.as_deref(), Some("腾讯微信团队"));
}

#[test]
fn video_and_shortvideo_messages() {
    let expected = VideoMessage {
        media_id: "m".into(),
        thumb_media_id: "t".into(),
        msg_id: Some("7".into()),
    };
    let fields = |msg_type| {
        push(
            msg_type,
            &[("MediaId", "m"), ("ThumbMediaId", "t"), ("MsgId", "7")],
        )
    };
    assert_eq!(
        Message::from_fields(fields("video")).expect("valid").kind,
        MessageKind::Video(expected.clone())
    );
    let short = Message::from_fields(fields("shortvideo")).expect("valid");
    assert_eq!(short.kind, MessageKind::ShortVideo(expected));
    assert_eq!(short.kind.name(), "shortvideo");
}

#[test]
fn location_message() {
    let message = xml_message(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>
          <CreateTime>1351776360</CreateTime><MsgType><![CDATA[location]]></MsgType>
          <Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y>
          <Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId></xml>",
    );
    assert_eq!(
        message.kind,
        MessageKind::Location(LocationMessage {
            location_x: 23.134521,
            location_y: 113.358803,
            scale: 20,
            label: "位置信息".into(),
            msg_id: Some("1234567890123456".into()),
        })
    );
}

#[test]
fn link_message() {
    let message = Message::from_fields(push(
        "link",
        &[
            ("Title", "公众平台官网链接"),
            ("Description", "公众平台官网链接"),
            ("Url", "https://mp.weixin.qq.com"),
            ("MsgId", "1234567890123456"),
        ],
    ))
    .expect("valid");
    assert_eq!(
        message.kind,
        MessageKind::Link(LinkMessage {
            title: "公众平台官网链接".into(),
            description: "公众平台官网链接".into(),
            url: "https://mp.weixin.qq.com".into(),
            msg_id: Some("1234567890123456".into()),
        })
    );
}

#[test]
fn miniprogrampage_message_json_and_xml() {
    let expected = MessageKind::MiniProgramPage(MiniProgramPageMessage {
        title: "Title".into(),
        app_id: "wx1234".into(),
        page_path: "pages/index/index?x=1".into(),
        thumb_url: "https://example.com/thumb".into(),
        thumb_media_id: "thumb".into(),
        msg_id: Some("1234567890123456".into()),
    });
    let from_json = json_message(
        r#"{"ToUserName":"gh_mini","FromUserName":"oMini","CreateTime":1482048670,
            "MsgType":"miniprogrampage","MsgId":1234567890123456,"Title":"Title",
            "AppId":"wx1234","PagePath":"pages/index/index?x=1",
            "ThumbUrl":"https://example.com/thumb","ThumbMediaId":"thumb"}"#,
    );
    assert_eq!(from_json.kind, expected);
    let from_xml = xml_message(
        "<xml><ToUserName><![CDATA[gh_mini]]></ToUserName><FromUserName><![CDATA[oMini]]></FromUserName>
          <CreateTime>1482048670</CreateTime><MsgType><![CDATA[miniprogrampage]]></MsgType>
          <MsgId>1234567890123456</MsgId><Title><![CDATA[Title]]></Title><AppId><![CDATA[wx1234]]></AppId>
          <PagePath><![CDATA[pages/index/index?x=1]]></PagePath><ThumbUrl><![CDATA[https://example.com/thumb]]></ThumbUrl>
          <ThumbMediaId><![CDATA[thumb]]></ThumbMediaId></xml>",
    );
    assert_eq!(from_xml.kind, expected);
}

#[test]
fn msg_type_matches_case_insensitively_but_is_kept_as_received() {
    let message =
        Message::from_fields(push("TEXT", &[("Content", "hi"), ("MsgId", "1")])).expect("valid");
    assert_eq!(message.text_content(), Some("hi"));
    assert_eq!(message.msg_type(), "TEXT");
    assert_eq!(message.kind.name(), "text");
}

#[test]
fn unknown_type_keeps_every_raw_field() {
    let input = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>
          <CreateTime>1700000000</CreateTime><MsgType><![CDATA[file]]></MsgType>
          <Title><![CDATA[report.pdf]]></Title><FileKey><![CDATA[k]]></FileKey>
          <Extra><Deep><A>1</A></Deep></Extra><MsgId>99</MsgId></xml>";
    let message = xml_message(input);
    assert_eq!(
        message.kind,
        MessageKind::Unknown {
            msg_type: "file".into()
        }
    );
    assert_eq!(message.kind.name(), "file");
    assert_eq!(message.raw, xml(input));
    assert_eq!(message.raw.len(), 8);
    assert_eq!(message.raw.text("FileKey"), Some("k"));
    let deep = message
        .raw
        .node("Extra")
        .and_then(|extra| extra.node("Deep"))
        .and_then(|deep| deep.text("A"));
    assert_eq!(deep, Some("1"));
    assert_eq!(message.msg_id(), Some("99"));
}

#[test]
fn every_common_field_is_required() {
    for missing in ["ToUserName", "FromUserName", "CreateTime", "MsgType"] {
        let fields: Fields = push("text", &[("Content", "hi"), ("MsgId", "1")])
            .iter()
            .filter(|(name, _)| *name != missing)
            .map(|(name, value)| (name.to_owned(), value.clone()))
            .collect();
        let error = Message::from_fields(fields).expect_err("must fail");
        assert_eq!(
            error,
            MessageError::MissingField {
                field: missing.into()
            }
        );
        assert_eq!(error.to_string(), format!("missing field {missing}"));
    }
}

#[test]
fn create_time_must_be_digits() {
    for bad in ["", "abc", "-1", "+1", "1.5", "99999999999999999999999"] {
        let mut fields = Fields::new();
        fields.push_text("ToUserName", "gh");
        fields.push_text("FromUserName", "o");
        fields.push_text("CreateTime", bad);
        fields.push_text("MsgType", "text");
        let error = Message::from_fields(fields).expect_err("must fail");
        assert_eq!(
            error,
            MessageError::NotANumber {
                field: "CreateTime".into(),
                value: bad.into()
            },
            "{bad:?}"
        );
    }
}

#[test]
fn event_type_requires_event() {
    let error = Message::from_fields(push("event", &[])).expect_err("must fail");
    assert_eq!(error.to_string(), "missing field Event");
}

#[test]
fn known_types_require_their_fields() {
    let cases: &[Case] = &[
        ("text", &[("MsgId", "1")], "missing field Content"),
        (
            "image",
            &[("MediaId", "m"), ("MsgId", "1")],
            "missing field PicUrl",
        ),
        (
            "voice",
            &[("MediaId", "m"), ("MsgId", "1")],
            "missing field Format",
        ),
        (
            "video",
            &[("MediaId", "m"), ("MsgId", "1")],
            "missing field ThumbMediaId",
        ),
        (
            "link",
            &[("Title", "t"), ("Url", "u"), ("MsgId", "1")],
            "missing field Description",
        ),
        (
            "miniprogrampage",
            &[("Title", "t"), ("MsgId", "1")],
            "missing field AppId",
        ),
    ];
    for (msg_type, extra, expected) in cases {
        let error = typed_error(push(msg_type, extra));
        assert_eq!(error.to_string(), *expected, "{msg_type}");
    }
}

#[test]
fn bad_numbers_are_errors_not_panics() {
    let location = |x: &str, scale: &str| {
        push(
            "location",
            &[
                ("Location_X", x),
                ("Location_Y", "113.358803"),
                ("Scale", scale),
                ("Label", "here"),
                ("MsgId", "1"),
            ],
        )
    };
    let error = typed_error(location("abc", "20"));
    assert_eq!(
        error.to_string(),
        r#"field Location_X is not a number: "abc""#
    );
    let error = typed_error(location("NaN", "20"));
    assert!(error.starts_with("field Location_X "), "{error}");
    let error = typed_error(location("23.1", "-3"));
    assert_eq!(error.to_string(), r#"field Scale is not a number: "-3""#);
}

#[test]
fn nested_value_where_text_expected_is_an_error() {
    let mut fields = push("text", &[("MsgId", "1")]);
    let mut inner = Fields::new();
    inner.push_text("A", "b");
    fields.push("Content", Value::Node(inner));
    let error = typed_error(fields);
    assert_eq!(
        error.to_string(),
        "field Content holds nested elements where text was expected"
    );
}

#[test]
fn first_entry_wins_when_a_field_repeats() {
    let fields = push(
        "text",
        &[("Content", "first"), ("Content", "second"), ("MsgId", "1")],
    );
    let message = Message::from_fields(fields).expect("valid");
    assert_eq!(message.text_content(), Some("first"));
    assert_eq!(message.raw.all("Content").count(), 2);
}

#[test]
fn event_helpers_read_the_raw_fields() {
    let message = Message::from_fields(event_push("CLICK", &[("EventKey", "V1001_TODAY_MUSIC")]))
        .expect("valid");
    assert!(message.is_event());
    assert_eq!(message.msg_type(), "event");
    assert_eq!(message.event_name(), Some("CLICK"));
    assert_eq!(message.event_key(), Some("V1001_TODAY_MUSIC"));
    assert_eq!(message.msg_id(), None);
    assert_eq!(message.text_content(), None);
    assert_eq!(message.kind.name(), "event");
}

#[test]
fn json_helper_and_xml_helper_agree_on_a_plain_push() {
    let from_json = json(
        r#"{"ToUserName":"gh","FromUserName":"o","CreateTime":"1","MsgType":"text","Content":"c","MsgId":"2"}"#,
    );
    let message = Message::from_fields(from_json).expect("valid");
    assert_eq!(message.create_time, 1);
    assert_eq!(message.text_content(), Some("c"));
}

#[test]
fn msg_id_is_optional() {
    let message = Message::from_fields(push("text", &[("Content", "hi")])).expect("parses");
    assert_eq!(message.msg_id(), None);
    match message.kind {
        MessageKind::Text(text) => assert_eq!(text.msg_id, None),
        other => panic!("expected text, got {other:?}"),
    }
}

/// Why the typed parse of a known message type fails; the push itself still parses, as
/// [`MessageKind::Unknown`] with every field kept, so it still reaches plugins.
fn typed_error(fields: Fields) -> String {
    let message = Message::from_fields(fields.clone()).expect("a known type that does not parse");
    let msg_type = message.raw.text("MsgType").expect("a MsgType").to_owned();
    assert_eq!(
        message.kind,
        MessageKind::Unknown {
            msg_type: msg_type.clone()
        }
    );
    assert_eq!(message.raw, fields, "every field kept");
    MessageKind::parse(&msg_type, &super::read::Reader::top(&fields))
        .expect("a known message type")
        .expect_err("must fail")
        .to_string()
}

#[test]
fn a_message_does_not_carry_the_size_of_every_event() {
    // Every push is moved several times on the gateway's hot path; the event payloads (the
    // largest several hundred bytes) sit behind one box.
    let size = std::mem::size_of::<Message>();
    assert!(size <= 256, "Message is {size} bytes");
}
