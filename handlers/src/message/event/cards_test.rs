use super::*;
use crate::test_util::xml;

// Official card samples put whitespace around CDATA (`<CardId> <![CDATA[x]]> </CardId>`). The
// decoder keeps text exactly as sent (see `src/wire/xml.rs`: "no trimming"), and so does
// `test_util::xml`, so those samples read with the spaces: the assertions below show what a
// handler sees today. Numbers tolerate the whitespace.

/// Wraps an event's own elements in the envelope of the official card samples.
fn card_push(event: &str, body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>\
         <CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[{event}]]></Event>{body}</xml>"
    )
}

// Source: official docs, Coupons_Vouchers_and_Cards_Event_Push_Messages
// (https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Coupons_Vouchers_and_Cards_Event_Push_Messages.html),
// as copied in fastwego/offiaccount type/type_event/type_card_event.go.
#[test]
fn card_not_pass_check() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[card_not_pass_check]]></Event><CardId><![CDATA[cardid]]></CardId><RefuseReason><![CDATA[非法代制]]></RefuseReason></xml>",
    );
    assert_eq!(
        CardCheckEvent::read(&Reader::top(&fields)).expect("valid"),
        CardCheckEvent {
            card_id: "cardid".to_owned(),
            refuse_reason: Some("非法代制".to_owned()),
        }
    );
}

// Source: the same official card_not_pass_check sample (the doc gives one sample for both
// events), with the pass event's name and without RefuseReason.
#[test]
fn card_pass_check() {
    let fields = xml(&card_push(
        "card_pass_check",
        "<CardId><![CDATA[cardid]]></CardId>",
    ));
    assert_eq!(
        CardCheckEvent::read(&Reader::top(&fields)).expect("valid"),
        CardCheckEvent {
            card_id: "cardid".to_owned(),
            refuse_reason: None,
        }
    );
}

// Source: official card event docs (see above), via fastwego type_card_event.go.
#[test]
fn user_get_card() {
    let fields = xml(
        "<xml><ToUserName> <![CDATA[gh_fc0a06a20993]]> </ToUserName><FromUserName> <![CDATA[oZI8Fj040-be6rlDohc6gkoPOQTQ]]> </FromUserName><CreateTime>1472551036</CreateTime><MsgType> <![CDATA[event]]> </MsgType><Event> <![CDATA[user_get_card]]> </Event><CardId> <![CDATA[pZI8Fjwsy5fVPRBeD78J4RmqVvBc]]> </CardId><IsGiveByFriend>0</IsGiveByFriend><UserCardCode> <![CDATA[226009850808]]> </UserCardCode><FriendUserName> <![CDATA[]]> </FriendUserName><OuterId>0</OuterId><OldUserCardCode> <![CDATA[]]> </OldUserCardCode><OuterStr> <![CDATA[12b]]> </OuterStr><IsRestoreMemberCard>0</IsRestoreMemberCard><IsRecommendByFriend>0</IsRecommendByFriend><UnionId>o6_bmasdasdsad6_2sgVt7hMZOPfL</UnionId></xml>",
    );
    assert_eq!(
        UserGetCardEvent::read(&Reader::top(&fields)).expect("valid"),
        UserGetCardEvent {
            card_id: "pZI8Fjwsy5fVPRBeD78J4RmqVvBc".to_owned(),
            is_give_by_friend: 0,
            user_card_code: "226009850808".to_owned(),
            friend_user_name: Some("".to_owned()),
            outer_id: Some(0),
            old_user_card_code: Some("".to_owned()),
            outer_str: Some("12b".to_owned()),
            is_restore_member_card: Some(0),
            is_recommend_by_friend: Some(0),
            union_id: Some("o6_bmasdasdsad6_2sgVt7hMZOPfL".to_owned()),
            source_scene: None,
        }
    );
}

