use super::*;
use crate::test_util::{json, xml};

// Official sample (https://developers.weixin.qq.com/doc/offiaccount/Publish/Callback_on_finish.html),
// as quoted in Senparc `RequestMessageEvent_PublishJobFinish.cs`.
#[test]
fn publish_job_finish_success() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName><CreateTime>1481013459</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event><PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status><article_id><![CDATA[b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4]]></article_id><article_detail><count>1</count><item><idx>1</idx><article_url><![CDATA[ARTICLE_URL]]></article_url></item></article_detail></PublishEventInfo></xml>",
    );
    let event = PublishJobFinishEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event,
        PublishJobFinishEvent {
            publish_event_info: PublishEventInfo {
                publish_id: 2_247_503_051,
                publish_status: 0,
                article_id: Some("b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4".to_owned()),
                article_detail: Some(PublishArticleDetail {
                    count: 1,
                    items: vec![PublishArticleItem {
                        idx: 1,
                        article_url: "ARTICLE_URL".to_owned(),
                    }],
                }),
                fail_idx: None,
            },
        }
    );
}

// Official failure sample, as quoted in Senparc `RequestMessageEvent_PublishJobFinish.cs`.
#[test]
fn publish_job_finish_failure() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName><CreateTime>1481013459</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event><PublishEventInfo><publish_id>2247503051</publish_id><publish_status>2</publish_status><fail_idx>1</fail_idx><fail_idx>2</fail_idx></PublishEventInfo></xml>",
    );
    let event = PublishJobFinishEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event.publish_event_info,
        PublishEventInfo {
            publish_id: 2_247_503_051,
            publish_status: 2,
            article_id: None,
            article_detail: None,
            fail_idx: Some(1),
        }
    );
}

// Senparc WxOpen test `MessageHandlers/MessageHandlerTests.cs` (version 2, XML).
#[test]
fn media_check_v2_xml() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_6e306981e699]]></ToUserName><FromUserName><![CDATA[oeaTy0Ej7xM_LexOCWGeJtL4ABoE]]></FromUserName><CreateTime>1659967849</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_media_check]]></Event><appid><![CDATA[wx12b4f63276b14d4c]]></appid><trace_id><![CDATA[62f11967-2b24d27a-34715985]]></trace_id><version>2</version><detail><strategy><![CDATA[content_model]]></strategy><errcode>0</errcode><suggest><![CDATA[pass]]></suggest><label>100</label><prob>90</prob></detail><errcode>0</errcode><errmsg><![CDATA[ok]]></errmsg><result><suggest><![CDATA[pass]]></suggest><label>100</label></result></xml>",
    );
    let event = MediaCheckEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event,
        MediaCheckEvent {
            appid: Some("wx12b4f63276b14d4c".to_owned()),
            trace_id: "62f11967-2b24d27a-34715985".to_owned(),
            version: Some(2),
            errcode: Some(0),
            errmsg: Some("ok".to_owned()),
            result: Some(MediaCheckResult {
                suggest: "pass".to_owned(),
                label: 100,
            }),
            detail: vec![MediaCheckDetail {
                strategy: "content_model".to_owned(),
                errcode: 0,
                suggest: Some("pass".to_owned()),
                label: Some(100),
                prob: Some(90),
            }],
            isrisky: None,
            extra_info_json: None,
            status_code: None,
        }
    );
}

// Real push quoted at https://developers.weixin.qq.com/community/minihome/doc/0002a2b26a09f883de245df686b000
// (version 2, JSON; `label` arrives as a string).
#[test]
fn media_check_v2_json() {
    let fields = json(
        r#"{"ToUserName":"gh_7bf1f1389686","FromUserName":"or9bw69jaWwJlF-6u0z3qT3KmO2k","CreateTime":1762329554,"MsgType":"event","Event":"wxa_media_check","appid":"wxb04d1be1ede56d47","trace_id":"690b03d2-301f6111-35ffbd44","version":2,"result":{"suggest":"pass","label":"100"},"detail":[{"strategy":"content_model","errcode":0,"suggest":"pass","label":"100","prob":90}]}"#,
    );
    let event = MediaCheckEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event,
        MediaCheckEvent {
            appid: Some("wxb04d1be1ede56d47".to_owned()),
            trace_id: "690b03d2-301f6111-35ffbd44".to_owned(),
            version: Some(2),
            errcode: None,
            errmsg: None,
            result: Some(MediaCheckResult {
                suggest: "pass".to_owned(),
                label: 100,
            }),
            detail: vec![MediaCheckDetail {
                strategy: "content_model".to_owned(),
                errcode: 0,
                suggest: Some("pass".to_owned()),
                label: Some(100),
                prob: Some(90),
            }],
            isrisky: None,
            extra_info_json: None,
            status_code: None,
        }
    );
}

