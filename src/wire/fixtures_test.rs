//! Every checked-in push decodes, with the fields WeChat documents for its type.

use wxgate_handlers::{Fields, Value};

use crate::wire::{Format, decode, detect};

const ACCOUNT: &str = "gh_3ad31b1e8f7c";
const USER: &str = "oF3PcsnsrMiJzEwalZZbAfWQpxCI";
const MINI_ACCOUNT: &str = "gh_8f2a6c1d4e5b";
const MINI_USER: &str = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M";

macro_rules! xml {
    ($name:literal) => {
        parse(
            include_bytes!(concat!("../../tests/fixtures/xml/", $name, ".xml")),
            None,
        )
    };
}

macro_rules! json {
    ($name:literal) => {
        parse(
            include_bytes!(concat!("../../tests/fixtures/json/", $name, ".json")),
            Some("application/json; charset=utf-8"),
        )
    };
}

/// Decodes through the same entry point the gateway uses.
/// An XML fixture must give the same fields with and without the fast path for flat documents.
fn parse(body: &[u8], content_type: Option<&str>) -> Fields {
    let format = detect(content_type, body);
    let fields = match decode(format, body) {
        Ok(fields) => fields,
        Err(err) => panic!("fixture does not decode: {err}"),
    };
    if format == Format::Xml {
        let src = std::str::from_utf8(body).expect("fixtures are UTF-8");
        assert_eq!(crate::wire::xml::parse_general(src).as_ref(), Ok(&fields));
    }
    fields
}

fn names(fields: &Fields) -> Vec<&str> {
    fields.iter().map(|(name, _)| name).collect()
}

fn node<'a>(fields: &'a Fields, name: &str) -> &'a Fields {
    fields
        .node(name)
        .unwrap_or_else(|| panic!("{name} is not a node in {fields:?}"))
}

/// Asserts text fields, in the order given.
#[track_caller]
fn assert_texts(fields: &Fields, expected: &[(&str, &str)]) {
    for (name, text) in expected {
        assert_eq!(fields.text(name), Some(*text), "field {name}");
    }
}

/// An official-account push: the common header, then the given fields.
#[track_caller]
fn assert_push(fields: &Fields, create_time: &str, msg_type: &str, rest: &[(&str, &str)]) {
    assert_texts(
        fields,
        &[
            ("ToUserName", ACCOUNT),
            ("FromUserName", USER),
            ("CreateTime", create_time),
            ("MsgType", msg_type),
        ],
    );
    assert_texts(fields, rest);
}

#[track_caller]
fn assert_event(fields: &Fields, create_time: &str, event: &str, rest: &[(&str, &str)]) {
    assert_push(fields, create_time, "event", &[("Event", event)]);
    assert_texts(fields, rest);
}

#[test]
fn text() {
    let fields = xml!("text");
    assert_eq!(
        names(&fields),
        [
            "ToUserName",
            "FromUserName",
            "CreateTime",
            "MsgType",
            "Content",
            "MsgId"
        ]
    );
    assert_push(
        &fields,
        "1718004312",
        "text",
        &[
            ("Content", "你好，请问营业时间？ <周末> & 节假日"),
            ("MsgId", "6873950349523945571"),
        ],
    );
}

#[test]
fn image() {
    assert_push(
        &xml!("image"),
        "1718004398",
        "image",
        &[
            (
                "PicUrl",
                "http://mmbiz.qpic.cn/mmbiz_jpg/Q3auHgzwzM5eGz3ZkKJ0ibT2Yb9PicvS4Hq0zTGEic7X0aOic3n1lYVNQj0pH1R8Dsc0cE5iaD9Y7lBHW3XicVtRoeA/0",
            ),
            (
                "MediaId",
                "Zr8cA0lTR_rW1uUg4jVaKxH9Fv3b_0qEsNAIY5JmT3cQ-pJ6dG9VxLhCqTWnBoKa",
            ),
            ("MsgId", "6873950727481067521"),
        ],
    );
}

