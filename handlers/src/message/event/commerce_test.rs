use super::*;
use crate::message::event::payment::*;
use crate::test_util::{json, xml};

// WxJava weixin-java-miniapp test `WxMaMessageTest.testFromXmlForAllFieldsMap`.
#[test]
fn add_express_path() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_3953b390c11d]]></ToUserName><FromUserName><![CDATA[ofYMP5JFT4SD7EX1LQv3IWrciBSo]]></FromUserName><CreateTime>1642658087</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[add_express_path]]></Event><DeliveryID><![CDATA[TEST]]></DeliveryID><WayBillId><![CDATA[01234567894_waybill_id]]></WayBillId><Version>16</Version><Count>2</Count><Actions><ActionTime>1642605533</ActionTime><ActionType>300001</ActionType><ActionMsg><![CDATA[揽件阶段-揽件成功]]></ActionMsg><Lat>0</Lat><Lng>0</Lng></Actions><Actions><ActionTime>1642605533</ActionTime><ActionType>100001</ActionType><ActionMsg><![CDATA[揽件阶段-揽件成功]]></ActionMsg><Lat>0</Lat><Lng>0</Lng></Actions><OrderId><![CDATA[01234567894]]></OrderId></xml>",
    );
    let action = |action_type| ExpressAction {
        action_time: 1_642_605_533,
        action_type,
        action_msg: "揽件阶段-揽件成功".to_owned(),
        lat: Some(0.0),
        lng: Some(0.0),
    };
    assert_eq!(
        ExpressPathEvent::read(&Reader::top(&fields)).expect("parses"),
        ExpressPathEvent {
            delivery_id: "TEST".to_owned(),
            waybill_id: "01234567894_waybill_id".to_owned(),
            order_id: "01234567894".to_owned(),
            version: 16,
            count: 2,
            actions: vec![action(300_001), action(100_001)],
        }
    );
}

// silenceper/wechat `miniprogram/message` `PushDataAddExpressPath` spells `WaybillId`; a single
// JSON action arrives as a bare object. No published JSON sample; fields from the official page
// https://developers.weixin.qq.com/miniprogram/dev/server/event_push/express/provider/logistics.onPathUpdate.html
#[test]
fn add_express_path_json_with_the_other_spelling() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"ofYMP5JFT4SD7EX1LQv3IWrciBSo","CreateTime":1642658087,"MsgType":"event","Event":"add_express_path","DeliveryID":"SF","WaybillId":"SF1234567890","Version":3,"Count":1,"Actions":{"ActionTime":1642605533,"ActionType":100001,"ActionMsg":"揽件阶段-揽件成功"},"OrderId":"01234567894"}"#,
    );
    let event = ExpressPathEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(event.waybill_id, "SF1234567890");
    assert_eq!(event.delivery_id, "SF");
    assert_eq!((event.version, event.count), (3, 1));
    assert_eq!(
        event.actions,
        [ExpressAction {
            action_time: 1_642_605_533,
            action_type: 100_001,
            action_msg: "揽件阶段-揽件成功".to_owned(),
            lat: None,
            lng: None,
        }]
    );
    let missing = json(r#"{"DeliveryID":"SF","OrderId":"1","Version":1,"Count":0}"#);
    let error = ExpressPathEvent::read(&Reader::top(&missing)).expect_err("must fail");
    assert_eq!(error.field(), "WayBillId");
}

// No published sample; fields from the official order-shipping page
// (https://developers.weixin.qq.com/miniprogram/dev/platform-capabilities/business-capabilities/order-shipping/order-shipping.html)
// and silenceper `PushDataRemindAccessAPI`.
#[test]
fn trade_manage_remind_access_api() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1690848000,"MsgType":"event","Event":"trade_manage_remind_access_api","msg":"请尽快完成发货信息管理接口接入"}"#,
    );
    assert_eq!(
        RemindAccessApiEvent::read(&Reader::top(&fields)).expect("parses"),
        RemindAccessApiEvent {
            msg: "请尽快完成发货信息管理接口接入".to_owned()
        }
    );
}

