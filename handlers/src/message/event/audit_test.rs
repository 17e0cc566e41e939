use super::*;
use crate::fields::Fields;
use crate::test_util::{json, xml};

/// The wechatpy verification samples: envelope `toUser`/`FromUser`/1442401156, then `body`.
fn verify_push(event: &str, body: &str) -> Fields {
    xml(&format!(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>1442401156</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{body}</xml>"
    ))
}

fn expiry(event: &str) -> VerifyExpiryEvent {
    let fields = verify_push(event, "<ExpiredTime>1442401156</ExpiredTime>");
    VerifyExpiryEvent::read(&Reader::top(&fields)).expect("parses")
}

// wechatpy tests/test_events.py test_qualification_verify_success_event; official page
// https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Wechat_Accreditation_Event_Push.html
#[test]
fn qualification_verify_success() {
    let event = expiry("qualification_verify_success");
    assert_eq!(
        event,
        VerifyExpiryEvent {
            expired_time: 1_442_401_156
        }
    );
}

// wechatpy tests/test_events.py test_naming_verify_success_event (same sample, other Event).
#[test]
fn naming_verify_success() {
    assert_eq!(expiry("naming_verify_success").expired_time, 1_442_401_156);
}

// wechatpy tests/test_events.py test_annual_renew_event (same sample, other Event).
#[test]
fn annual_renew() {
    assert_eq!(expiry("annual_renew").expired_time, 1_442_401_156);
}

// wechatpy tests/test_events.py test_verify_expired_event (same sample, other Event).
#[test]
fn verify_expired() {
    assert_eq!(expiry("verify_expired").expired_time, 1_442_401_156);
}

fn verify_fail(event: &str) -> VerifyFailEvent {
    let fields = verify_push(
        event,
        "<FailTime>1442401122</FailTime><FailReason><![CDATA[by time]]></FailReason>",
    );
    VerifyFailEvent::read(&Reader::top(&fields)).expect("parses")
}

// wechatpy tests/test_events.py test_qualification_verify_fail_event.
#[test]
fn qualification_verify_fail() {
    assert_eq!(
        verify_fail("qualification_verify_fail"),
        VerifyFailEvent {
            fail_time: 1_442_401_122,
            fail_reason: "by time".to_owned(),
            refill_time: None,
            refill_reason: None,
        }
    );
}

// wechatpy tests/test_events.py test_naming_verify_fail_event (same sample, other Event).
#[test]
fn naming_verify_fail() {
    let event = verify_fail("naming_verify_fail");
    assert_eq!(event.fail_time, 1_442_401_122);
    assert_eq!(event.fail_reason, "by time");
}

// No published sample with the refill fields; fields from WxJava `WxMpXmlMessage`
// (`RefillTime`, `RefillReason`).
#[test]
fn verify_fail_with_refill_request() {
    let fields = verify_push(
        "qualification_verify_fail",
        "<FailTime>1442401122</FailTime><FailReason><![CDATA[by time]]></FailReason><RefillTime>1442401100</RefillTime><RefillReason><![CDATA[营业执照不清晰]]></RefillReason>",
    );
    let event = VerifyFailEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(event.refill_time, Some(1_442_401_100));
    assert_eq!(event.refill_reason.as_deref(), Some("营业执照不清晰"));
}

// Official sample (https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/code/audit_event.html).
#[test]
fn weapp_audit_success() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_fb9688c2a4b2]]></ToUserName><FromUserName><![CDATA[od1P50M-fNQI5Gcq-trm4a7apsU8]]></FromUserName><CreateTime>1488856741</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[weapp_audit_success]]></Event><SuccTime>1488856741</SuccTime></xml>",
    );
    assert_eq!(
        WeappAuditSuccessEvent::read(&Reader::top(&fields)).expect("parses"),
        WeappAuditSuccessEvent {
            succ_time: 1_488_856_741
        }
    );
}

