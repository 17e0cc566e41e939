use super::*;
use crate::message::{Message, MessageKind};
use crate::test_util::{event_push, json_message, xml_message};

/// A test case: a type or event name, its extra text fields, and the expected text.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// Wraps event-specific XML in a realistic push envelope.
fn xml_event(event: &str, body: &str) -> Message {
    xml_message(&format!(
        "<xml>
          <ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
          <FromUserName><![CDATA[oUser]]></FromUserName>
          <CreateTime>1348831860</CreateTime>
          <MsgType><![CDATA[event]]></MsgType>
          <Event><![CDATA[{event}]]></Event>
          {body}
        </xml>"
    ))
}

fn event_of(message: &Message) -> &Event {
    message.event().expect("an event")
}

/// Why the typed parse of a known event fails; the push itself still parses, as
/// [`Event::Unknown`] with every field kept.
fn parse_error(event: &str, extra: &[(&str, &str)]) -> String {
    typed_error(event_push(event, extra))
}

/// [`parse_error`] for a push given as its fields.
fn typed_error(fields: crate::fields::Fields) -> String {
    let message = Message::from_fields(fields.clone()).expect("a known event that does not parse");
    let name = message
        .raw
        .text("Event")
        .expect("an Event field")
        .to_owned();
    assert_eq!(
        message.event(),
        Some(&Event::Unknown { name: name.clone() })
    );
    assert_eq!(message.raw, fields, "every field kept");
    Event::parse(&name, &crate::message::read::Reader::top(&fields))
        .expect("a catalogued event")
        .expect_err("must fail")
        .to_string()
}

#[test]
fn subscribe_plain() {
    let message = xml_event("subscribe", "<EventKey><![CDATA[]]></EventKey>");
    let Event::Subscribe(subscribe) = event_of(&message) else {
        panic!("expected subscribe");
    };
    assert_eq!(subscribe.event_key.as_deref(), Some(""));
    assert_eq!(subscribe.ticket, None);
    assert_eq!(subscribe.scene(), None);
    assert_eq!(event_of(&message).qr_scene(), None);

    let bare = xml_event("subscribe", "");
    assert_eq!(
        event_of(&bare),
        &Event::Subscribe(SubscribeEvent {
            event_key: None,
            ticket: None
        })
    );
}

#[test]
fn subscribe_from_qr_code_exposes_the_scene() {
    let message = xml_event(
        "subscribe",
        "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
    );
    let event = event_of(&message);
    let Event::Subscribe(subscribe) = event else {
        panic!("expected subscribe");
    };
    assert_eq!(subscribe.event_key.as_deref(), Some("qrscene_123123"));
    assert_eq!(subscribe.ticket.as_deref(), Some("TICKET"));
    assert_eq!(subscribe.scene(), Some("123123"));
    assert_eq!(event.qr_scene(), Some("123123"));
    assert_eq!(message.event_key(), Some("qrscene_123123"));
    assert_eq!(event.name(), "subscribe");
}

#[test]
fn unsubscribe() {
    let message = xml_event("unsubscribe", "<EventKey><![CDATA[]]></EventKey>");
    assert_eq!(
        event_of(&message),
        &Event::Unsubscribe(UnsubscribeEvent {
            event_key: Some(String::new())
        })
    );
    assert_eq!(event_of(&message).name(), "unsubscribe");
}

#[test]
fn scan() {
    let message = xml_event(
        "SCAN",
        "<EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>",
    );
    assert_eq!(
        event_of(&message),
        &Event::Scan(ScanEvent {
            event_key: "SCENE_VALUE".into(),
            ticket: Some("TICKET".into()),
        })
    );
    assert_eq!(event_of(&message).qr_scene(), Some("SCENE_VALUE"));
    assert_eq!(parse_error("SCAN", &[]), "missing field EventKey");
}

#[test]
fn location_report() {
    let message = xml_event(
        "LOCATION",
        "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>",
    );
    assert_eq!(
        event_of(&message),
        &Event::Location(LocationEvent {
            latitude: 23.137466,
            longitude: 113.352425,
            precision: 119.38504,
        })
    );
    assert_eq!(
        parse_error(
            "LOCATION",
            &[
                ("Latitude", "23.1"),
                ("Longitude", "north"),
                ("Precision", "1")
            ]
        ),
        r#"field Longitude is not a number: "north""#
    );
}

