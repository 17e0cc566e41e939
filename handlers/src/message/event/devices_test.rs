use super::*;
use crate::test_util::xml;

/// Wraps a push's own elements in a realistic XML envelope of the given `MsgType`.
fn push(msg_type: &str, body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>\
         <CreateTime>1488856741</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}</xml>"
    )
}

/// An event push: `MsgType` `event` with the given `Event`.
fn event(name: &str, body: &str) -> String {
    push("event", &format!("<Event><![CDATA[{name}]]></Event>{body}"))
}

// Source: wechatpy tests/test_events.py test_wifi_connected_event.
#[test]
fn wifi_connected() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[WifiConnected]]></Event><ConnectTime>0</ConnectTime><ExpireTime>0</ExpireTime><VendorId><![CDATA[3001224419]]></VendorId><PlaceId><![CDATA[1234]]></PlaceId><DeviceNo><![CDATA[00:1f:7a:ad:5c:a8]]></DeviceNo></xml>",
    );
    assert_eq!(
        WifiConnectedEvent::read(&Reader::top(&fields)).expect("valid"),
        WifiConnectedEvent {
            connect_time: 0,
            expire_time: Some(0),
            vendor_id: Some("3001224419".to_owned()),
            place_id: "1234".to_owned(),
            device_no: "00:1f:7a:ad:5c:a8".to_owned(),
        }
    );
}

// Source: the official ShakearoundUserShake sample as copied in liuxiaodong/wechat-xml-parser
// README.md (wechatpy's test of the same sample has the placeholders `major`/`minor` instead of
// numbers).
#[test]
fn shakearound_user_shake() {
    let fields = xml("<xml>
            <ToUserName><![CDATA[gh_956b2584a111]]></ToUserName>
            <FromUserName><![CDATA[ovKXbsxcjA05QLUcShoQkAMfkECE]]></FromUserName>
            <CreateTime>1452142781</CreateTime>
            <MsgType><![CDATA[event]]></MsgType>
            <Event><![CDATA[ShakearoundUserShake]]></Event>
            <ChosenBeacon>
                <Uuid><![CDATA[121212121212]]></Uuid>
                <Major>1111</Major>
                <Minor>1111</Minor>
                <Distance>0.057</Distance>
            </ChosenBeacon>
            <AroundBeacons>
                <AroundBeacon>
                    <Uuid><![CDATA[121212121212]]></Uuid>
                    <Major>2222</Major>
                    <Minor>2222</Minor>
                    <Distance>166.816</Distance>
                </AroundBeacon>
                <AroundBeacon>
                    <Uuid><![CDATA[121212121212]]></Uuid>
                    <Major>3333</Major>
                    <Minor>3333</Minor>
                    <Distance>15.013</Distance>
                </AroundBeacon>
            </AroundBeacons>
        </xml>");
    let beacon = |major, distance| Beacon {
        uuid: "121212121212".to_owned(),
        major,
        minor: major,
        distance,
        rssi: None,
    };
    assert_eq!(
        ShakearoundUserShakeEvent::read(&Reader::top(&fields)).expect("valid"),
        ShakearoundUserShakeEvent {
            chosen_beacon: beacon(1111, 0.057),
            around_beacons: vec![beacon(2222, 166.816), beacon(3333, 15.013)],
            chosen_page_id: None,
        }
    );
}

// Source: a real push kept (commented out) in a public repository's WXPayUtil.java, found by
// the code index (repository not named there): it carries `Rssi` and `ChosenPageId`, which the
// docs do not list, and an empty `AroundBeacons`.
#[test]
fn shakearound_user_shake_real_push() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_b3ac48e83f7d]]></ToUserName>\n<FromUserName><![CDATA[oDqlM1T1RcLQuv48d0iVr0r1VpLQ]]></FromUserName>\n<CreateTime>1562864790</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[ShakearoundUserShake]]></Event><ChosenBeacon><Uuid><![CDATA[FDA50693-A4E2-4FB1-AFCF-C6EB07647825]]></Uuid><Major>10197</Major><Minor>49838</Minor><Distance>1.5933141040212173</Distance><Rssi>-67</Rssi></ChosenBeacon><AroundBeacons></AroundBeacons><ChosenPageId>6750529</ChosenPageId></xml>",
    );
    assert_eq!(
        ShakearoundUserShakeEvent::read(&Reader::top(&fields)).expect("valid"),
        ShakearoundUserShakeEvent {
            chosen_beacon: Beacon {
                uuid: "FDA50693-A4E2-4FB1-AFCF-C6EB07647825".to_owned(),
                major: 10197,
                minor: 49838,
                distance: 1.5933141040212173,
                rssi: Some(-67),
            },
            around_beacons: Vec::new(),
            chosen_page_id: Some("6750529".to_owned()),
        }
    );
}