// Source: a real push kept in a public repository's WXPayUtil.java, found by the code index
// (repository not named there): no OuterStr, and a SourceScene the docs do not list.
#[test]
fn user_get_card_real_push() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_b3ac48e83f7d]]></ToUserName>\n<FromUserName><![CDATA[oDqlM1T1RcLQuv48d0iVr0r1VpLQ]]></FromUserName>\n<CreateTime>1563090095</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[user_get_card]]></Event>\n<CardId><![CDATA[pDqlM1YsEzf5pU_DZzo8v63You64]]></CardId>\n<IsGiveByFriend>0</IsGiveByFriend>\n<UserCardCode><![CDATA[401838674686]]></UserCardCode>\n<FriendUserName><![CDATA[]]></FriendUserName>\n<OuterId>0</OuterId>\n<OldUserCardCode><![CDATA[]]></OldUserCardCode>\n<IsRestoreMemberCard>0</IsRestoreMemberCard>\n<IsRecommendByFriend>0</IsRecommendByFriend>\n<SourceScene><![CDATA[SOURCE_SCENE_APPMSG_JSAPI]]></SourceScene>\n<UnionId><![CDATA[oAAAAAOtb28yY2_C54hSN7gj6YpA]]></UnionId>\n</xml>",
    );
    assert_eq!(
        UserGetCardEvent::read(&Reader::top(&fields)).expect("valid"),
        UserGetCardEvent {
            card_id: "pDqlM1YsEzf5pU_DZzo8v63You64".to_owned(),
            is_give_by_friend: 0,
            user_card_code: "401838674686".to_owned(),
            friend_user_name: Some(String::new()),
            outer_id: Some(0),
            old_user_card_code: Some(String::new()),
            outer_str: None,
            is_restore_member_card: Some(0),
            is_recommend_by_friend: Some(0),
            union_id: Some("oAAAAAOtb28yY2_C54hSN7gj6YpA".to_owned()),
            source_scene: Some("SOURCE_SCENE_APPMSG_JSAPI".to_owned()),
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn user_gifting_card() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName><FromUserName><![CDATA[obLatjjwDolFjRRd3doGIdwNqRXw]]></FromUserName><CreateTime>1474181868</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_gifting_card]]></Event><CardId><![CDATA[pbLatjhU-3pik3d4PsbVzvBxZvJc]]></CardId><UserCardCode><![CDATA[297466945104]]></UserCardCode><IsReturnBack>0</IsReturnBack><FriendUserName><![CDATA[obLatjlNerkb62HtSdQUx66C4NTU]]></FriendUserName><IsChatRoom>0</IsChatRoom></xml>",
    );
    assert_eq!(
        UserGiftingCardEvent::read(&Reader::top(&fields)).expect("valid"),
        UserGiftingCardEvent {
            card_id: "pbLatjhU-3pik3d4PsbVzvBxZvJc".to_owned(),
            user_card_code: "297466945104".to_owned(),
            is_return_back: 0,
            friend_user_name: "obLatjlNerkb62HtSdQUx66C4NTU".to_owned(),
            is_chat_room: 0,
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go (the doc elides the
// envelope; it is the one of the doc's other samples).
#[test]
fn user_del_card() {
    let fields = xml(&card_push(
        "user_del_card",
        "<CardId><![CDATA[cardid]]></CardId><UserCardCode><![CDATA[12312312]]></UserCardCode>",
    ));
    assert_eq!(
        CardCodeEvent::read(&Reader::top(&fields)).expect("valid"),
        CardCodeEvent {
            card_id: "cardid".to_owned(),
            user_card_code: "12312312".to_owned(),
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn user_consume_card() {
    let fields = xml(
        "<xml><ToUserName> <![CDATA[gh_fc0a06a20993]]> </ToUserName><FromUserName> <![CDATA[oZI8Fj040-be6rlDohc6gkoPOQTQ]]> </FromUserName><CreateTime>1472549042</CreateTime><MsgType> <![CDATA[event]]> </MsgType><Event> <![CDATA[user_consume_card]]> </Event><CardId> <![CDATA[pZI8Fj8y-E8hpvho2d1ZvpGwQBvA]]> </CardId><UserCardCode> <![CDATA[452998530302]]> </UserCardCode><ConsumeSource> <![CDATA[FROM_API]]> </ConsumeSource><LocationName> <![CDATA[]]> </LocationName><StaffOpenId> <![CDATA[oZ********nJ3bPJu_Rtjkw4c]]> </StaffOpenId><VerifyCode> <![CDATA[]]> </VerifyCode><RemarkAmount> <![CDATA[]]> </RemarkAmount><OuterStr> <![CDATA[xxxxx]]> </OuterStr></xml>",
    );
    assert_eq!(
        UserConsumeCardEvent::read(&Reader::top(&fields)).expect("valid"),
        UserConsumeCardEvent {
            card_id: "pZI8Fj8y-E8hpvho2d1ZvpGwQBvA".to_owned(),
            user_card_code: "452998530302".to_owned(),
            consume_source: "FROM_API".to_owned(),
            location_name: Some("".to_owned()),
            staff_open_id: Some("oZ********nJ3bPJu_Rtjkw4c".to_owned()),
            verify_code: Some("".to_owned()),
            remark_amount: Some("".to_owned()),
            outer_str: Some("xxxxx".to_owned()),
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn user_pay_from_pay_cell() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_e2243xxxxxxx]]></ToUserName><FromUserName><![CDATA[oo2VNuOUuZGMxxxxxxxx]]></FromUserName><CreateTime>1442390947</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_pay_from_pay_cell]]></Event><CardId><![CDATA[po2VNuCuRo-8sxxxxxxxxxxx]]></CardId><UserCardCode><![CDATA[38050000000]]></UserCardCode><TransId><![CDATA[10022403432015000000000]]></TransId><LocationId>291710000</LocationId><Fee><![CDATA[10000]]></Fee><OriginalFee><![CDATA[10000]]> </OriginalFee></xml>",
    );
    assert_eq!(
        UserPayFromPayCellEvent::read(&Reader::top(&fields)).expect("valid"),
        UserPayFromPayCellEvent {
            card_id: "po2VNuCuRo-8sxxxxxxxxxxx".to_owned(),
            user_card_code: "38050000000".to_owned(),
            trans_id: "10022403432015000000000".to_owned(),
            location_id: "291710000".to_owned(),
            fee: 10000,
            original_fee: 10000,
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn user_view_card() {
    let fields = xml(
        "<xml><ToUserName> <![CDATA[gh_fcxxxx6a20993]]> </ToUserName><FromUserName> <![CDATA[oZI8Fj040-xxxxx6gkoPOQTQ]]> </FromUserName><CreateTime>1467811138</CreateTime><MsgType> <![CDATA[event]]> </MsgType><Event> <![CDATA[user_view_card]]> </Event><CardId> <![CDATA[pZI8Fj2ezBbxxxxxT2UbiiWLb7Bg]]> </CardId><UserCardCode> <![CDATA[4xxxxxxxx8558]]> </UserCardCode><OuterStr> <![CDATA[12b]]> </OuterStr></xml>",
    );
    assert_eq!(
        UserViewCardEvent::read(&Reader::top(&fields)).expect("valid"),
        UserViewCardEvent {
            card_id: "pZI8Fj2ezBbxxxxxT2UbiiWLb7Bg".to_owned(),
            user_card_code: "4xxxxxxxx8558".to_owned(),
            outer_str: Some("12b".to_owned()),
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go (envelope elided in the
// doc, as for user_del_card).
#[test]
fn user_enter_session_from_card() {
    let fields = xml(&card_push(
        "user_enter_session_from_card",
        "<CardId><![CDATA[cardid]]></CardId><UserCardCode><![CDATA[12312312]]></UserCardCode>",
    ));
    assert_eq!(
        CardCodeEvent::read(&Reader::top(&fields)).expect("valid"),
        CardCodeEvent {
            card_id: "cardid".to_owned(),
            user_card_code: "12312312".to_owned(),
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn update_member_card() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_9e1765b5568e]]></ToUserName><FromUserName><![CDATA[ojZ8YtyVyr30HheH3CM73y7h4jJE]]></FromUserName><CreateTime>1445507140</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[update_member_card]]></Event><CardId><![CDATA[pjZ8Ytx-nwvpCRyQneH3Ncmh6N94]]></CardId><UserCardCode><![CDATA[485027611252]]></UserCardCode><ModifyBonus>3</ModifyBonus><ModifyBalance>0</ModifyBalance></xml>",
    );
    assert_eq!(
        UpdateMemberCardEvent::read(&Reader::top(&fields)).expect("valid"),
        UpdateMemberCardEvent {
            card_id: "pjZ8Ytx-nwvpCRyQneH3Ncmh6N94".to_owned(),
            user_card_code: "485027611252".to_owned(),
            modify_bonus: 3,
            modify_balance: 0,
        }
    );
}

// Spending shows as a negative delta. Source: the official update_member_card sample above,
// with the deltas changed to a spend.
#[test]
fn update_member_card_with_negative_deltas() {
    let fields = xml(&card_push(
        "update_member_card",
        "<CardId><![CDATA[pjZ8Ytx-nwvpCRyQneH3Ncmh6N94]]></CardId><UserCardCode><![CDATA[485027611252]]></UserCardCode><ModifyBonus>-20</ModifyBonus><ModifyBalance>-150</ModifyBalance>",
    ));
    let event = UpdateMemberCardEvent::read(&Reader::top(&fields)).expect("valid");
    assert_eq!((event.modify_bonus, event.modify_balance), (-20, -150));
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn card_sku_remind() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_2d62d*****0]]></ToUserName><FromUserName><![CDATA[oa3LFuBvWb7*********]]></FromUserName><CreateTime>1443838506</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[card_sku_remind]]></Event><CardId><![CDATA[pa3LFuAh2P65**********]]></CardId><Detail><![CDATA[the card's quantity is equal to 0]]></Detail></xml>",
    );
    assert_eq!(
        CardSkuRemindEvent::read(&Reader::top(&fields)).expect("valid"),
        CardSkuRemindEvent {
            card_id: "pa3LFuAh2P65**********".to_owned(),
            detail: "the card's quantity is equal to 0".to_owned(),
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn card_pay_order() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_7223c83d4be5]]></ToUserName><FromUserName><![CDATA[ob5E7s-HoN9tslQY3-0I4qmgluHk]]></FromUserName><CreateTime>1453295737</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[card_pay_order]]></Event><OrderId><![CDATA[404091456]]></OrderId><Status><![CDATA[ORDER_STATUS_FINANCE_SUCC]]></Status><CreateOrderTime>1453295737</CreateOrderTime><PayFinishTime>0</PayFinishTime><Desc><![CDATA[]]></Desc><FreeCoinCount><![CDATA[200]]></FreeCoinCount><PayCoinCount><![CDATA[0]]></PayCoinCount><RefundFreeCoinCount><![CDATA[0]]></RefundFreeCoinCount><RefundPayCoinCount><![CDATA[0]]></RefundPayCoinCount><OrderType><![CDATA[ORDER_TYPE_SYS_ADD]]></OrderType><Memo><![CDATA[开通账户奖励]]></Memo><ReceiptInfo><![CDATA[]]></ReceiptInfo></xml>",
    );
    assert_eq!(
        CardPayOrderEvent::read(&Reader::top(&fields)).expect("valid"),
        CardPayOrderEvent {
            order_id: "404091456".to_owned(),
            status: "ORDER_STATUS_FINANCE_SUCC".to_owned(),
            create_order_time: 1_453_295_737,
            pay_finish_time: 0,
            desc: Some(String::new()),
            free_coin_count: 200,
            pay_coin_count: 0,
            refund_free_coin_count: 0,
            refund_pay_coin_count: 0,
            order_type: "ORDER_TYPE_SYS_ADD".to_owned(),
            memo: Some("开通账户奖励".to_owned()),
            receipt_info: Some(String::new()),
        }
    );
}

// Source: official card event docs, via fastwego type_card_event.go.
#[test]
fn submit_membercard_user_info() {
    let fields = xml(
        "<xml><ToUserName> <![CDATA[gh_3fcea188bf78]]></ToUserName><FromUserName><![CDATA[obLatjlaNQKb8FqOvt1M1x1lIBFE]]></FromUserName><CreateTime>1432668700</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[submit_membercard_user_info]]></Event><CardId><![CDATA[pbLatjtZ7v1BG_ZnTjbW85GYc_E8]]></CardId><UserCardCode><![CDATA[018255396048]]></UserCardCode></xml>",
    );
    assert_eq!(
        CardCodeEvent::read(&Reader::top(&fields)).expect("valid"),
        CardCodeEvent {
            card_id: "pbLatjtZ7v1BG_ZnTjbW85GYc_E8".to_owned(),
            user_card_code: "018255396048".to_owned(),
        }
    );
}

// No published sample; fields from WxJava WxMpEventConstants.Card / WxMpXmlMessage, Senparc
// GiftCard/RequestMessageEvent_GiftCard_Pay_Done and chanxuehong GiftCardPayDoneEvent (old wiki
// https://mp.weixin.qq.com/wiki?t=resource/res_main&id=215143440770UT7Y).
#[test]
fn giftcard_pay_done() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName><FromUserName><![CDATA[obLatjjwDolFjRRd3doGIdwNqRXw]]></FromUserName><CreateTime>1509442565</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[giftcard_pay_done]]></Event><PageId><![CDATA[abcedfghijk]]></PageId><OrderId><![CDATA[Z2y2rY74ksZX1ceuGbMuGtqs1YgH]]></OrderId></xml>",
    );
    assert_eq!(
        GiftCardPayDoneEvent::read(&Reader::top(&fields)).expect("valid"),
        GiftCardPayDoneEvent {
            page_id: "abcedfghijk".to_owned(),
            order_id: "Z2y2rY74ksZX1ceuGbMuGtqs1YgH".to_owned(),
        }
    );
}

// No published sample; fields from WxJava WxMpXmlMessage and Senparc
// GiftCard/RequestMessageEvent_GiftCard_Send_To_Friend (IsChatRoom/IsReturnBack are `true` or
// `false`).
#[test]
fn giftcard_send_to_friend() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName><FromUserName><![CDATA[obLatjjwDolFjRRd3doGIdwNqRXw]]></FromUserName><CreateTime>1509442600</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[giftcard_send_to_friend]]></Event><PageId><![CDATA[abcedfghijk]]></PageId><OrderId><![CDATA[Z2y2rY74ksZX1ceuGbMuGtqs1YgH]]></OrderId><IsReturnBack><![CDATA[false]]></IsReturnBack><IsChatRoom><![CDATA[true]]></IsChatRoom></xml>",
    );
    assert_eq!(
        GiftCardSendToFriendEvent::read(&Reader::top(&fields)).expect("valid"),
        GiftCardSendToFriendEvent {
            page_id: "abcedfghijk".to_owned(),
            order_id: "Z2y2rY74ksZX1ceuGbMuGtqs1YgH".to_owned(),
            is_chat_room: Some("true".to_owned()),
            is_return_back: Some("false".to_owned()),
        }
    );
}