// No published sample; fields from the official order-shipping page and silenceper
// `PushDataRemindShipping`.
#[test]
fn trade_manage_remind_shipping() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1690848000,"MsgType":"event","Event":"trade_manage_remind_shipping","transaction_id":"4200001234202308010000000001","merchant_id":"1230000109","sub_merchant_id":"1900000109","merchant_trade_no":"trade-20230801-1","pay_time":1690761600,"msg":"订单尚未发货，请尽快录入发货信息"}"#,
    );
    assert_eq!(
        RemindShippingEvent::read(&Reader::top(&fields)).expect("parses"),
        RemindShippingEvent {
            transaction_id: "4200001234202308010000000001".to_owned(),
            merchant_id: "1230000109".to_owned(),
            sub_merchant_id: Some("1900000109".to_owned()),
            merchant_trade_no: "trade-20230801-1".to_owned(),
            pay_time: 1_690_761_600,
            msg: "订单尚未发货，请尽快录入发货信息".to_owned(),
        }
    );
}

// No published sample; fields from the official order-shipping page, silenceper
// `PushDataOrderSettlement` and Senparc WxOpen (the settled push).
#[test]
fn trade_manage_order_settlement() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_3953b390c11d]]></ToUserName><FromUserName><![CDATA[o7esq5NVzP76HI2hD2VgNqDd4t8s]]></FromUserName><CreateTime>1691452800</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[trade_manage_order_settlement]]></Event><transaction_id><![CDATA[4200001234202308010000000001]]></transaction_id><merchant_id><![CDATA[1230000109]]></merchant_id><merchant_trade_no><![CDATA[trade-20230801-1]]></merchant_trade_no><pay_time>1690761600</pay_time><shipped_time>1690848000</shipped_time><confirm_receive_method>1</confirm_receive_method><confirm_receive_time>1691366400</confirm_receive_time><settlement_time>1691452800</settlement_time></xml>",
    );
    assert_eq!(
        OrderSettlementEvent::read(&Reader::top(&fields)).expect("parses"),
        OrderSettlementEvent {
            transaction_id: "4200001234202308010000000001".to_owned(),
            merchant_id: "1230000109".to_owned(),
            sub_merchant_id: None,
            merchant_trade_no: "trade-20230801-1".to_owned(),
            pay_time: 1_690_761_600,
            shipped_time: 1_690_848_000,
            estimated_settlement_time: None,
            confirm_receive_method: Some(1),
            confirm_receive_time: Some(1_691_366_400),
            settlement_time: Some(1_691_452_800),
        }
    );
}

// No published sample; fields from the official virtual-payment push docs
// (https://developers.weixin.qq.com/miniprogram/dev/server/API/VirtualPayment/), WxJava
// `WxMaConstants.XPayNotifyEvent` and silenceper `PushDataXpayGoodsDeliverNotify`.
#[test]
fn retail_refund_notify() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1690708468,"MsgType":"event","Event":"retail_refund_notify","appid":"wx8888888888888888","mchid":"1230000109","out_refund_no":"refund-1","refund_id":"r202307281","out_trade_no":"trade-1","order_id":"o202307291","refund_amount":888,"order_amount":1300,"refund_from":"2","refund_reason":"3","create_time":"2023-07-30 17:04:23","refund_time":"2023-07-30 17:04:28","refund_status":"REFUND_SUCC","wxpay_refund_id":"500001","env":0,"pay_channel":1,"refund_desc":"退款完成"}"#,
    );
    assert_eq!(
        RetailRefundEvent::read(&Reader::top(&fields)).expect("parses"),
        RetailRefundEvent {
            appid: "wx8888888888888888".to_owned(),
            mchid: "1230000109".to_owned(),
            out_refund_no: "refund-1".to_owned(),
            refund_id: Some("r202307281".to_owned()),
            out_trade_no: "trade-1".to_owned(),
            order_id: "o202307291".to_owned(),
            refund_amount: 888,
            order_amount: 1300,
            refund_from: "2".to_owned(),
            refund_reason: Some("3".to_owned()),
            create_time: "2023-07-30 17:04:23".to_owned(),
            refund_time: Some("2023-07-30 17:04:28".to_owned()),
            refund_status: "REFUND_SUCC".to_owned(),
            wxpay_refund_id: Some("500001".to_owned()),
            env: 0,
            pay_channel: 1,
            refund_desc: Some("退款完成".to_owned()),
        }
    );
}

