use super::*;
use crate::test_util::xml;

/// Wraps an event's own elements in a realistic XML push envelope.
fn push(event: &str, body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_fc0a06a20993]]></ToUserName><FromUserName><![CDATA[oZI8Fj040-be6rlDohc6gkoPOQTQ]]></FromUserName>\
         <CreateTime>1475134700</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[{event}]]></Event>{body}</xml>"
    )
}

// No published sample; fields from WxJava WxMpXmlMessage (`SuccOrderId`, `FailOrderId`,
// `AuthorizeAppId`, lower-case `source`) and Senparc MP RequestMessageEvent_User_Authorize_Invoice.
#[test]
fn user_authorize_invoice() {
    let fields = xml(&push(
        "user_authorize_invoice",
        "<SuccOrderId><![CDATA[1202933957956]]></SuccOrderId><FailOrderId><![CDATA[]]></FailOrderId><AuthorizeAppId><![CDATA[wxa1234567890abcd]]></AuthorizeAppId><source><![CDATA[web]]></source>",
    ));
    assert_eq!(
        UserAuthorizeInvoiceEvent::read(&Reader::top(&fields)).expect("valid"),
        UserAuthorizeInvoiceEvent {
            succ_order_id: Some("1202933957956".to_owned()),
            fail_order_id: Some(String::new()),
            authorize_app_id: Some("wxa1234567890abcd".to_owned()),
            source: Some("web".to_owned()),
        }
    );
}

// No published sample; the spellings of wechatpy UserAuthorizeInvoiceEvent (`AppId`, `Source`),
// on a failed authorisation.
#[test]
fn user_authorize_invoice_with_wechatpy_spellings() {
    let fields = xml(&push(
        "user_authorize_invoice",
        "<FailOrderId><![CDATA[1202933957957]]></FailOrderId><AppId><![CDATA[wxa1234567890abcd]]></AppId><Source><![CDATA[app]]></Source>",
    ));
    assert_eq!(
        UserAuthorizeInvoiceEvent::read(&Reader::top(&fields)).expect("valid"),
        UserAuthorizeInvoiceEvent {
            succ_order_id: None,
            fail_order_id: Some("1202933957957".to_owned()),
            authorize_app_id: Some("wxa1234567890abcd".to_owned()),
            source: Some("app".to_owned()),
        }
    );
}

// No published sample; fields from wechatpy SubmitInvoiceTitleEvent and Senparc MP
// RequestMessageEvent_Submit_Invoice_Title (official page:
// https://developers.weixin.qq.com/doc/offiaccount/WeChat_Invoice/Quick_issuing/Interface_Instructions.html).
#[test]
fn submit_invoice_title() {
    let fields = xml(&push(
        "submit_invoice_title",
        "<title><![CDATA[某某科技有限公司]]></title><phone><![CDATA[020-12345678]]></phone><tax_no><![CDATA[91440101MA5XXXXXXX]]></tax_no><addr><![CDATA[广州市海珠区新港中路397号]]></addr><bank_type><![CDATA[招商银行广州分行]]></bank_type><bank_no><![CDATA[6225880212345678]]></bank_no><attach><![CDATA[store-42]]></attach><title_type><![CDATA[InvoiceUserTitleBusinessType]]></title_type>",
    ));
    assert_eq!(
        SubmitInvoiceTitleEvent::read(&Reader::top(&fields)).expect("valid"),
        SubmitInvoiceTitleEvent {
            title: "某某科技有限公司".to_owned(),
            phone: Some("020-12345678".to_owned()),
            tax_no: Some("91440101MA5XXXXXXX".to_owned()),
            addr: Some("广州市海珠区新港中路397号".to_owned()),
            bank_type: Some("招商银行广州分行".to_owned()),
            bank_no: Some("6225880212345678".to_owned()),
            attach: Some("store-42".to_owned()),
            title_type: "InvoiceUserTitleBusinessType".to_owned(),
        }
    );
}

// No published sample; fields from wechatpy UpdateInvoiceStatusEvent.
#[test]
fn update_invoice_status() {
    let fields = xml(&push(
        "update_invoice_status",
        "<Status><![CDATA[INVOICE_REIMBURSE_LOCK]]></Status><CardId><![CDATA[pjZ8Yt1XGILfi-FUsewpnnolGgZk]]></CardId><Code><![CDATA[030107700311001168957215]]></Code>",
    ));
    assert_eq!(
        UpdateInvoiceStatusEvent::read(&Reader::top(&fields)).expect("valid"),
        UpdateInvoiceStatusEvent {
            status: "INVOICE_REIMBURSE_LOCK".to_owned(),
            card_id: "pjZ8Yt1XGILfi-FUsewpnnolGgZk".to_owned(),
            code: "030107700311001168957215".to_owned(),
        }
    );
}

// No published sample; fields from WxJava WxMpEventConstants.Invoice and WxMpXmlMessage
// (`fpqqlsh`, `nsrsbh`).
#[test]
fn cloud_invoice_invoiceresult_event() {
    let fields = xml(&push(
        "cloud_invoice_invoiceresult_event",
        "<fpqqlsh><![CDATA[20240101000000123456]]></fpqqlsh><nsrsbh><![CDATA[91440101MA5XXXXXXX]]></nsrsbh>",
    ));
    assert_eq!(
        CloudInvoiceResultEvent::read(&Reader::top(&fields)).expect("valid"),
        CloudInvoiceResultEvent {
            fpqqlsh: "20240101000000123456".to_owned(),
            nsrsbh: Some("91440101MA5XXXXXXX".to_owned()),
        }
    );
}

#[test]
fn pushes_missing_every_optional_field_still_parse() {
    let authorize = xml(&push("user_authorize_invoice", ""));
    assert_eq!(
        UserAuthorizeInvoiceEvent::read(&Reader::top(&authorize)).expect("valid"),
        UserAuthorizeInvoiceEvent {
            succ_order_id: None,
            fail_order_id: None,
            authorize_app_id: None,
            source: None,
        }
    );

    let title = xml(&push(
        "submit_invoice_title",
        "<title><![CDATA[张三]]></title><title_type><![CDATA[InvoiceUserTitlePersonType]]></title_type>",
    ));
    assert_eq!(
        SubmitInvoiceTitleEvent::read(&Reader::top(&title)).expect("valid"),
        SubmitInvoiceTitleEvent {
            title: "张三".to_owned(),
            phone: None,
            tax_no: None,
            addr: None,
            bank_type: None,
            bank_no: None,
            attach: None,
            title_type: "InvoiceUserTitlePersonType".to_owned(),
        }
    );

    let cloud = xml(&push(
        "cloud_invoice_invoiceresult_event",
        "<fpqqlsh><![CDATA[1]]></fpqqlsh>",
    ));
    assert_eq!(
        CloudInvoiceResultEvent::read(&Reader::top(&cloud))
            .expect("valid")
            .nsrsbh,
        None
    );
}