// No published sample; fields from WxJava WxMpXmlMessage, Senparc
// GiftCard/RequestMessageEvent_GiftCard_User_Accept and chanxuehong GiftCardUserAcceptEvent.
#[test]
fn giftcard_user_accept() {
    let fields = xml(
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName><FromUserName><![CDATA[obLatjlNerkb62HtSdQUx66C4NTU]]></FromUserName><CreateTime>1509442700</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[giftcard_user_accept]]></Event><PageId><![CDATA[abcedfghijk]]></PageId><OrderId><![CDATA[Z2y2rY74ksZX1ceuGbMuGtqs1YgH]]></OrderId><IsChatRoom><![CDATA[false]]></IsChatRoom></xml>",
    );
    assert_eq!(
        GiftCardUserAcceptEvent::read(&Reader::top(&fields)).expect("valid"),
        GiftCardUserAcceptEvent {
            page_id: "abcedfghijk".to_owned(),
            order_id: "Z2y2rY74ksZX1ceuGbMuGtqs1YgH".to_owned(),
            is_chat_room: Some("false".to_owned()),
        }
    );
}

#[test]
fn pushes_missing_every_optional_field_still_parse() {
    let get = xml(&card_push(
        "user_get_card",
        "<CardId><![CDATA[c]]></CardId><IsGiveByFriend>0</IsGiveByFriend><UserCardCode><![CDATA[1]]></UserCardCode>",
    ));
    let get = UserGetCardEvent::read(&Reader::top(&get)).expect("valid");
    assert_eq!(
        (
            get.friend_user_name,
            get.outer_id,
            get.old_user_card_code,
            get.outer_str,
            get.is_restore_member_card,
            get.is_recommend_by_friend,
            get.union_id,
            get.source_scene,
        ),
        (None, None, None, None, None, None, None, None)
    );

    // Blank optional numbers read as absent.
    let blank = xml(&card_push(
        "user_get_card",
        "<CardId><![CDATA[c]]></CardId><IsGiveByFriend>0</IsGiveByFriend><UserCardCode><![CDATA[1]]></UserCardCode><OuterId></OuterId><IsRestoreMemberCard> </IsRestoreMemberCard>",
    ));
    let blank = UserGetCardEvent::read(&Reader::top(&blank)).expect("valid");
    assert_eq!((blank.outer_id, blank.is_restore_member_card), (None, None));

    let consume = xml(&card_push(
        "user_consume_card",
        "<CardId><![CDATA[c]]></CardId><UserCardCode><![CDATA[1]]></UserCardCode><ConsumeSource><![CDATA[FROM_MP]]></ConsumeSource>",
    ));
    assert_eq!(
        UserConsumeCardEvent::read(&Reader::top(&consume)).expect("valid"),
        UserConsumeCardEvent {
            card_id: "c".to_owned(),
            user_card_code: "1".to_owned(),
            consume_source: "FROM_MP".to_owned(),
            location_name: None,
            staff_open_id: None,
            verify_code: None,
            remark_amount: None,
            outer_str: None,
        }
    );

    let view = xml(&card_push(
        "user_view_card",
        "<CardId><![CDATA[c]]></CardId><UserCardCode><![CDATA[1]]></UserCardCode>",
    ));
    assert_eq!(
        UserViewCardEvent::read(&Reader::top(&view))
            .expect("valid")
            .outer_str,
        None
    );

    let order = xml(&card_push(
        "card_pay_order",
        "<OrderId><![CDATA[1]]></OrderId><Status><![CDATA[ORDER_STATUS_WAITING]]></Status><CreateOrderTime>1</CreateOrderTime><PayFinishTime>0</PayFinishTime><FreeCoinCount>0</FreeCoinCount><PayCoinCount>0</PayCoinCount><RefundFreeCoinCount>0</RefundFreeCoinCount><RefundPayCoinCount>0</RefundPayCoinCount><OrderType><![CDATA[ORDER_TYPE_WXPAY]]></OrderType>",
    ));
    let order = CardPayOrderEvent::read(&Reader::top(&order)).expect("valid");
    assert_eq!(
        (order.desc, order.memo, order.receipt_info),
        (None, None, None)
    );

    let send = xml(&card_push(
        "giftcard_send_to_friend",
        "<PageId><![CDATA[p]]></PageId><OrderId><![CDATA[o]]></OrderId>",
    ));
    let send = GiftCardSendToFriendEvent::read(&Reader::top(&send)).expect("valid");
    assert_eq!((send.is_chat_room, send.is_return_back), (None, None));

    let accept = xml(&card_push(
        "giftcard_user_accept",
        "<PageId><![CDATA[p]]></PageId><OrderId><![CDATA[o]]></OrderId>",
    ));
    assert_eq!(
        GiftCardUserAcceptEvent::read(&Reader::top(&accept))
            .expect("valid")
            .is_chat_room,
        None
    );

    let pass = xml(&card_push(
        "card_pass_check",
        "<CardId><![CDATA[c]]></CardId>",
    ));
    assert_eq!(
        CardCheckEvent::read(&Reader::top(&pass))
            .expect("valid")
            .refuse_reason,
        None
    );
}

#[test]
fn a_missing_required_field_names_it() {
    let fields = xml(&card_push(
        "user_del_card",
        "<CardId><![CDATA[c]]></CardId>",
    ));
    let error = CardCodeEvent::read(&Reader::top(&fields)).expect_err("must fail");
    assert_eq!(error.field(), "UserCardCode");
}
