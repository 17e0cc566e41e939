//! Cards and gift cards.
//!
//! Card (卡券) events reach official accounts as XML only. WeChat's card samples pad their CDATA
//! sections with whitespace; the gateway's decoder drops that padding (it is formatting) and
//! keeps each section's content exactly; numbers tolerate surrounding whitespace.

use crate::message::error::MessageError;
use crate::message::read::Reader;

/// `card_pass_check` and `card_not_pass_check`: WeChat's review of a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCheckEvent {
    /// `CardId`: the card reviewed.
    pub card_id: String,
    /// `RefuseReason`: why the card was refused; sent with `card_not_pass_check` (the official
    /// sample shows it on a pass too).
    pub refuse_reason: Option<String>,
}

/// `user_get_card`: a user received (claimed) a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGetCardEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `IsGiveByFriend`: `1` when a friend gave the card, `0` otherwise.
    pub is_give_by_friend: u32,
    /// `UserCardCode`: the code of the user's card.
    pub user_card_code: String,
    /// `FriendUserName`: the giver's openid for a gift; empty otherwise.
    pub friend_user_name: Option<String>,
    /// `OuterId`: the legacy scene value set when the card was handed out.
    pub outer_id: Option<i64>,
    /// `OldUserCardCode`: the giver's code for a gift; empty otherwise.
    pub old_user_card_code: Option<String>,
    /// `OuterStr`: the scene string set on the claim link or QR code; absent when a member card
    /// is restored.
    pub outer_str: Option<String>,
    /// `IsRestoreMemberCard`: `1` when a deleted member card was restored.
    pub is_restore_member_card: Option<u32>,
    /// `IsRecommendByFriend`: `1` when a friend recommended the card.
    pub is_recommend_by_friend: Option<u32>,
    /// `UnionId`: the user's unionid, when the account is bound to an open platform account.
    pub union_id: Option<String>,
    /// `SourceScene`: where the card was claimed, e.g. `SOURCE_SCENE_APPMSG_JSAPI` (seen in real
    /// pushes, not in the docs).
    pub source_scene: Option<String>,
}

/// `user_gifting_card`: a user gave a card to a friend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGiftingCardEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `UserCardCode`: the code of the card given.
    pub user_card_code: String,
    /// `IsReturnBack`: `1` when the card came back to the giver (not claimed in time).
    pub is_return_back: u32,
    /// `FriendUserName`: the receiver's openid.
    pub friend_user_name: String,
    /// `IsChatRoom`: `1` when the card was given in a group chat.
    pub is_chat_room: u32,
}

/// An event naming one user's card and nothing else: `user_del_card`,
/// `user_enter_session_from_card` and `submit_membercard_user_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCodeEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `UserCardCode`: the code of the user's card.
    pub user_card_code: String,
}

/// `user_consume_card`: a card was redeemed (consumed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserConsumeCardEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `UserCardCode`: the code redeemed.
    pub user_card_code: String,
    /// `ConsumeSource`: how: `FROM_API`, `FROM_MP`, `FROM_MOBILE_HELPER`, ...
    pub consume_source: String,
    /// `LocationName`: the store's name, often empty.
    pub location_name: Option<String>,
    /// `StaffOpenId`: the openid of the staff member who redeemed it.
    pub staff_open_id: Option<String>,
    /// `VerifyCode`: the verification code the user entered, when self-redeemed.
    pub verify_code: Option<String>,
    /// `RemarkAmount`: the amount the user entered, when self-redeemed.
    pub remark_amount: Option<String>,
    /// `OuterStr`: the scene string of the card.
    pub outer_str: Option<String>,
}

/// `user_pay_from_pay_cell`: a user paid through a card's pay cell (买单).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPayFromPayCellEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `UserCardCode`: the code of the user's card.
    pub user_card_code: String,
    /// `TransId`: the WeChat Pay transaction id.
    pub trans_id: String,
    /// `LocationId`: the store's POI id.
    pub location_id: String,
    /// `Fee`: the amount paid, in cents.
    pub fee: u64,
    /// `OriginalFee`: the amount before discount, in cents.
    pub original_fee: u64,
}