#[test]
fn click() {
    let message = xml_event("CLICK", "<EventKey><![CDATA[EVENTKEY]]></EventKey>");
    assert_eq!(
        event_of(&message),
        &Event::Click(ClickEvent {
            event_key: "EVENTKEY".into()
        })
    );
    assert_eq!(parse_error("CLICK", &[]), "missing field EventKey");
}

#[test]
fn view_with_and_without_menu_id() {
    let message = xml_event(
        "VIEW",
        "<EventKey><![CDATA[https://www.qq.com/]]></EventKey><MenuId>208379533</MenuId>",
    );
    let Event::View(view) = event_of(&message) else {
        panic!("expected VIEW");
    };
    assert_eq!(view.url(), "https://www.qq.com/");
    assert_eq!(view.menu_id.as_deref(), Some("208379533"));

    let plain = xml_event(
        "VIEW",
        "<EventKey><![CDATA[https://www.qq.com/]]></EventKey>",
    );
    assert_eq!(
        event_of(&plain),
        &Event::View(ViewEvent {
            event_key: "https://www.qq.com/".into(),
            menu_id: None
        })
    );
}

#[test]
fn scancode_push_and_waitmsg() {
    let body = "<EventKey><![CDATA[6]]></EventKey>
        <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>
        <ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>";
    let expected = ScanCodeEvent {
        event_key: "6".into(),
        scan_code_info: ScanCodeInfo {
            scan_type: "qrcode".into(),
            scan_result: "1".into(),
        },
    };
    assert_eq!(
        event_of(&xml_event("scancode_push", body)),
        &Event::ScancodePush(expected.clone())
    );
    assert_eq!(
        event_of(&xml_event("scancode_waitmsg", body)),
        &Event::ScancodeWaitmsg(expected)
    );

    let missing = "<EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo>";
    let error = typed_error(crate::test_util::xml(&format!(
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
         <MsgType>event</MsgType><Event>scancode_push</Event>{missing}</xml>"
    )));
    assert_eq!(error.to_string(), "missing field ScanCodeInfo.ScanResult");
    assert_eq!(
        parse_error(
            "scancode_push",
            &[("EventKey", "6"), ("ScanCodeInfo", "text")]
        ),
        "field ScanCodeInfo holds text where nested elements were expected"
    );
}

#[test]
fn pic_events_collect_every_md5() {
    let body = "<EventKey><![CDATA[6]]></EventKey>
        <SendPicsInfo><Count>2</Count>
          <PicList>
            <item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>
            <item><PicMd5Sum><![CDATA[4a5f7c23b5bf75682a53e7b6d163e186]]></PicMd5Sum></item>
          </PicList>
        </SendPicsInfo>";
    let expected = PicEvent {
        event_key: "6".into(),
        send_pics_info: SendPicsInfo {
            count: 2,
            pic_md5_sums: vec![
                "1b5f7c23b5bf75682a53e7b6d163e185".into(),
                "4a5f7c23b5bf75682a53e7b6d163e186".into(),
            ],
        },
    };
    assert_eq!(
        event_of(&xml_event("pic_sysphoto", body)),
        &Event::PicSysphoto(expected.clone())
    );
    assert_eq!(
        event_of(&xml_event("pic_photo_or_album", body)),
        &Event::PicPhotoOrAlbum(expected.clone())
    );
    assert_eq!(
        event_of(&xml_event("pic_weixin", body)),
        &Event::PicWeixin(expected.clone())
    );

    // The same event as JSON: PicList becomes repeated entries.
    let from_json = json_message(
        r#"{"ToUserName":"gh","FromUserName":"o","CreateTime":1,"MsgType":"event",
            "Event":"pic_weixin","EventKey":"6",
            "SendPicsInfo":{"Count":2,"PicList":[
                {"PicMd5Sum":"1b5f7c23b5bf75682a53e7b6d163e185"},
                {"item":{"PicMd5Sum":"4a5f7c23b5bf75682a53e7b6d163e186"}}]}}"#,
    );
    assert_eq!(event_of(&from_json), &Event::PicWeixin(expected));
}

#[test]
fn pic_event_with_empty_list() {
    let message = xml_event(
        "pic_sysphoto",
        "<EventKey>6</EventKey><SendPicsInfo><Count>0</Count><PicList></PicList></SendPicsInfo>",
    );
    let Event::PicSysphoto(pic) = event_of(&message) else {
        panic!("expected pic_sysphoto");
    };
    assert_eq!(pic.send_pics_info.count, 0);
    assert!(pic.send_pics_info.pic_md5_sums.is_empty());
}