// Official sample (same page as weapp_audit_success); the stored copy's Reason is cut short,
// the visible part is kept.
#[test]
fn weapp_audit_fail() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_fb9688c2a4b2]]></ToUserName><FromUserName><![CDATA[od1P50M-fNQI5Gcq-trm4a7apsU8]]></FromUserName><CreateTime>1488856591</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[weapp_audit_fail]]></Event><Reason><![CDATA[1:账号信息不符合规范:<br>(1):包含色情因素<br>]]></Reason><FailTime>1488856591</FailTime><ScreenShot>xxx|yyy</ScreenShot></xml>",
    );
    let event = WeappAuditFailEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event,
        WeappAuditFailEvent {
            reason: "1:账号信息不符合规范:<br>(1):包含色情因素<br>".to_owned(),
            fail_time: 1_488_856_591,
            screen_shot: Some("xxx|yyy".to_owned()),
        }
    );
    assert_eq!(event.screenshots().collect::<Vec<_>>(), ["xxx", "yyy"]);
}

// No published sample; fields from the official field table
// (https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/code/audit_event.html).
#[test]
fn weapp_audit_delay() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_fb9688c2a4b2]]></ToUserName><FromUserName><![CDATA[od1P50M-fNQI5Gcq-trm4a7apsU8]]></FromUserName><CreateTime>1488856591</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[weapp_audit_delay]]></Event><Reason><![CDATA[审核排队中]]></Reason><DelayTime>1488856591</DelayTime></xml>",
    );
    assert_eq!(
        WeappAuditDelayEvent::read(&Reader::top(&fields)).expect("parses"),
        WeappAuditDelayEvent {
            reason: "审核排队中".to_owned(),
            delay_time: 1_488_856_591,
        }
    );
}

// Official sample (https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Mini_Program_Basic_Info/wxa_nickname_audit.html).
#[test]
fn wxa_nickname_audit() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_fxxxxxxxa4b2]]></ToUserName><FromUserName><![CDATA[odxxxxM-xxxxxxxx-trm4a7apsU8]]></FromUserName><CreateTime>1488800000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_nickname_audit]]></Event><ret>2</ret><nickname>昵称</nickname><reason>驳回原因</reason></xml>",
    );
    assert_eq!(
        NicknameAuditEvent::read(&Reader::top(&fields)).expect("parses"),
        NicknameAuditEvent {
            ret: 2,
            nickname: "昵称".to_owned(),
            reason: Some("驳回原因".to_owned()),
        }
    );
}

// No published sample; fields from the official field list
// (https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/records/record_event.html)
// and Senparc WxOpen `RequestMessageEvent_IllegalRecord`, values from the getillegalrecords doc.
#[test]
fn wxa_illegal_record() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_fxxxxxxxa4b2]]></ToUserName><FromUserName><![CDATA[odxxxxM-xxxxxxxx-trm4a7apsU8]]></FromUserName><CreateTime>1600051810</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_illegal_record]]></Event><illegal_record_id>2_11100</illegal_record_id><appid>wxaaaaaaaaaaaaaaaa</appid><create_time>1600051800</create_time><illegal_reason>内容涉嫌欺诈</illegal_reason><illegal_content>违规内容</illegal_content><rule_url>https://developers.weixin.qq.com/miniprogram/product/</rule_url><rule_name>《微信小程序平台运营规范》</rule_name></xml>",
    );
    assert_eq!(
        IllegalRecordEvent::read(&Reader::top(&fields)).expect("parses"),
        IllegalRecordEvent {
            illegal_record_id: "2_11100".to_owned(),
            appid: "wxaaaaaaaaaaaaaaaa".to_owned(),
            create_time: 1_600_051_800,
            illegal_reason: "内容涉嫌欺诈".to_owned(),
            illegal_content: Some("违规内容".to_owned()),
            rule_url: Some("https://developers.weixin.qq.com/miniprogram/product/".to_owned()),
            rule_name: Some("《微信小程序平台运营规范》".to_owned()),
        }
    );
}