#[test]
fn voice_with_recognition() {
    assert_push(
        &xml!("voice"),
        "1718004455",
        "voice",
        &[
            (
                "MediaId",
                "QnN2WJmE4n6jmwfWyW7ZbMb0L7n2XmRMKqKb6rV9xHsT0DFfVi5F1jA3oGqC8uPz",
            ),
            ("Format", "amr"),
            ("Recognition", "明天早上八点提醒我开会。"),
            ("MsgId", "6873950972293226497"),
        ],
    );
}

#[test]
fn video_and_shortvideo() {
    assert_push(
        &xml!("video"),
        "1718004501",
        "video",
        &[
            (
                "MediaId",
                "8mRfMPYBv3hxvZoiEUuG4ylS9Cz_j0bCwRm7qQx2YpTgUcKd5Na1LsHeVfWi6Zo3",
            ),
            (
                "ThumbMediaId",
                "Sx5Yq0WjTpLm2N8vBr7cHd4Ke9Fg1Ui3Oa6Zs_JwQyXtRbVnMlPkEhGfDcAz2Y1u",
            ),
            ("MsgId", "6873951169861722113"),
        ],
    );
    assert_push(
        &xml!("shortvideo"),
        "1718004533",
        "shortvideo",
        &[
            (
                "MediaId",
                "Hk2Dz7Ycq_9nRvMx4Bw1TfLs8JaGp3Ue6QiWo0ZbNcVdKtSyXlArEmPhFgOjCu5I",
            ),
            (
                "ThumbMediaId",
                "Pq7Wn3Ls_1mKx9Rv5Bz2YhTc8GdJa4Uf6NiEo0ZsMrVbXtQlCkAyHeFwOgDjIu3S",
            ),
            ("MsgId", "6873951307300675585"),
        ],
    );
}

#[test]
fn location_and_link() {
    assert_push(
        &xml!("location"),
        "1718004590",
        "location",
        &[
            ("Location_X", "23.134521"),
            ("Location_Y", "113.358803"),
            ("Scale", "20"),
            ("Label", "广东省广州市天河区天河路208号"),
            ("MsgId", "6873951552113811457"),
        ],
    );
    assert_push(
        &xml!("link"),
        "1718004622",
        "link",
        &[
            ("Title", "公众号开发文档"),
            ("Description", "消息管理 / 接收普通消息"),
            (
                "Url",
                "https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html",
            ),
            ("MsgId", "6873951689552764929"),
        ],
    );
}

#[test]
fn subscribe_unsubscribe_scan() {
    assert_event(
        &xml!("event_subscribe"),
        "1718005001",
        "subscribe",
        &[("EventKey", "")],
    );
    let ticket = "gQFd8DwAAAAAAAAAAS5odHRwOi8vd2VpeGluLnFxLmNvbS9xLzAyN3dKOEZGZ19mX2wxMDAwMHcwN2MAAgT5Z2ZmAwQAAAAA";
    assert_event(
        &xml!("event_subscribe_qrscene"),
        "1718005023",
        "subscribe",
        &[("EventKey", "qrscene_123"), ("Ticket", ticket)],
    );
    assert_event(
        &xml!("event_unsubscribe"),
        "1718005099",
        "unsubscribe",
        &[("EventKey", "")],
    );
    assert_event(
        &xml!("event_scan"),
        "1718005144",
        "SCAN",
        &[("EventKey", "123"), ("Ticket", ticket)],
    );
}

#[test]
fn location_click_view() {
    assert_event(
        &xml!("event_location"),
        "1718005200",
        "LOCATION",
        &[
            ("Latitude", "23.137466"),
            ("Longitude", "113.352425"),
            ("Precision", "119.385040"),
        ],
    );
    assert_event(
        &xml!("event_click"),
        "1718005260",
        "CLICK",
        &[("EventKey", "V1001_TODAY_MUSIC")],
    );
    assert_event(
        &xml!("event_view"),
        "1718005301",
        "VIEW",
        &[
            ("EventKey", "https://shop.example.com/m/index?from=menu"),
            ("MenuId", "414725380"),
        ],
    );
    assert_event(
        &xml!("event_view_miniprogram"),
        "1718005544",
        "view_miniprogram",
        &[
            ("EventKey", "pages/index/index?scene=menu"),
            ("MenuId", "414725381"),
        ],
    );
}

