//! Mini-program virtual payment (`xpay_*`): goods delivered, tokens paid, refunds, and iOS
//! subscriptions.
//!
//! Field names are PascalCase (`OutTradeNo`; note `OpenId`, not `OpenID`) but for the iOS
//! refund query's snake_case. WeChat expects these pushes acknowledged with the JSON body
//! `{"ErrCode":0,"ErrMsg":"Success"}` and retries until then.

use super::super::error::MessageError;
use super::super::read::Reader;

/// `WeChatPayInfo`: how a virtual-payment order was paid, when paid through WeChat Pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPayWeChatPayInfo {
    /// `MchOrderNo`: the merchant order number.
    pub mch_order_no: String,
    /// `TransactionId`: the WeChat Pay transaction.
    pub transaction_id: String,
    /// `PaidTime` (unix seconds): when the order was paid.
    pub paid_time: Option<u64>,
}

/// `xpay_goods_deliver_notify`: an item bought through virtual payment must be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPayGoodsDeliverEvent {
    /// `OpenId`: the buyer.
    pub open_id: String,
    /// `OutTradeNo`: the order number given when the order was placed.
    pub out_trade_no: String,
    /// `Env`: `0` production, `1` sandbox.
    pub env: u32,
    /// `WeChatPayInfo`: the payment, when paid through WeChat Pay.
    pub wechat_pay_info: Option<XPayWeChatPayInfo>,
    /// `GoodsInfo`: the item bought.
    pub goods_info: XPayGoodsInfo,
}

/// `GoodsInfo`: the item bought in a virtual-payment order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPayGoodsInfo {
    /// `ProductId`: the item.
    pub product_id: String,
    /// `Quantity`: how many.
    pub quantity: u32,
    /// `OrigPrice`: the list price, in cents.
    pub orig_price: u64,
    /// `ActualPrice`: the price paid, in cents.
    pub actual_price: u64,
    /// `Attach`: the data attached when the order was placed.
    pub attach: Option<String>,
}

/// `xpay_coin_pay_notify`: tokens (代币) bought through virtual payment were paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPayCoinPayEvent {
    /// `OpenId`: the buyer.
    pub open_id: String,
    /// `OutTradeNo`: the order number given when the order was placed.
    pub out_trade_no: String,
    /// `Env`: `0` production, `1` sandbox.
    pub env: u32,
    /// `WeChatPayInfo`: the payment, when paid through WeChat Pay.
    pub wechat_pay_info: Option<XPayWeChatPayInfo>,
    /// `CoinInfo`: the tokens bought.
    pub coin_info: XPayCoinInfo,
}

/// `CoinInfo`: the tokens bought in a virtual-payment order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPayCoinInfo {
    /// `Quantity`: how many tokens.
    pub quantity: u64,
    /// `OrigPrice`: the list price, in cents.
    pub orig_price: u64,
    /// `ActualPrice`: the price paid, in cents.
    pub actual_price: u64,
    /// `Attach`: the data attached when the order was placed.
    pub attach: Option<String>,
}

/// `xpay_refund_notify`: the result of a virtual-payment refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPayRefundEvent {
    /// `OpenId`: the buyer.
    pub open_id: String,
    /// `WxRefundId`: WeChat's refund id.
    pub wx_refund_id: String,
    /// `MchRefundId`: the merchant's refund id.
    pub mch_refund_id: String,
    /// `WxOrderId`: WeChat's order id.
    pub wx_order_id: String,
    /// `MchOrderId`: the merchant's order id.
    pub mch_order_id: String,
    /// `RefundFee`: the amount refunded, in cents.
    pub refund_fee: u64,
    /// `RetCode`: `0` when the refund succeeded.
    pub ret_code: i64,
    /// `RetMsg`: the result's description.
    pub ret_msg: Option<String>,
    /// `RefundStartTimestamp` (unix seconds): when the refund started.
    pub refund_start_timestamp: u64,
    /// `RefundSuccTimestamp` (unix seconds): when the refund succeeded.
    pub refund_succ_timestamp: Option<u64>,
    /// `WxpayRefundTransactionId`: the WeChat Pay refund transaction.
    pub wxpay_refund_transaction_id: Option<String>,
    /// `RetryTimes`: how many times the refund was retried.
    pub retry_times: Option<u32>,
}

/// `xpay_apple_subscribe_signing_result_notify`: the result of signing an iOS subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPayAppleSubscribeSigningEvent {
    /// `OpenId`: the subscriber.
    pub open_id: String,
    /// `OutTradeNo`: the order number given when signing started.
    pub out_trade_no: String,
    /// `Env`: `0` production, `1` sandbox.
    pub env: u32,
    /// `ProductId`: the subscription product.
    pub product_id: String,
    /// `ContractResult`: `0` when the contract was signed.
    pub contract_result: i64,
    /// `ContractResultMsg`: the result's description.
    pub contract_result_msg: Option<String>,
    /// `ContractId`: the contract, once signed.
    pub contract_id: Option<String>,
    /// `Attach`: the data attached when signing started.
    pub attach: Option<String>,
}