/// `user_view_card`: a user opened a member card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserViewCardEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `UserCardCode`: the code of the user's card.
    pub user_card_code: String,
    /// `OuterStr`: the scene string of the entry point.
    pub outer_str: Option<String>,
}

/// `update_member_card`: a member card's bonus points or balance changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateMemberCardEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `UserCardCode`: the code of the user's card.
    pub user_card_code: String,
    /// `ModifyBonus`: the change of bonus points (negative when spent).
    pub modify_bonus: i64,
    /// `ModifyBalance`: the change of balance (negative when spent).
    pub modify_balance: i64,
}

/// `card_sku_remind`: a card's stock ran low.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSkuRemindEvent {
    /// `CardId`: the card.
    pub card_id: String,
    /// `Detail`: WeChat's description of the alarm.
    pub detail: String,
}

/// `card_pay_order`: a coupon-point (券点) order changed status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPayOrderEvent {
    /// `OrderId`: the order.
    pub order_id: String,
    /// `Status`: `ORDER_STATUS_WAITING`, `ORDER_STATUS_SUCC`, `ORDER_STATUS_FINANCE_SUCC`, ...
    pub status: String,
    /// `CreateOrderTime`: when the order was created, seconds since the Unix epoch.
    pub create_order_time: u64,
    /// `PayFinishTime`: when it was paid, seconds since the Unix epoch; `0` when unpaid.
    pub pay_finish_time: u64,
    /// `Desc`: the order's description.
    pub desc: Option<String>,
    /// `FreeCoinCount`: free coupon points in the order.
    pub free_coin_count: u64,
    /// `PayCoinCount`: paid coupon points in the order.
    pub pay_coin_count: u64,
    /// `RefundFreeCoinCount`: free coupon points refunded.
    pub refund_free_coin_count: u64,
    /// `RefundPayCoinCount`: paid coupon points refunded.
    pub refund_pay_coin_count: u64,
    /// `OrderType`: `ORDER_TYPE_SYS_ADD`, `ORDER_TYPE_WXPAY`, `ORDER_TYPE_REFUND`, ...
    pub order_type: String,
    /// `Memo`: a note on the order.
    pub memo: Option<String>,
    /// `ReceiptInfo`: the invoice information of the order.
    pub receipt_info: Option<String>,
}

/// `giftcard_pay_done`: a gift card purchase was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftCardPayDoneEvent {
    /// `PageId`: the gift card shelf (page) the purchase came from.
    pub page_id: String,
    /// `OrderId`: the gift card order.
    pub order_id: String,
}

/// `giftcard_send_to_friend`: a purchased gift card was sent to a friend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftCardSendToFriendEvent {
    /// `PageId`: the gift card shelf (page).
    pub page_id: String,
    /// `OrderId`: the gift card order.
    pub order_id: String,
    /// `IsChatRoom`: `true` when sent in a group chat (boolean text, not `0`/`1`).
    pub is_chat_room: Option<String>,
    /// `IsReturnBack`: `true` when the gift came back to the buyer, unclaimed after 24 hours.
    pub is_return_back: Option<String>,
}

/// `giftcard_user_accept`: a friend accepted a gift card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftCardUserAcceptEvent {
    /// `PageId`: the gift card shelf (page).
    pub page_id: String,
    /// `OrderId`: the gift card order.
    pub order_id: String,
    /// `IsChatRoom`: `true` when the gift was sent in a group chat.
    pub is_chat_room: Option<String>,
}

impl CardCheckEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(CardCheckEvent {
            card_id: r.string("CardId")?,
            refuse_reason: r.opt_string("RefuseReason")?,
        })
    }
}

impl UserGetCardEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserGetCardEvent {
            card_id: r.string("CardId")?,
            is_give_by_friend: r.unsigned("IsGiveByFriend")?,
            user_card_code: r.string("UserCardCode")?,
            friend_user_name: r.opt_string("FriendUserName")?,
            outer_id: r.opt_signed("OuterId")?,
            old_user_card_code: r.opt_string("OldUserCardCode")?,
            outer_str: r.opt_string("OuterStr")?,
            is_restore_member_card: r.opt_unsigned("IsRestoreMemberCard")?,
            is_recommend_by_friend: r.opt_unsigned("IsRecommendByFriend")?,
            union_id: r.opt_string("UnionId")?,
            source_scene: r.opt_string("SourceScene")?,
        })
    }
}

