use super::*;
use crate::test_util::{json, xml};

// WxJava weixin-java-miniapp test `WxMaMessageTest.testFromXmlForAllFieldsMap`.
#[test]
fn xpay_goods_deliver_notify() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1700000000,"MsgType":"event","Event":"xpay_goods_deliver_notify","OpenId":"o7esq5NVzP76HI2hD2VgNqDd4t8s","OutTradeNo":"xpay-20231114-1","Env":0,"WeChatPayInfo":{"MchOrderNo":"mch-20231114-1","TransactionId":"4200002000202311140000000001","PaidTime":1699999990},"GoodsInfo":{"ProductId":"gem_pack_1","Quantity":2,"OrigPrice":600,"ActualPrice":500,"Attach":"level=3"}}"#,
    );
    assert_eq!(
        XPayGoodsDeliverEvent::read(&Reader::top(&fields)).expect("parses"),
        XPayGoodsDeliverEvent {
            open_id: "o7esq5NVzP76HI2hD2VgNqDd4t8s".to_owned(),
            out_trade_no: "xpay-20231114-1".to_owned(),
            env: 0,
            wechat_pay_info: Some(XPayWeChatPayInfo {
                mch_order_no: "mch-20231114-1".to_owned(),
                transaction_id: "4200002000202311140000000001".to_owned(),
                paid_time: Some(1_699_999_990),
            }),
            goods_info: XPayGoodsInfo {
                product_id: "gem_pack_1".to_owned(),
                quantity: 2,
                orig_price: 600,
                actual_price: 500,
                attach: Some("level=3".to_owned()),
            },
        }
    );
}

// No published sample; fields from the same virtual-payment docs and peers as
// xpay_goods_deliver_notify (no `WeChatPayInfo`: paid through another channel).
#[test]
fn xpay_coin_pay_notify() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_3953b390c11d]]></ToUserName><FromUserName><![CDATA[o7esq5NVzP76HI2hD2VgNqDd4t8s]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[xpay_coin_pay_notify]]></Event><OpenId><![CDATA[o7esq5NVzP76HI2hD2VgNqDd4t8s]]></OpenId><OutTradeNo><![CDATA[coin-20231114-1]]></OutTradeNo><Env>1</Env><CoinInfo><Quantity>60</Quantity><OrigPrice>600</OrigPrice><ActualPrice>600</ActualPrice><Attach><![CDATA[]]></Attach></CoinInfo></xml>",
    );
    assert_eq!(
        XPayCoinPayEvent::read(&Reader::top(&fields)).expect("parses"),
        XPayCoinPayEvent {
            open_id: "o7esq5NVzP76HI2hD2VgNqDd4t8s".to_owned(),
            out_trade_no: "coin-20231114-1".to_owned(),
            env: 1,
            wechat_pay_info: None,
            coin_info: XPayCoinInfo {
                quantity: 60,
                orig_price: 600,
                actual_price: 600,
                attach: Some(String::new()),
            },
        }
    );
}

// No published sample; fields from Senparc WxOpen `RequestMessageEvent_XPayRefundNotify`.
#[test]
fn xpay_refund_notify() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1700100000,"MsgType":"event","Event":"xpay_refund_notify","OpenId":"o7esq5NVzP76HI2hD2VgNqDd4t8s","WxRefundId":"wxr-1","MchRefundId":"refund-1","WxOrderId":"wxo-1","MchOrderId":"xpay-20231114-1","RefundFee":500,"RetCode":0,"RetMsg":"success","RefundStartTimestamp":1700099990,"RefundSuccTimestamp":1700100000,"WxpayRefundTransactionId":"50300000012023111400000001","RetryTimes":0}"#,
    );
    assert_eq!(
        XPayRefundEvent::read(&Reader::top(&fields)).expect("parses"),
        XPayRefundEvent {
            open_id: "o7esq5NVzP76HI2hD2VgNqDd4t8s".to_owned(),
            wx_refund_id: "wxr-1".to_owned(),
            mch_refund_id: "refund-1".to_owned(),
            wx_order_id: "wxo-1".to_owned(),
            mch_order_id: "xpay-20231114-1".to_owned(),
            refund_fee: 500,
            ret_code: 0,
            ret_msg: Some("success".to_owned()),
            refund_start_timestamp: 1_700_099_990,
            refund_succ_timestamp: Some(1_700_100_000),
            wxpay_refund_transaction_id: Some("50300000012023111400000001".to_owned()),
            retry_times: Some(0),
        }
    );
}

// No published sample; fields from Senparc WxOpen
// `RequestMessageEvent_XPayAppleSubscribeSigningResultNotify`.
#[test]
fn xpay_apple_subscribe_signing_result_notify() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1700200000,"MsgType":"event","Event":"xpay_apple_subscribe_signing_result_notify","OpenId":"o7esq5NVzP76HI2hD2VgNqDd4t8s","OutTradeNo":"sub-20231117-1","Env":0,"ProductId":"vip_monthly","ContractResult":0,"ContractResultMsg":"ok","ContractId":"contract-1","Attach":"campaign=a"}"#,
    );
    assert_eq!(
        XPayAppleSubscribeSigningEvent::read(&Reader::top(&fields)).expect("parses"),
        XPayAppleSubscribeSigningEvent {
            open_id: "o7esq5NVzP76HI2hD2VgNqDd4t8s".to_owned(),
            out_trade_no: "sub-20231117-1".to_owned(),
            env: 0,
            product_id: "vip_monthly".to_owned(),
            contract_result: 0,
            contract_result_msg: Some("ok".to_owned()),
            contract_id: Some("contract-1".to_owned()),
            attach: Some("campaign=a".to_owned()),
        }
    );
}

// No published sample; fields from Senparc WxOpen
// `RequestMessageEvent_XPaySubscribeIosRefundQueryNotify` (every value a string).
#[test]
fn xpay_subscribe_ios_refund_query_notify() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1700300000,"MsgType":"event","Event":"xpay_subscribe_ios_refund_query_notify","refund_time":"1700299990","order_time":"1700000000","channel_bill":"270001234567890","product_id":"vip_monthly","p_count":"1","refund_request_reason":"1","provide_status":"1","pay_order_id":"pay-20231114-1"}"#,
    );
    assert_eq!(
        XPaySubscribeIosRefundQueryEvent::read(&Reader::top(&fields)).expect("parses"),
        XPaySubscribeIosRefundQueryEvent {
            refund_time: 1_700_299_990,
            order_time: 1_700_000_000,
            channel_bill: "270001234567890".to_owned(),
            product_id: "vip_monthly".to_owned(),
            p_count: 1,
            refund_request_reason: Some("1".to_owned()),
            provide_status: 1,
            pay_order_id: "pay-20231114-1".to_owned(),
        }
    );
}

// Senparc WxOpen test body (`AdvancedAPIs/B2B/B2BContractTests.cs`), given the push envelope it
// lacks; official page https://developers.weixin.qq.com/miniprogram/dev/server/API/retail_business/bill/api_refundorder