/// `xpay_subscribe_ios_refund_query_notify`: Apple asks whether an iOS subscription order may be
/// refunded. Every value arrives as a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPaySubscribeIosRefundQueryEvent {
    /// `refund_time` (unix seconds): when the refund was requested.
    pub refund_time: u64,
    /// `order_time` (unix seconds): when the order was placed.
    pub order_time: u64,
    /// `channel_bill`: Apple's receipt number.
    pub channel_bill: String,
    /// `product_id`: the subscription product.
    pub product_id: String,
    /// `p_count`: the quantity bought.
    pub p_count: u32,
    /// `refund_request_reason`: why the refund was requested.
    pub refund_request_reason: Option<String>,
    /// `provide_status`: `0` not delivered, `1` delivered, `2` being delivered.
    pub provide_status: u32,
    /// `pay_order_id`: the payment order.
    pub pay_order_id: String,
}

/// `WeChatPayInfo` of a virtual-payment push, when present.
fn wechat_pay_info(r: &Reader<'_>) -> Result<Option<XPayWeChatPayInfo>, MessageError> {
    if !r.has("WeChatPayInfo") {
        return Ok(None);
    }
    let info = r.node("WeChatPayInfo", "WeChatPayInfo")?;
    if info.is_empty() {
        return Ok(None);
    }
    Ok(Some(XPayWeChatPayInfo {
        mch_order_no: info.string("MchOrderNo")?,
        transaction_id: info.string("TransactionId")?,
        paid_time: info.opt_unsigned("PaidTime")?,
    }))
}

impl XPayGoodsDeliverEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let goods = r.node("GoodsInfo", "GoodsInfo")?;
        Ok(XPayGoodsDeliverEvent {
            open_id: r.string("OpenId")?,
            out_trade_no: r.string("OutTradeNo")?,
            env: r.unsigned("Env")?,
            wechat_pay_info: wechat_pay_info(r)?,
            goods_info: XPayGoodsInfo {
                product_id: goods.string("ProductId")?,
                quantity: goods.unsigned("Quantity")?,
                orig_price: goods.unsigned("OrigPrice")?,
                actual_price: goods.unsigned("ActualPrice")?,
                attach: goods.opt_string("Attach")?,
            },
        })
    }
}

impl XPayCoinPayEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let coin = r.node("CoinInfo", "CoinInfo")?;
        Ok(XPayCoinPayEvent {
            open_id: r.string("OpenId")?,
            out_trade_no: r.string("OutTradeNo")?,
            env: r.unsigned("Env")?,
            wechat_pay_info: wechat_pay_info(r)?,
            coin_info: XPayCoinInfo {
                quantity: coin.unsigned("Quantity")?,
                orig_price: coin.unsigned("OrigPrice")?,
                actual_price: coin.unsigned("ActualPrice")?,
                attach: coin.opt_string("Attach")?,
            },
        })
    }
}

impl XPayRefundEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(XPayRefundEvent {
            open_id: r.string("OpenId")?,
            wx_refund_id: r.string("WxRefundId")?,
            mch_refund_id: r.string("MchRefundId")?,
            wx_order_id: r.string("WxOrderId")?,
            mch_order_id: r.string("MchOrderId")?,
            refund_fee: r.unsigned("RefundFee")?,
            ret_code: r.signed("RetCode")?,
            ret_msg: r.opt_string("RetMsg")?,
            refund_start_timestamp: r.unsigned("RefundStartTimestamp")?,
            refund_succ_timestamp: r.opt_unsigned("RefundSuccTimestamp")?,
            wxpay_refund_transaction_id: r.opt_string("WxpayRefundTransactionId")?,
            retry_times: r.opt_unsigned("RetryTimes")?,
        })
    }
}

impl XPayAppleSubscribeSigningEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(XPayAppleSubscribeSigningEvent {
            open_id: r.string("OpenId")?,
            out_trade_no: r.string("OutTradeNo")?,
            env: r.unsigned("Env")?,
            product_id: r.string("ProductId")?,
            contract_result: r.signed("ContractResult")?,
            contract_result_msg: r.opt_string("ContractResultMsg")?,
            contract_id: r.opt_string("ContractId")?,
            attach: r.opt_string("Attach")?,
        })
    }
}

impl XPaySubscribeIosRefundQueryEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(XPaySubscribeIosRefundQueryEvent {
            refund_time: r.unsigned("refund_time")?,
            order_time: r.unsigned("order_time")?,
            channel_bill: r.string("channel_bill")?,
            product_id: r.string("product_id")?,
            p_count: r.unsigned("p_count")?,
            refund_request_reason: r.opt_string("refund_request_reason")?,
            provide_status: r.unsigned("provide_status")?,
            pay_order_id: r.string("pay_order_id")?,
        })
    }
}

#[cfg(test)]
#[path = "payment_test.rs"]
mod tests;