// No published sample; fields from Senparc WxOpen `RequestMessageEvent_ChargeServiceQuotaNotify`.
#[test]
fn charge_service_quota_notify() {
    let fields = json(
        r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"o7esq5NVzP76HI2hD2VgNqDd4t8s","CreateTime":1700400000,"MsgType":"event","Event":"charge_service_quota_notify","event_type":3,"spu_id":10000077,"spu_name":"OCR识别","total_quota":1000,"total_used_quota":950}"#,
    );
    assert_eq!(
        ChargeServiceQuotaEvent::read(&Reader::top(&fields)).expect("parses"),
        ChargeServiceQuotaEvent {
            event_type: 3,
            spu_id: 10_000_077,
            spu_name: "OCR识别".to_owned(),
            total_quota: 1000,
            total_used_quota: 950,
        }
    );
}

// WxJava weixin-java-miniapp test `WxMaMessageTest.testFromXmlForOpenProductOrderPayEvent`.
#[test]
fn open_product_order_pay() {
    let fields = xml(
        "<xml><ToUserName>gh_abcdefg</ToUserName><FromUserName>oABCD</FromUserName><CreateTime>1642658087</CreateTime><MsgType>event</MsgType><Event>open_product_order_pay</Event><order_info><out_order_id>123456</out_order_id><order_id>1234567</order_id><transaction_id>42000000123123</transaction_id><pay_time>2021-12-30 22:31:00</pay_time><amount>10</amount><sp_openid>oNMZ-5C0SPGHUiKsTwnOXpSHzFvw</sp_openid></order_info></xml>",
    );
    assert_eq!(
        OpenProductOrderPayEvent::read(&Reader::top(&fields)).expect("parses"),
        OpenProductOrderPayEvent {
            order_info: OpenProductOrderInfo {
                out_order_id: "123456".to_owned(),
                order_id: "1234567".to_owned(),
                transaction_id: "42000000123123".to_owned(),
                pay_time: "2021-12-30 22:31:00".to_owned(),
                amount: 10,
                sp_openid: Some("oNMZ-5C0SPGHUiKsTwnOXpSHzFvw".to_owned()),
            },
        }
    );
}

// Senparc WxOpen test `LiveBroadcastContractTests.cs`, mirroring the official sample
// (https://developers.weixin.qq.com/miniprogram/dev/server/event_push/liveplayer/status_synchronization.html).
#[test]
fn wxalive_follow_notify() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1546924844</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxalive_follow_notify]]></Event><FollowNotify><room_id>123</room_id><user_openid><![CDATA[openid-1]]></user_openid><time>1546924844</time><live_status>101</live_status><action><![CDATA[add_follow]]></action></FollowNotify></xml>",
    );
    let expected = LiveFollowEvent {
        follow_notify: LiveFollowNotify {
            room_id: 123,
            user_openid: "openid-1".to_owned(),
            time: 1_546_924_844,
            live_status: 101,
            action: "add_follow".to_owned(),
        },
    };
    assert_eq!(
        LiveFollowEvent::read(&Reader::top(&fields)).expect("parses"),
        expected
    );

    // The official parameter table lists the same fields flat, without `FollowNotify`.
    let flat = json(
        r#"{"Event":"wxalive_follow_notify","room_id":123,"user_openid":"openid-1","time":1546924844,"live_status":101,"action":"add_follow"}"#,
    );
    assert_eq!(
        LiveFollowEvent::read(&Reader::top(&flat)).expect("parses"),
        expected
    );
}

// Senparc WxOpen test, mirroring the official sample
// (https://developers.weixin.qq.com/miniprogram/dev/server/event_push/liveplayer/longterm_subscription.html).
#[test]
fn wxalive_push_message_notify() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1606273828</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxalive_push_message_notify]]></Event><PushMessageApiNotify><message_id><![CDATA[msg-1]]></message_id><room_id>123</room_id><total_count>6</total_count><success_count>2</success_count><openid_error_count>1</openid_error_count><relation_error_count>1</relation_error_count><user_recv_limit_count>1</user_recv_limit_count><internal_error_count>1</internal_error_count></PushMessageApiNotify></xml>",
    );
    assert_eq!(
        LivePushMessageEvent::read(&Reader::top(&fields)).expect("parses"),
        LivePushMessageEvent {
            push_message_api_notify: LivePushMessageNotify {
                message_id: "msg-1".to_owned(),
                room_id: 123,
                total_count: 6,
                success_count: 2,
                openid_error_count: 1,
                relation_error_count: 1,
                user_recv_limit_count: 1,
                internal_error_count: 1,
            },
        }
    );
}