#[test]
fn pic_event_with_bad_count() {
    let error = typed_error(crate::test_util::xml(
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
         <MsgType>event</MsgType><Event>pic_weixin</Event><EventKey>6</EventKey>\
         <SendPicsInfo><Count>two</Count></SendPicsInfo></xml>",
    ));
    assert_eq!(
        error.to_string(),
        r#"field SendPicsInfo.Count is not a number: "two""#
    );
}

#[test]
fn location_select() {
    let message = xml_event(
        "location_select",
        "<EventKey><![CDATA[6]]></EventKey>
         <SendLocationInfo><Location_X><![CDATA[23]]></Location_X><Location_Y><![CDATA[113]]></Location_Y>
         <Scale><![CDATA[15]]></Scale><Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label>
         <Poiname><![CDATA[]]></Poiname></SendLocationInfo>",
    );
    assert_eq!(
        event_of(&message),
        &Event::LocationSelect(LocationSelectEvent {
            event_key: "6".into(),
            send_location_info: SendLocationInfo {
                location_x: 23.0,
                location_y: 113.0,
                scale: 15,
                label: " 广州市海珠区客村艺苑路 106号".into(),
                poiname: Some(String::new()),
            },
        })
    );
    let bad = typed_error(crate::test_util::xml(
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
         <MsgType>event</MsgType><Event>location_select</Event><EventKey>6</EventKey>\
         <SendLocationInfo><Location_X>abc</Location_X></SendLocationInfo></xml>",
    ));
    assert_eq!(
        bad.to_string(),
        r#"field SendLocationInfo.Location_X is not a number: "abc""#
    );
    assert_eq!(
        parse_error("location_select", &[("EventKey", "6")]),
        "missing field SendLocationInfo"
    );
}

#[test]
fn view_miniprogram() {
    let message = xml_event(
        "view_miniprogram",
        "<EventKey><![CDATA[pages/index/index]]></EventKey><MenuId>MENUID</MenuId>",
    );
    let Event::ViewMiniprogram(view) = event_of(&message) else {
        panic!("expected view_miniprogram");
    };
    assert_eq!(view.page_path(), "pages/index/index");
    assert_eq!(view.menu_id.as_deref(), Some("MENUID"));
}

#[test]
fn template_send_job_finish() {
    let message = xml_event(
        "TEMPLATESENDJOBFINISH",
        "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>",
    );
    assert_eq!(
        event_of(&message),
        &Event::TemplateSendJobFinish(TemplateSendJobFinishEvent {
            msg_id: "200163836".into(),
            status: "success".into(),
        })
    );
    assert_eq!(message.msg_id(), Some("200163836"));
}

#[test]
fn mass_send_job_finish_keeps_the_details_raw() {
    let message = xml_event(
        "MASSSENDJOBFINISH",
        "<MsgID>1000001625</MsgID><Status><![CDATA[err(30003)]]></Status>
         <TotalCount>0</TotalCount><FilterCount>0</FilterCount><SentCount>0</SentCount>
         <ErrorCount>0</ErrorCount>
         <CopyrightCheckResult><Count>2</Count><ResultList>
           <item><ArticleIdx>1</ArticleIdx><UserDeclareState>0</UserDeclareState></item>
           <item><ArticleIdx>2</ArticleIdx><UserDeclareState>0</UserDeclareState></item>
         </ResultList><CheckState>2</CheckState></CopyrightCheckResult>",
    );
    assert_eq!(
        event_of(&message),
        &Event::MassSendJobFinish(MassSendJobFinishEvent {
            msg_id: "1000001625".into(),
            status: "err(30003)".into(),
            total_count: 0,
            filter_count: 0,
            sent_count: 0,
            error_count: 0,
        })
    );
    assert_eq!(message.msg_id(), Some("1000001625"));
    let items = message
        .raw
        .node("CopyrightCheckResult")
        .and_then(|result| result.node("ResultList"))
        .map(|list| list.all("item").count());
    assert_eq!(items, Some(2));

    let error = typed_error(event_push(
        "MASSSENDJOBFINISH",
        &[
            ("MsgID", "1"),
            ("Status", "send success"),
            ("TotalCount", "100"),
            ("FilterCount", "80"),
            ("SentCount", "75"),
            ("ErrorCount", "five"),
        ],
    ));
    assert_eq!(
        error.to_string(),
        r#"field ErrorCount is not a number: "five""#
    );
}