#[test]
fn scancode_events_carry_scan_code_info() {
    let push = xml!("event_scancode_push");
    assert_event(
        &push,
        "1718005350",
        "scancode_push",
        &[("EventKey", "rselfmenu_0_1")],
    );
    assert_texts(
        node(&push, "ScanCodeInfo"),
        &[
            ("ScanType", "qrcode"),
            ("ScanResult", "https://u.wechat.com/EAbc123xYz"),
        ],
    );

    let wait = xml!("event_scancode_waitmsg");
    assert_event(
        &wait,
        "1718005377",
        "scancode_waitmsg",
        &[("EventKey", "rselfmenu_0_0")],
    );
    let info = node(&wait, "ScanCodeInfo");
    assert_eq!(names(info), ["ScanType", "ScanResult"]);
    assert_texts(
        info,
        &[
            ("ScanType", "barcode"),
            ("ScanResult", "EAN_13,6901234567892"),
        ],
    );
}

/// The `PicMd5Sum` of every `SendPicsInfo/PicList/item`, in order.
fn pic_md5s(fields: &Fields) -> Vec<&str> {
    node(node(fields, "SendPicsInfo"), "PicList")
        .all("item")
        .map(|item| {
            item.as_node()
                .and_then(|item| item.text("PicMd5Sum"))
                .unwrap_or_else(|| panic!("item without PicMd5Sum: {item:?}"))
        })
        .collect()
}

#[test]
fn picture_events_carry_the_picture_list() {
    let sysphoto = xml!("event_pic_sysphoto");
    assert_event(
        &sysphoto,
        "1718005402",
        "pic_sysphoto",
        &[("EventKey", "rselfmenu_1_0")],
    );
    assert_eq!(pic_md5s(&sysphoto), ["1b5f7c23b5bf75682a53e7b6d163e185"]);

    let album = xml!("event_pic_photo_or_album");
    assert_event(
        &album,
        "1718005433",
        "pic_photo_or_album",
        &[("EventKey", "rselfmenu_1_1")],
    );
    assert_eq!(pic_md5s(&album), ["5a75aaca956d97be686719218f275c6b"]);

    let weixin = xml!("event_pic_weixin");
    assert_event(
        &weixin,
        "1718005461",
        "pic_weixin",
        &[("EventKey", "rselfmenu_1_2")],
    );
    assert_eq!(node(&weixin, "SendPicsInfo").text("Count"), Some("2"));
    assert_eq!(
        pic_md5s(&weixin),
        [
            "5a75aaca956d97be686719218f275c6b",
            "e2d1cd2e8fd4a8a6a7b1f2b1e0c3d4f5"
        ]
    );
}

#[test]
fn location_select_carries_send_location_info() {
    let fields = xml!("event_location_select");
    assert_event(
        &fields,
        "1718005500",
        "location_select",
        &[("EventKey", "rselfmenu_2_0")],
    );
    assert_texts(
        node(&fields, "SendLocationInfo"),
        &[
            ("Location_X", "23.134521"),
            ("Location_Y", "113.358803"),
            ("Scale", "15"),
            // Leading space kept: text is never trimmed.
            ("Label", " 广州市天河区天河路208号"),
            ("Poiname", "天河城"),
        ],
    );
}