// No published sample; fields from wechatpy UserScanProductEvent and WxJava WxMpXmlMessage
// (`ExtInfo`).
#[test]
fn user_scan_product() {
    let fields = xml(&event(
        "user_scan_product",
        "<KeyStandard><![CDATA[ean13]]></KeyStandard><KeyStr><![CDATA[6901939621608]]></KeyStr><Country><![CDATA[中国]]></Country><Province><![CDATA[广东]]></Province><City><![CDATA[广州]]></City><Sex>1</Sex><Scene>2</Scene><ExtInfo><![CDATA[123]]></ExtInfo>",
    ));
    assert_eq!(
        UserScanProductEvent::read(&Reader::top(&fields)).expect("valid"),
        UserScanProductEvent {
            key_standard: "ean13".to_owned(),
            key_str: "6901939621608".to_owned(),
            country: Some("中国".to_owned()),
            province: Some("广东".to_owned()),
            city: Some("广州".to_owned()),
            sex: Some(1),
            scene: Some(2),
            ext_info: Some("123".to_owned()),
        }
    );
}

// No published sample; fields from wechatpy UserScanProductEnterSessionEvent and WxJava.
#[test]
fn user_scan_product_enter_session() {
    let fields = xml(&event(
        "user_scan_product_enter_session",
        "<KeyStandard><![CDATA[ean13]]></KeyStandard><KeyStr><![CDATA[6901939621608]]></KeyStr><ExtInfo><![CDATA[123]]></ExtInfo>",
    ));
    assert_eq!(
        UserScanProductEnterSessionEvent::read(&Reader::top(&fields)).expect("valid"),
        UserScanProductEnterSessionEvent {
            key_standard: "ean13".to_owned(),
            key_str: "6901939621608".to_owned(),
            ext_info: Some("123".to_owned()),
        }
    );
}

// No published sample; fields from wechatpy UserScanProductAsyncEvent and WxJava.
#[test]
fn user_scan_product_async() {
    let fields = xml(&event(
        "user_scan_product_async",
        "<KeyStandard><![CDATA[qrcode]]></KeyStandard><KeyStr><![CDATA[lincolntest]]></KeyStr><ExtInfo><![CDATA[123]]></ExtInfo><RegionCode><![CDATA[440105]]></RegionCode>",
    ));
    assert_eq!(
        UserScanProductAsyncEvent::read(&Reader::top(&fields)).expect("valid"),
        UserScanProductAsyncEvent {
            key_standard: "qrcode".to_owned(),
            key_str: "lincolntest".to_owned(),
            ext_info: Some("123".to_owned()),
            region_code: Some("440105".to_owned()),
        }
    );
}

// No published sample; fields from wechatpy UserScanProductVerifyActionEvent and WxJava.
#[test]
fn user_scan_product_verify_action() {
    let fields = xml(&event(
        "user_scan_product_verify_action",
        "<KeyStandard><![CDATA[ean13]]></KeyStandard><KeyStr><![CDATA[6901939621608]]></KeyStr><Result><![CDATA[verify_not_pass]]></Result><ReasonMsg><![CDATA[商品图片不清晰]]></ReasonMsg>",
    ));
    assert_eq!(
        UserScanProductVerifyActionEvent::read(&Reader::top(&fields)).expect("valid"),
        UserScanProductVerifyActionEvent {
            key_standard: "ean13".to_owned(),
            key_str: "6901939621608".to_owned(),
            result: "verify_not_pass".to_owned(),
            reason_msg: Some("商品图片不清晰".to_owned()),
        }
    );
}

