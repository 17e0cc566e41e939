//! Mini-program commerce, logistics, live and guide events (virtual payment is in
//! `payment.rs`).
//!
//! Field names follow WeChat's exactly, and their case varies by family: logistics uses
//! PascalCase (`WayBillId`), shipping management, retail and live use snake_case
//! (`transaction_id`, `room_id`).
//!
//! `guide_invite_result_event` has a variant and a method of its own but no typed fields: no
//! peer models its payload and no real push has been published, so its fields stay in the
//! message's `raw` fields.

use super::super::error::MessageError;
use super::super::read::Reader;

/// `add_express_path`: a waybill's trace was updated.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpressPathEvent {
    /// `DeliveryID`: the delivery company's id.
    pub delivery_id: String,
    /// `WayBillId` (some senders spell it `WaybillId`): the waybill.
    pub waybill_id: String,
    /// `OrderId`: the order the waybill belongs to.
    pub order_id: String,
    /// `Version`: the trace's version, increasing with every update.
    pub version: u64,
    /// `Count`: the number of trace steps, as WeChat reports it.
    pub count: u32,
    /// `Actions`: the trace's steps, in order.
    pub actions: Vec<ExpressAction>,
}

/// `Actions`: one step of a waybill's trace.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpressAction {
    /// `ActionTime` (unix seconds): when the step happened.
    pub action_time: u64,
    /// `ActionType`: the step's kind, e.g. `100001` picked up, `300001` delivered.
    pub action_type: u32,
    /// `ActionMsg`: the step's description.
    pub action_msg: String,
    /// `Lat`: where the step happened, latitude.
    pub lat: Option<f64>,
    /// `Lng`: where the step happened, longitude.
    pub lng: Option<f64>,
}

/// `trade_manage_remind_access_api`: a reminder to integrate the shipping-information API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemindAccessApiEvent {
    /// `msg`: the reminder.
    pub msg: String,
}

/// `trade_manage_remind_shipping`: a reminder to upload an order's shipping information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemindShippingEvent {
    /// `transaction_id`: the WeChat Pay transaction.
    pub transaction_id: String,
    /// `merchant_id`: the merchant.
    pub merchant_id: String,
    /// `sub_merchant_id`: the sub-merchant, for service-provider payments.
    pub sub_merchant_id: Option<String>,
    /// `merchant_trade_no`: the merchant's order number.
    pub merchant_trade_no: String,
    /// `pay_time` (unix seconds): when the order was paid.
    pub pay_time: u64,
    /// `msg`: the reminder.
    pub msg: String,
}

/// `trade_manage_order_settlement`: an order was shipped, or confirmed received and settled.
/// WeChat pushes it twice per order: once shipped (with `estimated_settlement_time`), once
/// settled (with `confirm_receive_*` and `settlement_time`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSettlementEvent {
    /// `transaction_id`: the WeChat Pay transaction.
    pub transaction_id: String,
    /// `merchant_id`: the merchant.
    pub merchant_id: String,
    /// `sub_merchant_id`: the sub-merchant, for service-provider payments.
    pub sub_merchant_id: Option<String>,
    /// `merchant_trade_no`: the merchant's order number.
    pub merchant_trade_no: String,
    /// `pay_time` (unix seconds): when the order was paid.
    pub pay_time: u64,
    /// `shipped_time` (unix seconds): when the order was shipped.
    pub shipped_time: u64,
    /// `estimated_settlement_time` (unix seconds): when settlement is expected (shipped push).
    pub estimated_settlement_time: Option<u64>,
    /// `confirm_receive_method`: `1` confirmed automatically, `2` by the user (settled push).
    pub confirm_receive_method: Option<u32>,
    /// `confirm_receive_time` (unix seconds): when receipt was confirmed (settled push).
    pub confirm_receive_time: Option<u64>,
    /// `settlement_time` (unix seconds): when the order was settled (settled push).
    pub settlement_time: Option<u64>,
}

/// `retail_refund_notify`: the result of a refund in the retail (B2B store assistant) service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetailRefundEvent {
    /// `appid`: the mini program.
    pub appid: String,
    /// `mchid`: the merchant.
    pub mchid: String,
    /// `out_refund_no`: the merchant's refund number.
    pub out_refund_no: String,
    /// `refund_id`: WeChat's refund id.
    pub refund_id: Option<String>,
    /// `out_trade_no`: the merchant's order number.
    pub out_trade_no: String,
    /// `order_id`: WeChat's order id.
    pub order_id: String,
    /// `refund_amount`: the amount refunded, in cents.
    pub refund_amount: u64,
    /// `order_amount`: the order's amount, in cents.
    pub order_amount: u64,
    /// `refund_from`: who started the refund (`1`, `2` or `3`).
    pub refund_from: String,
    /// `refund_reason`: the refund's reason code.
    pub refund_reason: Option<String>,
    /// `create_time`: when the refund was created, `yyyy-MM-dd HH:mm:ss`.
    pub create_time: String,
    /// `refund_time`: when the refund finished, `yyyy-MM-dd HH:mm:ss`.
    pub refund_time: Option<String>,
    /// `refund_status`: `REFUND_SUCC` or `REFUND_FAIL`.
    pub refund_status: String,
    /// `wxpay_refund_id`: the WeChat Pay refund.
    pub wxpay_refund_id: Option<String>,
    /// `env`: `0` production, `1` sandbox.
    pub env: u32,
    /// `pay_channel`: the payment channel.
    pub pay_channel: u32,
    /// `refund_desc`: the refund's description.
    pub refund_desc: Option<String>,
}

