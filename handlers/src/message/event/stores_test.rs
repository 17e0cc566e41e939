use super::*;
use crate::test_util::{json, xml};

/// Wraps an event's own elements in a realistic XML push envelope.
fn push(event: &str, body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>\
         <CreateTime>1488856741</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[{event}]]></Event>{body}</xml>"
    )
}

// No published sample; fields from wechatpy PoiCheckNotifyEvent, Senparc MP
// RequestMessageEvent_Poi_Check_Notify and chanxuehong mp/poi/event.go (`Msg`).
#[test]
fn poi_check_notify() {
    let fields = xml(&push(
        "poi_check_notify",
        "<UniqId><![CDATA[123adb]]></UniqId><PoiId><![CDATA[123123]]></PoiId><Result><![CDATA[fail]]></Result><Msg><![CDATA[门店图片不清晰]]></Msg>",
    ));
    assert_eq!(
        PoiCheckNotifyEvent::read(&Reader::top(&fields)).expect("valid"),
        PoiCheckNotifyEvent {
            uniq_id: "123adb".to_owned(),
            poi_id: "123123".to_owned(),
            result: "fail".to_owned(),
            msg: Some("门店图片不清晰".to_owned()),
        }
    );
}

// No published sample; WxJava WxMpXmlMessage reads the last field as lower-case `msg` (its
// javadoc copies the official sample), so that spelling is accepted too.
#[test]
fn poi_check_notify_with_lower_case_msg() {
    let fields = xml(&push(
        "poi_check_notify",
        "<UniqId><![CDATA[123adb]]></UniqId><PoiId><![CDATA[123123]]></PoiId><Result><![CDATA[succ]]></Result><msg><![CDATA[]]></msg>",
    ));
    let event = PoiCheckNotifyEvent::read(&Reader::top(&fields)).expect("valid");
    assert_eq!(event.result, "succ");
    assert_eq!(event.msg.as_deref(), Some(""));
}

// No published sample; fields from Senparc MP Wxa/RequestMessageEvent_ApplyMerchantAuditInfo.cs.
#[test]
fn apply_merchant_audit_info() {
    let fields = xml(&push(
        "apply_merchant_audit_info",
        "<audit_id>4168</audit_id><status>3</status><reason><![CDATA[经营资质不清晰]]></reason>",
    ));
    assert_eq!(
        StoreAuditEvent::read(&Reader::top(&fields)).expect("valid"),
        StoreAuditEvent {
            audit_id: "4168".to_owned(),
            status: 3,
            reason: Some("经营资质不清晰".to_owned()),
            is_upgrade: None,
            poiid: None,
        }
    );
}

// No published sample; fields from Senparc MP Wxa/RequestMessageEvent_AddStoreAuditInfo.cs
// (inherits ApplyMerchantAuditInfo, adds is_upgrade and poiid).
#[test]
fn add_store_audit_info() {
    let fields = xml(&push(
        "add_store_audit_info",
        "<audit_id>4170</audit_id><status>1</status><reason><![CDATA[]]></reason><is_upgrade>0</is_upgrade><poiid><![CDATA[472638712]]></poiid>",
    ));
    assert_eq!(
        StoreAuditEvent::read(&Reader::top(&fields)).expect("valid"),
        StoreAuditEvent {
            audit_id: "4170".to_owned(),
            status: 1,
            reason: Some(String::new()),
            is_upgrade: Some(0),
            poiid: Some("472638712".to_owned()),
        }
    );
}

// No published sample; fields from Senparc MP Wxa/RequestMessageEvent_ModifyStoreAuditInfo.cs
// (inherits ApplyMerchantAuditInfo).
#[test]
fn modify_store_audit_info() {
    let fields = xml(&push(
        "modify_store_audit_info",
        "<audit_id>4171</audit_id><status>2</status>",
    ));
    assert_eq!(
        StoreAuditEvent::read(&Reader::top(&fields)).expect("valid"),
        StoreAuditEvent {
            audit_id: "4171".to_owned(),
            status: 2,
            reason: None,
            is_upgrade: None,
            poiid: None,
        }
    );
}

// No published sample; fields from Senparc MP and WxOpen RequestMessageEvent_CreateMapPoiAuditInfo.
#[test]
fn create_map_poi_audit_info() {
    let fields = xml(&push(
        "create_map_poi_audit_info",
        "<audit_id>11111</audit_id><status>1</status><map_poi_id><![CDATA[2156718198845211243]]></map_poi_id><name><![CDATA[小程序示例店]]></name><address><![CDATA[广州市海珠区新港中路397号]]></address><longitude>113.323753357</longitude><latitude>23.0974903107</latitude><sh_remark><![CDATA[]]></sh_remark>",
    ));
    assert_eq!(
        CreateMapPoiAuditEvent::read(&Reader::top(&fields)).expect("valid"),
        CreateMapPoiAuditEvent {
            audit_id: "11111".to_owned(),
            status: 1,
            map_poi_id: Some("2156718198845211243".to_owned()),
            name: Some("小程序示例店".to_owned()),
            address: Some("广州市海珠区新港中路397号".to_owned()),
            longitude: Some(113.323753357),
            latitude: Some(23.0974903107),
            sh_remark: Some(String::new()),
        }
    );
}