// No published sample; fields from WxJava WxMpXmlMessage (`DeviceType`, `DeviceID`, `Content`,
// `SessionID`, `OpenID`), wechatpy's device_bind class and silenceper officialaccount/device.
#[test]
fn device_event_bind() {
    let fields = xml(&push(
        "device_event",
        "<Event><![CDATA[bind]]></Event><DeviceType><![CDATA[gh_123456789abc]]></DeviceType><DeviceID><![CDATA[dev_0001]]></DeviceID><Content><![CDATA[]]></Content><SessionID>0</SessionID><OpenID><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></OpenID>",
    ));
    assert_eq!(
        DeviceEvent::read(&Reader::top(&fields)).expect("valid"),
        DeviceEvent {
            event: "bind".to_owned(),
            device_type: "gh_123456789abc".to_owned(),
            device_id: "dev_0001".to_owned(),
            open_id: "oV5CrjpxgaGXNHIQigzNlgLTnwic".to_owned(),
            content: Some(String::new()),
            session_id: Some("0".to_owned()),
            op_type: None,
        }
    );
}

// No published sample; same sources as `device_event_bind`.
#[test]
fn device_event_unbind() {
    let fields = xml(&push(
        "device_event",
        "<Event><![CDATA[unbind]]></Event><DeviceType><![CDATA[gh_123456789abc]]></DeviceType><DeviceID><![CDATA[dev_0001]]></DeviceID><Content><![CDATA[]]></Content><SessionID>0</SessionID><OpenID><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></OpenID>",
    ));
    let event = DeviceEvent::read(&Reader::top(&fields)).expect("valid");
    assert_eq!(event.event, "unbind");
    assert_eq!(event.device_id, "dev_0001");
    assert_eq!(event.session_id.as_deref(), Some("0"));
}

// No published sample; fields from wechatpy's device_subscribe_status class and WxJava
// WxMpXmlMessage (`OpType`).
#[test]
fn device_event_subscribe_status() {
    let fields = xml(&push(
        "device_event",
        "<Event><![CDATA[subscribe_status]]></Event><DeviceType><![CDATA[gh_123456789abc]]></DeviceType><DeviceID><![CDATA[dev_0001]]></DeviceID><OpType>2</OpType><OpenID><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></OpenID>",
    ));
    assert_eq!(
        DeviceEvent::read(&Reader::top(&fields)).expect("valid"),
        DeviceEvent {
            event: "subscribe_status".to_owned(),
            device_type: "gh_123456789abc".to_owned(),
            device_id: "dev_0001".to_owned(),
            open_id: "oV5CrjpxgaGXNHIQigzNlgLTnwic".to_owned(),
            content: None,
            session_id: None,
            op_type: Some(2),
        }
    );
}

// No published sample; same sources as `device_event_subscribe_status`.
#[test]
fn device_event_unsubscribe_status() {
    let fields = xml(&push(
        "device_event",
        "<Event><![CDATA[unsubscribe_status]]></Event><DeviceType><![CDATA[gh_123456789abc]]></DeviceType><DeviceID><![CDATA[dev_0001]]></DeviceID><OpType>0</OpType><OpenID><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></OpenID>",
    ));
    let event = DeviceEvent::read(&Reader::top(&fields)).expect("valid");
    assert_eq!(event.event, "unsubscribe_status");
    assert_eq!(event.op_type, Some(0));
}

// No published sample; fields from wechatpy DeviceTextEvent and WxJava WxMpXmlMessage.
#[test]
fn device_text() {
    let fields = xml(&push(
        "device_text",
        "<DeviceType><![CDATA[gh_123456789abc]]></DeviceType><DeviceID><![CDATA[dev_0001]]></DeviceID><SessionID>9394</SessionID><Content><![CDATA[ZGV2aWNlX3RleHRfdGVzdA==]]></Content><OpenID><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></OpenID><MsgId>6074746557628292943</MsgId>",
    ));
    assert_eq!(
        DeviceTextMessage::read(&Reader::top(&fields)).expect("valid"),
        DeviceTextMessage {
            device_type: "gh_123456789abc".to_owned(),
            device_id: "dev_0001".to_owned(),
            session_id: "9394".to_owned(),
            content: "ZGV2aWNlX3RleHRfdGVzdA==".to_owned(),
            open_id: "oV5CrjpxgaGXNHIQigzNlgLTnwic".to_owned(),
            msg_id: Some("6074746557628292943".to_owned()),
        }
    );
}