/// `charge_service_quota_notify`: a paid service's quota is running out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeServiceQuotaEvent {
    /// `event_type`: the alarm's kind (always `3` so far).
    pub event_type: u32,
    /// `spu_id`: the service.
    pub spu_id: u64,
    /// `spu_name`: the service's name.
    pub spu_name: String,
    /// `total_quota`: the quota bought.
    pub total_quota: u64,
    /// `total_used_quota`: the quota used.
    pub total_used_quota: u64,
}

/// `open_product_order_pay`: an order of the custom trading component (自定义交易组件) was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenProductOrderPayEvent {
    /// `order_info`: the order.
    pub order_info: OpenProductOrderInfo,
}

/// `order_info`: a paid order of the custom trading component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenProductOrderInfo {
    /// `out_order_id`: the merchant's order id.
    pub out_order_id: String,
    /// `order_id`: WeChat's order id.
    pub order_id: String,
    /// `transaction_id`: the WeChat Pay transaction.
    pub transaction_id: String,
    /// `pay_time`: when the order was paid, `yyyy-MM-dd HH:mm:ss`.
    pub pay_time: String,
    /// `amount`: the amount paid, in cents.
    pub amount: u64,
    /// `sp_openid`: the buyer's openid under the service provider.
    pub sp_openid: Option<String>,
}

/// `wxalive_follow_notify`: a user followed or unfollowed a live room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFollowEvent {
    /// `FollowNotify` (the fields may also arrive without it): the follow.
    pub follow_notify: LiveFollowNotify,
}

/// `FollowNotify`: one follow of a live room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFollowNotify {
    /// `room_id`: the live room.
    pub room_id: u64,
    /// `user_openid`: the user.
    pub user_openid: String,
    /// `time` (unix seconds): when the user acted.
    pub time: u64,
    /// `live_status`: `101` live, `102` not started, `103` ended.
    pub live_status: u32,
    /// `action`: `add_follow` or `del_follow`.
    pub action: String,
}

/// `wxalive_push_message_notify`: the result of notifying a live room's followers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePushMessageEvent {
    /// `PushMessageApiNotify` (the fields may also arrive without it): the result.
    pub push_message_api_notify: LivePushMessageNotify,
}

/// `PushMessageApiNotify`: the delivery counts of one follower notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePushMessageNotify {
    /// `message_id`: the notification.
    pub message_id: String,
    /// `room_id`: the live room.
    pub room_id: u64,
    /// `total_count`: followers targeted.
    pub total_count: u64,
    /// `success_count`: notifications delivered.
    pub success_count: u64,
    /// `openid_error_count`: followers with an invalid openid.
    pub openid_error_count: u64,
    /// `relation_error_count`: followers no longer following.
    pub relation_error_count: u64,
    /// `user_recv_limit_count`: followers who reached their receive limit.
    pub user_recv_limit_count: u64,
    /// `internal_error_count`: failures inside WeChat.
    pub internal_error_count: u64,
}

/// The nested element `name`, or the top level itself when the fields arrive without it.
fn wrapped_or_flat<'a>(
    r: &Reader<'a>,
    name: &str,
    scope: &'static str,
) -> Result<Reader<'a>, MessageError> {
    if r.has(name) {
        r.node(name, scope)
    } else {
        Ok(*r)
    }
}

impl ExpressPathEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let waybill_id = match r.opt_string("WayBillId")? {
            Some(id) => id,
            None => r
                .opt_string("WaybillId")?
                .ok_or(MessageError::MissingField {
                    field: "WayBillId".to_owned(),
                })?,
        };
        let mut actions = Vec::new();
        for action in r.nodes("Actions", "Actions") {
            let action = action?;
            if action.is_empty() {
                continue;
            }
            actions.push(ExpressAction {
                action_time: action.unsigned("ActionTime")?,
                action_type: action.unsigned("ActionType")?,
                action_msg: action.string("ActionMsg")?,
                lat: action.opt_float("Lat")?,
                lng: action.opt_float("Lng")?,
            });
        }
        Ok(ExpressPathEvent {
            delivery_id: r.string("DeliveryID")?,
            waybill_id,
            order_id: r.string("OrderId")?,
            version: r.unsigned("Version")?,
            count: r.unsigned("Count")?,
            actions,
        })
    }
}