// Official sample (https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/records/record_event.html);
// its `appeal_status` is the placeholder `1|2|3|4` and the stored copy is cut short inside
// `material`, so a status and the material's values are filled in from the field list.
#[test]
fn wxa_appeal_record() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_fxxxxxxxa4b2]]></ToUserName><FromUserName><![CDATA[odxxxxM-xxxxxxxx-trm4a7apsU8]]></FromUserName><CreateTime>1600055810</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_appeal_record]]></Event><appeal_record_id>4111001</appeal_record_id><appid>wxaaaaaaaaaaaaaaaa</appid><appeal_time>1600055800</appeal_time><appeal_count>1</appeal_count><appeal_from>0</appeal_from><appeal_status>3</appeal_status><audit_time>1600065800</audit_time><audit_reason>证据不足</audit_reason><punish_description>内容涉嫌欺诈</punish_description><material><illegal_material><content>违规内容1</content><content_url>https://example.com/1</content_url></illegal_material><appeal_material><reason>申诉理由</reason><proof_material_id>media_1</proof_material_id></appeal_material></material><material><illegal_material><content>违规内容2</content><content_url>https://example.com/2</content_url></illegal_material></material></xml>",
    );
    assert_eq!(
        AppealRecordEvent::read(&Reader::top(&fields)).expect("parses"),
        AppealRecordEvent {
            appeal_record_id: 4_111_001,
            appid: "wxaaaaaaaaaaaaaaaa".to_owned(),
            appeal_time: 1_600_055_800,
            appeal_count: 1,
            appeal_from: 0,
            appeal_status: 3,
            audit_time: Some(1_600_065_800),
            audit_reason: Some("证据不足".to_owned()),
            punish_description: "内容涉嫌欺诈".to_owned(),
            materials: vec![
                AppealMaterial {
                    illegal_material: Some(IllegalMaterial {
                        content: Some("违规内容1".to_owned()),
                        content_url: Some("https://example.com/1".to_owned()),
                    }),
                    appeal_material: Some(AppealEvidence {
                        reason: Some("申诉理由".to_owned()),
                        proof_material_id: Some("media_1".to_owned()),
                    }),
                },
                AppealMaterial {
                    illegal_material: Some(IllegalMaterial {
                        content: Some("违规内容2".to_owned()),
                        content_url: Some("https://example.com/2".to_owned()),
                    }),
                    appeal_material: None,
                },
            ],
        }
    );
}

// Real JSON push quoted at https://developers.weixin.qq.com/community/develop/doc/000664fc2acd684baacd09a7b56400:
// numbers as strings, an empty `reason` as `{}`.
#[test]
fn wxa_privacy_apply_json() {
    let fields = json(
        r#"{"ToUserName":"gh_e421e452bcb0","FromUserName":"oNvxE5WAYvTE5wxas54uNRStkfiA","CreateTime":"1649835877","MsgType":"event","Event":"wxa_privacy_apply","result_info":{"audit_id":"446548743","api_name":"wx.chooseAddress","status":"3","apply_time":"1649735212","audit_time":"1649835877","reason":{}}}"#,
    );
    assert_eq!(
        PrivacyApplyEvent::read(&Reader::top(&fields)).expect("parses"),
        PrivacyApplyEvent {
            result_info: PrivacyApplyResult {
                api_name: "wx.chooseAddress".to_owned(),
                apply_time: 1_649_735_212,
                audit_id: 446_548_743,
                audit_time: 1_649_835_877,
                reason: Some(String::new()),
                status: 3,
            },
        }
    );
}

// Official XML sample (https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/apply_api/apply_privacy_interface.html),
// values in literal double quotes as published.
#[test]
fn wxa_privacy_apply_xml_with_quoted_values() {
    let fields = xml(
        r#"<xml><ToUserName><![CDATA[gh_fb9688c2a4b2]]></ToUserName><FromUserName><![CDATA[od1P50M-fNQI5Gcq-trm4a7apsU8]]></FromUserName><CreateTime>1488856741</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_privacy_apply]]></Event><result_info><api_name>"wx.choosePoi"</api_name><apply_time>"1644805538"</apply_time><audit_id>"421609337"</audit_id><audit_time>"1644828435"</audit_time><reason>"小程序内未含有相应使用场景"</reason><status>"2"</status></result_info></xml>"#,
    );
    assert_eq!(
        PrivacyApplyEvent::read(&Reader::top(&fields)).expect("parses"),
        PrivacyApplyEvent {
            result_info: PrivacyApplyResult {
                api_name: "wx.choosePoi".to_owned(),
                apply_time: 1_644_805_538,
                audit_id: 421_609_337,
                audit_time: 1_644_828_435,
                reason: Some("小程序内未含有相应使用场景".to_owned()),
                status: 2,
            },
        }
    );
}