#[test]
fn job_finish_events() {
    assert_event(
        &xml!("event_templatesendjobfinish"),
        "1718005600",
        "TEMPLATESENDJOBFINISH",
        &[("MsgID", "3147483652"), ("Status", "success")],
    );

    let mass = xml!("event_masssendjobfinish");
    assert_event(
        &mass,
        "1718005700",
        "MASSSENDJOBFINISH",
        &[
            ("MsgID", "1000001625"),
            ("Status", "send success"),
            ("TotalCount", "1024"),
            ("FilterCount", "1020"),
            ("SentCount", "1018"),
            ("ErrorCount", "2"),
        ],
    );
    let copyright = node(&mass, "CopyrightCheckResult");
    assert_texts(copyright, &[("Count", "1"), ("CheckState", "2")]);
    let items: Vec<&Value> = node(copyright, "ResultList").all("item").collect();
    assert_eq!(items.len(), 1);
    let item = items[0].as_node().expect("item is a node");
    assert_texts(
        item,
        &[
            ("ArticleIdx", "1"),
            ("AuditState", "2"),
            (
                "OriginalArticleUrl",
                "https://mp.weixin.qq.com/s/Xq3pLm9RvT2bYc8KdA1fWg",
            ),
            ("NeedShowReprintSource", "1"),
        ],
    );
    let url_item = node(node(node(&mass, "ArticleUrlResult"), "ResultList"), "item");
    assert_texts(
        url_item,
        &[
            ("ArticleIdx", "1"),
            (
                "ArticleUrl",
                "https://mp.weixin.qq.com/s/Hk7sQ2nWcR4yTpL0vB9mZa",
            ),
        ],
    );
}

/// Every `List` under `container`, as nodes.
fn lists<'a>(fields: &'a Fields, container: &str) -> Vec<&'a Fields> {
    node(fields, container)
        .all("List")
        .map(|list| list.as_node().expect("List is a node"))
        .collect()
}

#[test]
fn subscribe_message_events_carry_their_lists() {
    let popup = xml!("event_subscribe_msg_popup_event");
    assert_event(&popup, "1718005800", "subscribe_msg_popup_event", &[]);
    let items = lists(&popup, "SubscribeMsgPopupEvent");
    assert_eq!(items.len(), 2);
    assert_texts(
        items[0],
        &[
            ("TemplateId", "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"),
            ("SubscribeStatusString", "accept"),
            ("PopupScene", "2"),
        ],
    );
    assert_texts(
        items[1],
        &[
            ("TemplateId", "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI"),
            ("SubscribeStatusString", "reject"),
            ("PopupScene", "2"),
        ],
    );

    let change = xml!("event_subscribe_msg_change_event");
    assert_event(&change, "1718005900", "subscribe_msg_change_event", &[]);
    let items = lists(&change, "SubscribeMsgChangeEvent");
    assert_eq!(items.len(), 1);
    assert_texts(items[0], &[("SubscribeStatusString", "reject")]);

    let sent = xml!("event_subscribe_msg_sent_event");
    assert_event(&sent, "1718006000", "subscribe_msg_sent_event", &[]);
    let items = lists(&sent, "SubscribeMsgSentEvent");
    assert_eq!(items.len(), 1);
    assert_texts(
        items[0],
        &[
            ("TemplateId", "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"),
            ("MsgID", "1700827132819554304"),
            ("ErrorCode", "0"),
            ("ErrorStatus", "success"),
        ],
    );
}

#[test]
fn customer_service_session_events() {
    assert_event(
        &xml!("event_kf_create_session"),
        "1718006100",
        "kf_create_session",
        &[("KfAccount", "kf2001@gh_3ad31b1e8f7c")],
    );
    assert_event(
        &xml!("event_kf_close_session"),
        "1718006200",
        "kf_close_session",
        &[("KfAccount", "kf2001@gh_3ad31b1e8f7c"), ("CloseType", "KF")],
    );
    assert_event(
        &xml!("event_kf_switch_session"),
        "1718006300",
        "kf_switch_session",
        &[
            ("FromKfAccount", "kf2001@gh_3ad31b1e8f7c"),
            ("ToKfAccount", "kf2002@gh_3ad31b1e8f7c"),
        ],
    );
}