#[test]
fn pushes_without_any_optional_field_still_parse() {
    let fields = xml(
        "<xml><DeliveryID>SF</DeliveryID><WayBillId>W1</WayBillId><OrderId>1</OrderId><Version>1</Version><Count>0</Count></xml>",
    );
    let path = ExpressPathEvent::read(&Reader::top(&fields)).expect("parses");
    assert!(path.actions.is_empty());

    let fields = json(
        r#"{"transaction_id":"t","merchant_id":"m","merchant_trade_no":"n","pay_time":1,"msg":"x"}"#,
    );
    let remind = RemindShippingEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(remind.sub_merchant_id, None);

    let fields = json(
        r#"{"transaction_id":"t","merchant_id":"m","merchant_trade_no":"n","pay_time":1,"shipped_time":2}"#,
    );
    let settlement = OrderSettlementEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        (
            settlement.sub_merchant_id,
            settlement.estimated_settlement_time,
            settlement.confirm_receive_method,
            settlement.confirm_receive_time,
            settlement.settlement_time
        ),
        (None, None, None, None, None)
    );

    let fields = json(
        r#"{"OpenId":"o","OutTradeNo":"t","Env":"0","WeChatPayInfo":{},"GoodsInfo":{"ProductId":"p","Quantity":1,"OrigPrice":1,"ActualPrice":1}}"#,
    );
    let goods = XPayGoodsDeliverEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(goods.wechat_pay_info, None);
    assert_eq!(goods.goods_info.attach, None);

    let fields = json(
        r#"{"OpenId":"o","OutTradeNo":"t","Env":0,"CoinInfo":{"Quantity":1,"OrigPrice":1,"ActualPrice":1}}"#,
    );
    let coin = XPayCoinPayEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!((coin.wechat_pay_info, coin.coin_info.attach), (None, None));

    let fields = json(
        r#"{"OpenId":"o","WxRefundId":"a","MchRefundId":"b","WxOrderId":"c","MchOrderId":"d","RefundFee":1,"RetCode":-1,"RefundStartTimestamp":1}"#,
    );
    let refund = XPayRefundEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(refund.ret_code, -1);
    assert_eq!(
        (
            refund.ret_msg,
            refund.refund_succ_timestamp,
            refund.wxpay_refund_transaction_id,
            refund.retry_times
        ),
        (None, None, None, None)
    );

    let fields =
        json(r#"{"OpenId":"o","OutTradeNo":"t","Env":0,"ProductId":"p","ContractResult":1}"#);
    let signing = XPayAppleSubscribeSigningEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        (
            signing.contract_result_msg,
            signing.contract_id,
            signing.attach
        ),
        (None, None, None)
    );

    let fields = json(
        r#"{"refund_time":"1","order_time":"1","channel_bill":"c","product_id":"p","p_count":"1","provide_status":"0","pay_order_id":"x"}"#,
    );
    let query = XPaySubscribeIosRefundQueryEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(query.refund_request_reason, None);

    let fields = json(
        r#"{"appid":"wx1","mchid":"1","out_refund_no":"r","out_trade_no":"t","order_id":"o","refund_amount":1,"order_amount":2,"refund_from":"1","create_time":"2023-07-30 17:04:23","refund_status":"REFUND_FAIL","env":0,"pay_channel":1}"#,
    );
    let retail = RetailRefundEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(
        (
            retail.refund_id,
            retail.refund_reason,
            retail.refund_time,
            retail.wxpay_refund_id,
            retail.refund_desc
        ),
        (None, None, None, None, None)
    );

    let fields = xml(
        "<xml><order_info><out_order_id>1</out_order_id><order_id>2</order_id><transaction_id>3</transaction_id><pay_time>2021-12-30 22:31:00</pay_time><amount>1</amount></order_info></xml>",
    );
    let order = OpenProductOrderPayEvent::read(&Reader::top(&fields)).expect("parses");
    assert_eq!(order.order_info.sp_openid, None);
}