// No published sample; fields from Senparc WxOpen RequestMessageEvent_AddNearbyPoiAuditInfo.
#[test]
fn add_nearby_poi_audit_info() {
    let fields = xml(&push(
        "add_nearby_poi_audit_info",
        "<audit_id><![CDATA[3201]]></audit_id><status>2</status><reason><![CDATA[门头照片与地址不符]]></reason><poi_id><![CDATA[1238712893]]></poi_id>",
    ));
    assert_eq!(
        NearbyPoiAuditEvent::read(&Reader::top(&fields)).expect("valid"),
        NearbyPoiAuditEvent {
            audit_id: "3201".to_owned(),
            status: 2,
            reason: Some("门头照片与地址不符".to_owned()),
            poi_id: Some("1238712893".to_owned()),
        }
    );
}

// The same event as a mini program JSON push (numbers typed, or sent as strings). No published
// sample; fields from Senparc WxOpen RequestMessageEvent_AddNearbyPoiAuditInfo.
#[test]
fn add_nearby_poi_audit_info_json() {
    let fields = json(
        r#"{"ToUserName":"gh_123456789abc","FromUserName":"oUser","CreateTime":1610969440,"MsgType":"event","Event":"add_nearby_poi_audit_info","audit_id":"3202","status":3,"reason":"","poi_id":"1238712894"}"#,
    );
    assert_eq!(
        NearbyPoiAuditEvent::read(&Reader::top(&fields)).expect("valid"),
        NearbyPoiAuditEvent {
            audit_id: "3202".to_owned(),
            status: 3,
            reason: Some(String::new()),
            poi_id: Some("1238712894".to_owned()),
        }
    );
}

// No published sample; fields from Senparc WxOpen RequestMessageEvent_NearbyCategoryAuditInfo.
#[test]
fn nearby_category_audit_info() {
    let fields = xml(&push(
        "nearby_category_audit_info",
        "<audit_id><![CDATA[4501]]></audit_id><status>3</status><reason><![CDATA[]]></reason>",
    ));
    assert_eq!(
        NearbyCategoryAuditEvent::read(&Reader::top(&fields)).expect("valid"),
        NearbyCategoryAuditEvent {
            audit_id: "4501".to_owned(),
            status: 3,
            reason: Some(String::new()),
        }
    );
}

// Source: wechatpy tests/test_events.py test_merchant_order_event.
#[test]
fn merchant_order() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[weixin_media1]]></ToUserName><FromUserName><![CDATA[oDF3iYyVlek46AyTBbMRVV8VZVlI]]></FromUserName><CreateTime>1398144192</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[merchant_order]]></Event><OrderId><![CDATA[test_order_id]]></OrderId><OrderStatus>2</OrderStatus><ProductId><![CDATA[test_product_id]]></ProductId><SkuInfo><![CDATA[10001:1000012;10002:100021]]></SkuInfo></xml>",
    );
    assert_eq!(
        MerchantOrderEvent::read(&Reader::top(&fields)).expect("valid"),
        MerchantOrderEvent {
            order_id: "test_order_id".to_owned(),
            order_status: 2,
            product_id: "test_product_id".to_owned(),
            sku_info: "10001:1000012;10002:100021".to_owned(),
        }
    );
}

#[test]
fn pushes_missing_every_optional_field_still_parse() {
    let poi = xml(&push(
        "poi_check_notify",
        "<UniqId><![CDATA[u]]></UniqId><PoiId><![CDATA[1]]></PoiId><Result><![CDATA[succ]]></Result>",
    ));
    assert_eq!(
        PoiCheckNotifyEvent::read(&Reader::top(&poi))
            .expect("valid")
            .msg,
        None
    );

    let map = xml(&push(
        "create_map_poi_audit_info",
        "<audit_id>1</audit_id><status>0</status><longitude></longitude>",
    ));
    assert_eq!(
        CreateMapPoiAuditEvent::read(&Reader::top(&map)).expect("valid"),
        CreateMapPoiAuditEvent {
            audit_id: "1".to_owned(),
            status: 0,
            map_poi_id: None,
            name: None,
            address: None,
            longitude: None,
            latitude: None,
            sh_remark: None,
        }
    );

    let nearby = xml(&push(
        "add_nearby_poi_audit_info",
        "<audit_id>1</audit_id><status>3</status>",
    ));
    let nearby = NearbyPoiAuditEvent::read(&Reader::top(&nearby)).expect("valid");
    assert_eq!((nearby.reason, nearby.poi_id), (None, None));

    let category = xml(&push(
        "nearby_category_audit_info",
        "<audit_id>1</audit_id><status>3</status>",
    ));
    assert_eq!(
        NearbyCategoryAuditEvent::read(&Reader::top(&category))
            .expect("valid")
            .reason,
        None
    );
}

#[test]
fn a_malformed_number_names_its_field() {
    let fields = xml(&push(
        "create_map_poi_audit_info",
        "<audit_id>1</audit_id><status>0</status><latitude>north</latitude>",
    ));
    let error = CreateMapPoiAuditEvent::read(&Reader::top(&fields)).expect_err("must fail");
    assert_eq!(error.field(), "latitude");
}