#[test]
fn unknown_type_keeps_every_field() {
    let fields = xml!("unknown_future_type");
    assert_eq!(
        names(&fields),
        [
            "ToUserName",
            "FromUserName",
            "CreateTime",
            "MsgType",
            "Flavor",
            "Score",
            "Payload",
            "Reserved",
            "MsgId"
        ]
    );
    assert_push(
        &fields,
        "1718006400",
        "future_type",
        &[
            ("Flavor", "experimental"),
            ("Score", "98.6"),
            ("Reserved", ""),
            ("MsgId", "6873952304461387777"),
        ],
    );
    let payload = node(&fields, "Payload");
    assert_texts(payload, &[("Kind", "card"), ("Note", "fish & chips 🐟")]);
    let tags: Vec<&str> = node(payload, "Tags")
        .all("item")
        .filter_map(|item| item.as_node()?.text("Name"))
        .collect();
    assert_eq!(tags, ["新品", "限时"]);
}

#[test]
fn mini_program_json_pushes() {
    let text = json!("text");
    assert_eq!(
        names(&text),
        [
            "ToUserName",
            "FromUserName",
            "CreateTime",
            "MsgType",
            "Content",
            "MsgId"
        ]
    );
    assert_texts(
        &text,
        &[
            ("ToUserName", MINI_ACCOUNT),
            ("FromUserName", MINI_USER),
            ("CreateTime", "1718007001"),
            ("MsgType", "text"),
            ("Content", "客服你好，订单 20240610 还没发货"),
            ("MsgId", "6873956789012345678"),
        ],
    );

    assert_texts(
        &json!("image"),
        &[
            ("MsgType", "image"),
            (
                "PicUrl",
                "http://mmbiz.qpic.cn/mmbiz_jpg/Lk4nWq9sR2vT7yB1cD6fG3hJ8kM0pQ5xZ/0",
            ),
            (
                "MediaId",
                "Bt3uK9pL_6mNq2Rv8Xw1YzCd5Fg0Hj4Ls7Ta3Ue9Vi2Wo6Xp1Yq8Zr5Sn0Mb4Ka7",
            ),
            ("MsgId", "6873956965106004993"),
        ],
    );

    assert_texts(
        &json!("miniprogrampage"),
        &[
            ("MsgType", "miniprogrampage"),
            ("MsgId", "6873957214214108161"),
            ("Title", "限时特惠 · 新品上架"),
            ("AppId", "wx4f3d2c1b0a998877"),
            ("PagePath", "pages/goods/detail?id=10086"),
            (
                "ThumbUrl",
                "https://mmbiz.qpic.cn/mmbiz_jpg/Jm2kNa7sB4vC9xD1/0",
            ),
            (
                "ThumbMediaId",
                "Ws8vR2nT_5kLq9Mx3Bz7YcHd1Fg6Ja0Ue4Ni8Oo2Zb5Vt7Xs1Qy3Cl9Ar6Ph0Ej4K",
            ),
        ],
    );

    assert_texts(
        &json!("event_user_enter_tempsession"),
        &[
            ("ToUserName", MINI_ACCOUNT),
            ("FromUserName", MINI_USER),
            ("CreateTime", "1718007200"),
            ("MsgType", "event"),
            ("Event", "user_enter_tempsession"),
            ("SessionFrom", "goods_detail_10086"),
        ],
    );
}

#[test]
fn json_fixtures_are_detected_from_the_body_alone() {
    let body = include_bytes!("../../tests/fixtures/json/text.json");
    assert_eq!(detect(None, body), Format::Json);
    assert_eq!(detect(Some("text/xml"), body), Format::Json);
    let body = include_bytes!("../../tests/fixtures/xml/text.xml");
    assert_eq!(detect(None, body), Format::Xml);
    assert_eq!(detect(Some("text/xml; charset=utf-8"), body), Format::Xml);
}