impl RemindAccessApiEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(RemindAccessApiEvent {
            msg: r.string("msg")?,
        })
    }
}

impl RemindShippingEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(RemindShippingEvent {
            transaction_id: r.string("transaction_id")?,
            merchant_id: r.string("merchant_id")?,
            sub_merchant_id: r.opt_string("sub_merchant_id")?,
            merchant_trade_no: r.string("merchant_trade_no")?,
            pay_time: r.unsigned("pay_time")?,
            msg: r.string("msg")?,
        })
    }
}

impl OrderSettlementEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(OrderSettlementEvent {
            transaction_id: r.string("transaction_id")?,
            merchant_id: r.string("merchant_id")?,
            sub_merchant_id: r.opt_string("sub_merchant_id")?,
            merchant_trade_no: r.string("merchant_trade_no")?,
            pay_time: r.unsigned("pay_time")?,
            shipped_time: r.unsigned("shipped_time")?,
            estimated_settlement_time: r.opt_unsigned("estimated_settlement_time")?,
            confirm_receive_method: r.opt_unsigned("confirm_receive_method")?,
            confirm_receive_time: r.opt_unsigned("confirm_receive_time")?,
            settlement_time: r.opt_unsigned("settlement_time")?,
        })
    }
}

impl RetailRefundEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(RetailRefundEvent {
            appid: r.string("appid")?,
            mchid: r.string("mchid")?,
            out_refund_no: r.string("out_refund_no")?,
            refund_id: r.opt_string("refund_id")?,
            out_trade_no: r.string("out_trade_no")?,
            order_id: r.string("order_id")?,
            refund_amount: r.unsigned("refund_amount")?,
            order_amount: r.unsigned("order_amount")?,
            refund_from: r.string("refund_from")?,
            refund_reason: r.opt_string("refund_reason")?,
            create_time: r.string("create_time")?,
            refund_time: r.opt_string("refund_time")?,
            refund_status: r.string("refund_status")?,
            wxpay_refund_id: r.opt_string("wxpay_refund_id")?,
            env: r.unsigned("env")?,
            pay_channel: r.unsigned("pay_channel")?,
            refund_desc: r.opt_string("refund_desc")?,
        })
    }
}

impl ChargeServiceQuotaEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(ChargeServiceQuotaEvent {
            event_type: r.unsigned("event_type")?,
            spu_id: r.unsigned("spu_id")?,
            spu_name: r.string("spu_name")?,
            total_quota: r.unsigned("total_quota")?,
            total_used_quota: r.unsigned("total_used_quota")?,
        })
    }
}

impl OpenProductOrderPayEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let info = r.node("order_info", "order_info")?;
        Ok(OpenProductOrderPayEvent {
            order_info: OpenProductOrderInfo {
                out_order_id: info.string("out_order_id")?,
                order_id: info.string("order_id")?,
                transaction_id: info.string("transaction_id")?,
                pay_time: info.string("pay_time")?,
                amount: info.unsigned("amount")?,
                sp_openid: info.opt_string("sp_openid")?,
            },
        })
    }
}

impl LiveFollowEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let n = wrapped_or_flat(r, "FollowNotify", "FollowNotify")?;
        Ok(LiveFollowEvent {
            follow_notify: LiveFollowNotify {
                room_id: n.unsigned("room_id")?,
                user_openid: n.string("user_openid")?,
                time: n.unsigned("time")?,
                live_status: n.unsigned("live_status")?,
                action: n.string("action")?,
            },
        })
    }
}

impl LivePushMessageEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let n = wrapped_or_flat(r, "PushMessageApiNotify", "PushMessageApiNotify")?;
        Ok(LivePushMessageEvent {
            push_message_api_notify: LivePushMessageNotify {
                message_id: n.string("message_id")?,
                room_id: n.unsigned("room_id")?,
                total_count: n.unsigned("total_count")?,
                success_count: n.unsigned("success_count")?,
                openid_error_count: n.unsigned("openid_error_count")?,
                relation_error_count: n.unsigned("relation_error_count")?,
                user_recv_limit_count: n.unsigned("user_recv_limit_count")?,
                internal_error_count: n.unsigned("internal_error_count")?,
            },
        })
    }
}

/// `guide_invite_result_event`: the result of inviting a user to a shopping guide (顾问). No
/// SDK models its fields and no real push has been published: read them from the message's
/// `raw` fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuideInviteResultEvent {}

impl GuideInviteResultEvent {
    /// Reads the payload: nothing typed (see the type's documentation).
    pub(crate) fn read(_: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(GuideInviteResultEvent {})
    }
}

#[cfg(test)]
#[path = "commerce_test.rs"]
mod tests;