// Real push quoted at https://developers.weixin.qq.com/community/minihome/doc/00004ee40286c8d663e25f16a66c00
// (version 1, JSON; `detail` is an empty array).
#[test]
fn media_check_v1_json() {
    let fields = json(
        r#"{"ToUserName":"gh_aead3984cfaf","FromUserName":"odxWP4npKABGD51I4Fad8KIaU-ko","CreateTime":1739865885,"MsgType":"event","Event":"wxa_media_check","isrisky":0,"extra_info_json":"","appid":"wx598c3c30ca6e1c34","trace_id":"b170f800089cbf674e6145bd8493e000","status_code":4294966287,"detail":[]}"#,
    );
    let event = MediaCheckEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event,
        MediaCheckEvent {
            appid: Some("wx598c3c30ca6e1c34".to_owned()),
            trace_id: "b170f800089cbf674e6145bd8493e000".to_owned(),
            version: None,
            errcode: None,
            errmsg: None,
            result: None,
            detail: Vec::new(),
            isrisky: Some(false),
            extra_info_json: Some(String::new()),
            status_code: Some(4_294_966_287),
        }
    );
}

#[test]
fn media_check_rejects_a_bad_isrisky() {
    let fields = json(r#"{"trace_id":"t","isrisky":"maybe"}"#);
    let error = MediaCheckEvent::read(&Reader::top(&fields)).expect_err("must fail");
    assert_eq!(error.field(), "isrisky");
}

// Official sample (https://developers.weixin.qq.com/miniprogram/dev/server/event_push/mini_drama/asset_upload_completion_event.html).
#[test]
fn secvod_upload() {
    let fields = xml(
        "<xml><ToUserName>gh_abcdefg</ToUserName><FromUserName>oABCD</FromUserName><CreateTime>12344555555</CreateTime><MsgType>event</MsgType><Event>secvod_upload_event</Event><upload_event><media_id>20001</media_id><source_context>abc12232</source_context><errcode>0</errcode><errmsg>OK</errmsg></upload_event></xml>",
    );
    let event = SecVodUploadEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event,
        SecVodUploadEvent {
            upload_event: SecVodUpload {
                media_id: 20001,
                source_context: Some("abc12232".to_owned()),
                errcode: 0,
                errmsg: Some("OK".to_owned()),
            },
        }
    );
}

// Official sample (https://developers.weixin.qq.com/miniprogram/dev/server/event_push/mini_drama/drama_review_status_event.html).
#[test]
fn secvod_audit() {
    let fields = xml(
        "<xml><ToUserName>gh_abcdefg</ToUserName><FromUserName>oABCD</FromUserName><CreateTime>12344555555</CreateTime><MsgType>event</MsgType><Event>secvod_audit_event</Event><audit_event><drama_id>20001</drama_id><audit_detail><status>3</status><audit_type>0</audit_type><create_time>168625255</create_time><audit_time>168626255</audit_time></audit_detail></audit_event></xml>",
    );
    let event = SecVodAuditEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        event,
        SecVodAuditEvent {
            audit_event: SecVodAudit {
                drama_id: 20001,
                audit_detail: SecVodAuditDetail {
                    status: 3,
                    audit_type: Some(0),
                    create_time: 168_625_255,
                    audit_time: 168_626_255,
                },
                source_context: None,
            },
        }
    );
}

#[test]
fn pushes_without_any_optional_field_still_parse() {
    let publish = xml(
        "<xml><Event>PUBLISHJOBFINISH</Event><PublishEventInfo><publish_id>1</publish_id><publish_status>1</publish_status></PublishEventInfo></xml>",
    );
    let publish = PublishJobFinishEvent::read(&Reader::top(&publish)).expect("parses");
    assert_eq!(publish.publish_event_info.article_detail, None);
    assert_eq!(publish.publish_event_info.fail_idx, None);

    let media = json(r#"{"Event":"wxa_media_check","trace_id":"t-1"}"#);
    let media = MediaCheckEvent::read(&Reader::top(&media)).expect("parses");
    assert_eq!(media.trace_id, "t-1");
    assert_eq!(media.result, None);
    assert!(media.detail.is_empty());

    let upload = json(r#"{"upload_event":{"media_id":7,"errcode":-1}}"#);
    let upload = SecVodUploadEvent::read(&Reader::top(&upload)).expect("parses");
    assert_eq!(upload.upload_event.errcode, -1);
    assert_eq!(upload.upload_event.source_context, None);
    assert_eq!(upload.upload_event.errmsg, None);

    let audit = xml(
        "<xml><audit_event><drama_id>9</drama_id><audit_detail><status>1</status><create_time>1</create_time><audit_time>2</audit_time></audit_detail></audit_event></xml>",
    );
    let audit = SecVodAuditEvent::read(&Reader::top(&audit)).expect("parses");
    assert_eq!(audit.audit_event.audit_detail.audit_type, None);
    assert_eq!(audit.audit_event.source_context, None);
}