#[test]
fn pushes_missing_every_optional_field_still_parse() {
    let wifi = xml(&event(
        "WifiConnected",
        "<ConnectTime>1488856741</ConnectTime><PlaceId><![CDATA[1234]]></PlaceId><DeviceNo><![CDATA[00:1f:7a:ad:5c:a8]]></DeviceNo>",
    ));
    let wifi = WifiConnectedEvent::read(&Reader::top(&wifi)).expect("valid");
    assert_eq!((wifi.expire_time, wifi.vendor_id), (None, None));

    let shake = xml(&event(
        "ShakearoundUserShake",
        "<ChosenBeacon><Uuid><![CDATA[u]]></Uuid><Major>1</Major><Minor>2</Minor><Distance>0.5</Distance></ChosenBeacon>",
    ));
    let shake = ShakearoundUserShakeEvent::read(&Reader::top(&shake)).expect("valid");
    assert_eq!(shake.around_beacons, Vec::new());
    assert_eq!(
        (shake.chosen_page_id, shake.chosen_beacon.rssi),
        (None, None)
    );

    let scan = xml(&event(
        "user_scan_product",
        "<KeyStandard><![CDATA[ean13]]></KeyStandard><KeyStr><![CDATA[1]]></KeyStr>",
    ));
    assert_eq!(
        UserScanProductEvent::read(&Reader::top(&scan)).expect("valid"),
        UserScanProductEvent {
            key_standard: "ean13".to_owned(),
            key_str: "1".to_owned(),
            country: None,
            province: None,
            city: None,
            sex: None,
            scene: None,
            ext_info: None,
        }
    );

    let session = xml(&event(
        "user_scan_product_enter_session",
        "<KeyStandard><![CDATA[ean13]]></KeyStandard><KeyStr><![CDATA[1]]></KeyStr>",
    ));
    assert_eq!(
        UserScanProductEnterSessionEvent::read(&Reader::top(&session))
            .expect("valid")
            .ext_info,
        None
    );

    let scan_async = xml(&event(
        "user_scan_product_async",
        "<KeyStandard><![CDATA[ean13]]></KeyStandard><KeyStr><![CDATA[1]]></KeyStr>",
    ));
    let scan_async = UserScanProductAsyncEvent::read(&Reader::top(&scan_async)).expect("valid");
    assert_eq!((scan_async.ext_info, scan_async.region_code), (None, None));

    let verify = xml(&event(
        "user_scan_product_verify_action",
        "<KeyStandard><![CDATA[ean13]]></KeyStandard><KeyStr><![CDATA[1]]></KeyStr><Result><![CDATA[verify_ok]]></Result>",
    ));
    assert_eq!(
        UserScanProductVerifyActionEvent::read(&Reader::top(&verify))
            .expect("valid")
            .reason_msg,
        None
    );

    let device = xml(&push(
        "device_event",
        "<Event><![CDATA[bind]]></Event><DeviceType><![CDATA[gh_1]]></DeviceType><DeviceID><![CDATA[d]]></DeviceID><OpenID><![CDATA[o]]></OpenID>",
    ));
    let device = DeviceEvent::read(&Reader::top(&device)).expect("valid");
    assert_eq!(
        (device.content, device.session_id, device.op_type),
        (None, None, None)
    );

    let text = xml(&push(
        "device_text",
        "<DeviceType><![CDATA[gh_1]]></DeviceType><DeviceID><![CDATA[d]]></DeviceID><SessionID>1</SessionID><Content><![CDATA[]]></Content><OpenID><![CDATA[o]]></OpenID>",
    ));
    assert_eq!(
        DeviceTextMessage::read(&Reader::top(&text))
            .expect("valid")
            .msg_id,
        None
    );
}

// wechatpy's test of the official sample has the placeholders `major`/`minor`: not numbers, so
// refused, naming the field.
#[test]
fn a_beacon_without_numeric_major_names_the_field() {
    let fields = xml(&event(
        "ShakearoundUserShake",
        "<ChosenBeacon><Uuid><![CDATA[uuid]]></Uuid><Major>major</Major><Minor>minor</Minor><Distance>0.057</Distance></ChosenBeacon>",
    ));
    let error = ShakearoundUserShakeEvent::read(&Reader::top(&fields)).expect_err("must fail");
    assert_eq!(error.field(), "ChosenBeacon.Major");
}