impl UserGiftingCardEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserGiftingCardEvent {
            card_id: r.string("CardId")?,
            user_card_code: r.string("UserCardCode")?,
            is_return_back: r.unsigned("IsReturnBack")?,
            friend_user_name: r.string("FriendUserName")?,
            is_chat_room: r.unsigned("IsChatRoom")?,
        })
    }
}

impl CardCodeEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(CardCodeEvent {
            card_id: r.string("CardId")?,
            user_card_code: r.string("UserCardCode")?,
        })
    }
}

impl UserConsumeCardEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserConsumeCardEvent {
            card_id: r.string("CardId")?,
            user_card_code: r.string("UserCardCode")?,
            consume_source: r.string("ConsumeSource")?,
            location_name: r.opt_string("LocationName")?,
            staff_open_id: r.opt_string("StaffOpenId")?,
            verify_code: r.opt_string("VerifyCode")?,
            remark_amount: r.opt_string("RemarkAmount")?,
            outer_str: r.opt_string("OuterStr")?,
        })
    }
}

impl UserPayFromPayCellEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserPayFromPayCellEvent {
            card_id: r.string("CardId")?,
            user_card_code: r.string("UserCardCode")?,
            trans_id: r.string("TransId")?,
            location_id: r.string("LocationId")?,
            fee: r.unsigned("Fee")?,
            original_fee: r.unsigned("OriginalFee")?,
        })
    }
}

impl UserViewCardEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserViewCardEvent {
            card_id: r.string("CardId")?,
            user_card_code: r.string("UserCardCode")?,
            outer_str: r.opt_string("OuterStr")?,
        })
    }
}

impl UpdateMemberCardEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UpdateMemberCardEvent {
            card_id: r.string("CardId")?,
            user_card_code: r.string("UserCardCode")?,
            modify_bonus: r.signed("ModifyBonus")?,
            modify_balance: r.signed("ModifyBalance")?,
        })
    }
}

impl CardSkuRemindEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(CardSkuRemindEvent {
            card_id: r.string("CardId")?,
            detail: r.string("Detail")?,
        })
    }
}

impl CardPayOrderEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(CardPayOrderEvent {
            order_id: r.string("OrderId")?,
            status: r.string("Status")?,
            create_order_time: r.unsigned("CreateOrderTime")?,
            pay_finish_time: r.unsigned("PayFinishTime")?,
            desc: r.opt_string("Desc")?,
            free_coin_count: r.unsigned("FreeCoinCount")?,
            pay_coin_count: r.unsigned("PayCoinCount")?,
            refund_free_coin_count: r.unsigned("RefundFreeCoinCount")?,
            refund_pay_coin_count: r.unsigned("RefundPayCoinCount")?,
            order_type: r.string("OrderType")?,
            memo: r.opt_string("Memo")?,
            receipt_info: r.opt_string("ReceiptInfo")?,
        })
    }
}

impl GiftCardPayDoneEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(GiftCardPayDoneEvent {
            page_id: r.string("PageId")?,
            order_id: r.string("OrderId")?,
        })
    }
}

impl GiftCardSendToFriendEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(GiftCardSendToFriendEvent {
            page_id: r.string("PageId")?,
            order_id: r.string("OrderId")?,
            is_chat_room: r.opt_string("IsChatRoom")?,
            is_return_back: r.opt_string("IsReturnBack")?,
        })
    }
}

impl GiftCardUserAcceptEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(GiftCardUserAcceptEvent {
            page_id: r.string("PageId")?,
            order_id: r.string("OrderId")?,
            is_chat_room: r.opt_string("IsChatRoom")?,
        })
    }
}

#[cfg(test)]
#[path = "cards_test.rs"]
mod tests;