#[test]
fn wxa_privacy_apply_names_a_bad_number() {
    let fields = json(
        r#"{"result_info":{"api_name":"x","apply_time":"soon","audit_id":1,"audit_time":1,"status":3}}"#,
    );
    let error = PrivacyApplyEvent::read(&Reader::top(&fields)).expect_err("must fail");
    assert_eq!(error.field(), "result_info.apply_time");
    let fields =
        json(r#"{"result_info":{"api_name":"x","apply_time":1,"audit_id":1,"audit_time":1}}"#);
    let error = PrivacyApplyEvent::read(&Reader::top(&fields)).expect_err("must fail");
    assert_eq!(error.field(), "result_info.status");
}

// Official sample (https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/category/wxa_category_audit.html),
// with its mismatched closing tags corrected.
#[test]
fn wxa_category_audit() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_fxxxxxxxa4b2]]></ToUserName><FromUserName><![CDATA[odxxxxM-xxxxxxxx-trm4a7apsU8]]></FromUserName><CreateTime>1488800000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_category_audit]]></Event><ret>2</ret><first>一级类目id</first><second>二级类目id</second><reason>驳回原因</reason></xml>",
    );
    assert_eq!(
        CategoryAuditEvent::read(&Reader::top(&fields)).expect("parses"),
        CategoryAuditEvent {
            ret: 2,
            first: "一级类目id".to_owned(),
            second: "二级类目id".to_owned(),
            reason: Some("驳回原因".to_owned()),
        }
    );
}

// Real push quoted at https://developers.weixin.qq.com/community/minihome/doc/000e4c3d2a076852a2edf289e59c00.
#[test]
fn wx_verify_pay_succ() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_f57b44de618c]]></ToUserName><FromUserName><![CDATA[oDbGB5NPfPC1gisyfsFo-IOIxo1E]]></FromUserName><CreateTime>1652162212</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wx_verify_pay_succ]]></Event><OrderId><![CDATA[16465636384492457619]]></OrderId></xml>",
    );
    assert_eq!(
        WxVerifyPaySuccEvent::read(&Reader::top(&fields)).expect("parses"),
        WxVerifyPaySuccEvent {
            order_id: "16465636384492457619".to_owned()
        }
    );
}

// Real push quoted in the same community thread as wx_verify_pay_succ.
#[test]
fn wx_verify_dispatch() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_f57b44de618c]]></ToUserName><FromUserName><![CDATA[oDbGB5NPfPC1gisyfsFo-IOIxo1E]]></FromUserName><CreateTime>1652162232</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wx_verify_dispatch]]></Event><Provider><![CDATA[上海xxxxxxxxx有限公司]]></Provider><Contact><![CDATA[咨询电话:xxxxxxxx]]></Contact><DispatchTime>1652162222</DispatchTime></xml>",
    );
    assert_eq!(
        WxVerifyDispatchEvent::read(&Reader::top(&fields)).expect("parses"),
        WxVerifyDispatchEvent {
            provider: "上海xxxxxxxxx有限公司".to_owned(),
            contact: "咨询电话:xxxxxxxx".to_owned(),
            dispatch_time: 1_652_162_222,
        }
    );
}

/// The official 运营安全通知消息 sample's envelope (copy at
/// https://cnblogs.com/AtlasLapetos/p/18672363), then `body`.
fn authorized_user_push(event: &str, body: &str) -> Fields {
    xml(&format!(
        "<xml><ToUserName><![CDATA[gh_870882ca4b1]]></ToUserName><FromUserName><![CDATA[owAqB1v0ahK_Xlc7GshIDdf2yf7E]]></FromUserName><CreateTime>1626857200</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{body}</xml>"
    ))
}

// Official sample (mini program 运营安全通知消息; copy at https://cnblogs.com/AtlasLapetos/p/18672363),
// its cut-short `OpenPID` completed with a made-up tail.
#[test]
fn user_authorization_revoke() {
    let fields = authorized_user_push(
        "user_authorization_revoke",
        "<OpenID><![CDATA[owAqB1nqaOYYWl0Ng484G2z5NIwU]]></OpenID><AppID><![CDATA[wx13974bf780d3dc89]]></AppID><RevokeInfo><![CDATA[1]]></RevokeInfo><PluginID><![CDATA[wx13974bf780d3dc89]]></PluginID><OpenPID><![CDATA[G7esq5NVzP76HI0000]]></OpenPID>",
    );
    assert_eq!(
        AuthorizedUserEvent::read(&Reader::top(&fields)).expect("parses"),
        AuthorizedUserEvent {
            open_id: "owAqB1nqaOYYWl0Ng484G2z5NIwU".to_owned(),
            app_id: "wx13974bf780d3dc89".to_owned(),
            revoke_info: Some("1".to_owned()),
            plugin_id: Some("wx13974bf780d3dc89".to_owned()),
            open_pid: Some("G7esq5NVzP76HI0000".to_owned()),
        }
    );
}