#[test]
fn subscribe_msg_popup_xml_lists() {
    let message = xml_event(
        "subscribe_msg_popup_event",
        "<SubscribeMsgPopupEvent>
           <List><TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
             <SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>
           <List><TemplateId><![CDATA[9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI]]></TemplateId>
             <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>
         </SubscribeMsgPopupEvent>",
    );
    assert_eq!(
        event_of(&message),
        &Event::SubscribeMsgPopup(SubscribeMsgPopupEvent {
            items: vec![
                SubscribePopupItem {
                    template_id: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc".into(),
                    subscribe_status: "accept".into(),
                    popup_scene: Some("2".into()),
                },
                SubscribePopupItem {
                    template_id: "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI".into(),
                    subscribe_status: "reject".into(),
                    popup_scene: Some("2".into()),
                },
            ]
        })
    );
}

#[test]
fn subscribe_msg_popup_json_shapes() {
    let expected = Event::SubscribeMsgPopup(SubscribeMsgPopupEvent {
        items: vec![SubscribePopupItem {
            template_id: "hD-ixGOhYmUfjOnI8MCzQMPshzGVeux_2vzyvQu7O68".into(),
            subscribe_status: "accept".into(),
            popup_scene: Some("0".into()),
        }],
    });
    let item = r#"{"TemplateId":"hD-ixGOhYmUfjOnI8MCzQMPshzGVeux_2vzyvQu7O68",
                   "SubscribeStatusString":"accept","PopupScene":"0"}"#;
    let head = r#""ToUserName":"gh_123456789abc","FromUserName":"o7esq5OI1Buej_7v65c-o4cnsfLE",
                  "CreateTime":"1620973045","MsgType":"event","Event":"subscribe_msg_popup_event""#;
    for body in [
        format!(r#"{{{head},"List":[{item}]}}"#),
        format!(r#"{{{head},"List":{item}}}"#),
        format!(r#"{{{head},"SubscribeMsgPopupEvent":[{item}]}}"#),
        format!(r#"{{{head},"SubscribeMsgPopupEvent":{{"List":[{item}]}}}}"#),
    ] {
        let message = json_message(&body);
        assert_eq!(event_of(&message), &expected, "{body}");
    }
}

#[test]
fn subscribe_msg_change() {
    let message = xml_event(
        "subscribe_msg_change_event",
        "<SubscribeMsgChangeEvent><List>
           <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
           <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>
         </List></SubscribeMsgChangeEvent>",
    );
    assert_eq!(
        event_of(&message),
        &Event::SubscribeMsgChange(SubscribeMsgChangeEvent {
            items: vec![SubscribeChangeItem {
                template_id: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc".into(),
                subscribe_status: "reject".into(),
            }]
        })
    );
}

#[test]
fn subscribe_msg_sent() {
    let message = xml_event(
        "subscribe_msg_sent_event",
        "<SubscribeMsgSentEvent>
           <List><TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
             <MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode>
             <ErrorStatus><![CDATA[success]]></ErrorStatus></List>
           <List><TemplateId><![CDATA[T2]]></TemplateId><MsgID>1700827132819554305</MsgID>
             <ErrorCode>20004</ErrorCode><ErrorStatus><![CDATA[user refuse to accept the msg]]></ErrorStatus></List>
         </SubscribeMsgSentEvent>",
    );
    let Event::SubscribeMsgSent(sent) = event_of(&message) else {
        panic!("expected subscribe_msg_sent_event");
    };
    assert_eq!(
        sent.items,
        vec![
            SubscribeSentItem {
                template_id: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc".into(),
                msg_id: "1700827132819554304".into(),
                error_code: 0,
                error_status: "success".into(),
            },
            SubscribeSentItem {
                template_id: "T2".into(),
                msg_id: "1700827132819554305".into(),
                error_code: 20004,
                error_status: "user refuse to accept the msg".into(),
            },
        ]
    );

    let bad = typed_error(crate::test_util::xml(
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>\
         <MsgType>event</MsgType><Event>subscribe_msg_sent_event</Event>\
         <SubscribeMsgSentEvent><List><TemplateId>T</TemplateId><MsgID>1</MsgID>\
         <ErrorCode>oops</ErrorCode><ErrorStatus>x</ErrorStatus></List></SubscribeMsgSentEvent></xml>",
    ));
    assert_eq!(
        bad.to_string(),
        r#"field SubscribeMsgSentEvent.List.ErrorCode is not a number: "oops""#
    );
}

#[test]
fn subscribe_msg_event_without_items() {
    let message =
        Message::from_fields(event_push("subscribe_msg_change_event", &[])).expect("valid");
    assert_eq!(
        event_of(&message),
        &Event::SubscribeMsgChange(SubscribeMsgChangeEvent { items: vec![] })
    );
}

#[test]
fn kf_sessions() {
    let create = xml_event(
        "kf_create_session",
        "<KfAccount><![CDATA[test1@test]]></KfAccount>",
    );
    assert_eq!(
        event_of(&create),
        &Event::KfCreateSession(KfSessionEvent {
            kf_account: "test1@test".into()
        })
    );
    let close = xml_event(
        "kf_close_session",
        "<KfAccount><![CDATA[test1@test]]></KfAccount>",
    );
    assert_eq!(
        event_of(&close),
        &Event::KfCloseSession(KfSessionEvent {
            kf_account: "test1@test".into()
        })
    );
    let switch = xml_event(
        "kf_switch_session",
        "<FromKfAccount><![CDATA[test1@test]]></FromKfAccount><ToKfAccount><![CDATA[test2@test]]></ToKfAccount>",
    );
    assert_eq!(
        event_of(&switch),
        &Event::KfSwitchSession(KfSwitchSessionEvent {
            from_kf_account: "test1@test".into(),
            to_kf_account: "test2@test".into(),
        })
    );
    assert_eq!(
        parse_error("kf_create_session", &[]),
        "missing field KfAccount"
    );
}

#[test]
fn user_enter_tempsession_json() {
    let message = json_message(
        r#"{"ToUserName":"gh_mini","FromUserName":"oMini","CreateTime":1482048670,
            "MsgType":"event","Event":"user_enter_tempsession","SessionFrom":"sessionFrom"}"#,
    );
    assert_eq!(
        event_of(&message),
        &Event::UserEnterTempSession(UserEnterTempSessionEvent {
            session_from: Some("sessionFrom".into())
        })
    );
}

#[test]
fn event_names_match_case_insensitively_and_are_kept_as_received() {
    let cases: &[Case] = &[
        ("scan", &[("EventKey", "1")], "SCAN"),
        ("Subscribe", &[], "subscribe"),
        ("SUBSCRIBE", &[], "subscribe"),
        ("click", &[("EventKey", "k")], "CLICK"),
        (
            "Location",
            &[("Latitude", "1"), ("Longitude", "2"), ("Precision", "3")],
            "LOCATION",
        ),
        (
            "templatesendjobfinish",
            &[("MsgID", "1"), ("Status", "success")],
            "TEMPLATESENDJOBFINISH",
        ),
        (
            "KF_CLOSE_SESSION",
            &[("KfAccount", "a@b")],
            "kf_close_session",
        ),
        (
            "View_MiniProgram",
            &[("EventKey", "pages/a")],
            "view_miniprogram",
        ),
    ];
    for (received, extra, canonical) in cases {
        let message = Message::from_fields(event_push(received, extra)).expect("valid");
        let event = event_of(&message);
        assert!(!matches!(event, Event::Unknown { .. }), "{received}");
        assert_eq!(event.name(), *canonical);
        assert_eq!(message.event_name(), Some(*received));
        assert!(Event::is_known(received));
    }
}

#[test]
fn every_known_name_round_trips_through_name() {
    for (name, _) in EVENTS {
        assert!(Event::is_known(name));
    }
    // The union of the peers' official-account and mini-program events (see the catalogue).
    assert_eq!(EVENTS.len(), 94);
    let mut names: Vec<String> = EVENTS.iter().map(|(name, _)| name.to_lowercase()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), EVENTS.len(), "a name catalogued twice");
}

#[test]
fn unknown_event_keeps_every_raw_field() {
    let message = xml_event(
        "some_future_event",
        "<SuccTime>1535442403</SuccTime><Nested><A>1</A><A>2</A></Nested>",
    );
    assert_eq!(
        event_of(&message),
        &Event::Unknown {
            name: "some_future_event".into()
        }
    );
    assert_eq!(event_of(&message).name(), "some_future_event");
    assert!(!Event::is_known("some_future_event"));
    assert_eq!(message.kind.name(), "event");
    assert_eq!(message.raw.len(), 7);
    assert_eq!(message.raw.text("SuccTime"), Some("1535442403"));
    assert_eq!(
        message
            .raw
            .node("Nested")
            .map(|nested| nested.all("A").count()),
        Some(2)
    );
}

#[test]
fn empty_event_name_is_unknown() {
    let message = Message::from_fields(event_push("", &[])).expect("valid");
    assert!(matches!(
        &message.kind,
        MessageKind::Event(event) if matches!(&**event, Event::Unknown { name } if name.is_empty())
    ));
}

#[path = "catalogue_test.rs"]
mod catalogue;