// No published sample of its own; the official revoke sample's envelope and ids with the fields
// this event carries (WxJava `WxMaMessage`: `OpenID`, `AppID`).
#[test]
fn user_info_modified() {
    let fields = authorized_user_push(
        "user_info_modified",
        "<OpenID><![CDATA[owAqB1nqaOYYWl0Ng484G2z5NIwU]]></OpenID><AppID><![CDATA[wx13974bf780d3dc89]]></AppID>",
    );
    assert_eq!(
        AuthorizedUserEvent::read(&Reader::top(&fields)).expect("parses"),
        AuthorizedUserEvent {
            open_id: "owAqB1nqaOYYWl0Ng484G2z5NIwU".to_owned(),
            app_id: "wx13974bf780d3dc89".to_owned(),
            revoke_info: None,
            plugin_id: None,
            open_pid: None,
        }
    );
}

// No published sample of its own; JSON mode with the same keys (research: "JSON mode: same
// keys"), ids from the official revoke sample.
#[test]
fn user_authorization_cancellation() {
    let fields = json(
        r#"{"ToUserName":"gh_870882ca4b1","FromUserName":"owAqB1v0ahK_Xlc7GshIDdf2yf7E","CreateTime":1626857200,"MsgType":"event","Event":"user_authorization_cancellation","OpenID":"owAqB1nqaOYYWl0Ng484G2z5NIwU","AppID":"wx13974bf780d3dc89"}"#,
    );
    let event = AuthorizedUserEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(event.open_id, "owAqB1nqaOYYWl0Ng484G2z5NIwU");
    assert_eq!(event.app_id, "wx13974bf780d3dc89");
    assert_eq!(event.revoke_info, None);
}

#[test]
fn pushes_without_any_optional_field_still_parse() {
    let fields = xml("<xml><FailTime>1</FailTime><FailReason>r</FailReason></xml>");
    let fail = VerifyFailEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!((fail.refill_time, fail.refill_reason), (None, None));

    let fields = xml("<xml><Reason>r</Reason><FailTime>1</FailTime></xml>");
    let fail = WeappAuditFailEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(fail.screen_shot, None);
    assert_eq!(fail.screenshots().count(), 0);

    let fields = xml("<xml><ret>3</ret><nickname>n</nickname></xml>");
    let nickname = NicknameAuditEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(nickname.reason, None);

    let fields = xml(
        "<xml><illegal_record_id>2_1</illegal_record_id><appid>wx1</appid><create_time>1</create_time><illegal_reason>r</illegal_reason></xml>",
    );
    let illegal = IllegalRecordEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        (illegal.illegal_content, illegal.rule_url, illegal.rule_name),
        (None, None, None)
    );

    let fields = xml(
        "<xml><appeal_record_id>1</appeal_record_id><appid>wx1</appid><appeal_time>1</appeal_time><appeal_count>1</appeal_count><appeal_from>0</appeal_from><appeal_status>1</appeal_status><punish_description>p</punish_description></xml>",
    );
    let appeal = AppealRecordEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!((appeal.audit_time, appeal.audit_reason), (None, None));
    assert!(appeal.materials.is_empty());

    let fields = json(
        r#"{"result_info":{"api_name":"wx.getLocation","apply_time":1,"audit_id":2,"audit_time":3,"status":3}}"#,
    );
    let privacy = PrivacyApplyEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(privacy.result_info.reason, None);

    let fields = xml("<xml><ret>3</ret><first>1</first><second>2</second></xml>");
    let category = CategoryAuditEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(category.reason, None);

    let fields = json(r#"{"OpenID":"o","AppID":"wx1"}"#);
    let user = AuthorizedUserEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        (user.revoke_info, user.plugin_id, user.open_pid),
        (None, None, None)
    );
}
