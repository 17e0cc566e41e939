//! The catalogue: every event this crate types, one line each. Everything else about an event
//! — the [`Event`](super::Event) variant, its wire name, its parse, its dedup id fields, its
//! [`Handler`](crate::Handler) method, its dispatch arm and its closure constructors — is
//! generated from this list (see `mod.rs`, `handler.rs`, `registry.rs`, `func.rs`). Adding an
//! event is a line here, its payload type in its family's file, and a fixture in
//! `handlers/fixtures/events/`.

/// Calls `$callback!` with the catalogue: every typed event, in the order the [`Event`] enum
/// lists them, each as
///
/// ```text
/// /// doc
/// "WireName" => Variant(PayloadType), on_event_method;
/// "WireName" => Variant(PayloadType), on_event_method, id ["Field", "Nested.field"];
/// ```
///
/// `id` names the fields that tell two distinct pushes of the event apart when it carries no
/// `MsgId` (see [`Event::id_fields`]).
///
/// The enum, its parse table and names, the [`Handler`](crate::Handler) methods and the
/// dispatch are all generated from this one list.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_event {
    ($callback:ident) => {
        $callback! {
            /// `subscribe`: the user followed the account, possibly by scanning a parametric QR code.
            "subscribe" => Subscribe(SubscribeEvent), on_event_subscribe;
            /// `unsubscribe`: the user unfollowed the account.
            "unsubscribe" => Unsubscribe(UnsubscribeEvent), on_event_unsubscribe;
            /// `SCAN`: a follower scanned a parametric QR code.
            "SCAN" => Scan(ScanEvent), on_event_scan;
            /// `LOCATION`: the periodic location report, when the account enabled it.
            "LOCATION" => Location(LocationEvent), on_event_location;
            /// `CLICK`: a `click` menu button.
            "CLICK" => Click(ClickEvent), on_event_click;
            /// `VIEW`: a `view` (link) menu button.
            "VIEW" => View(ViewEvent), on_event_view;
            /// `scancode_push`: a scan-code menu button; WeChat shows the result itself.
            "scancode_push" => ScancodePush(ScanCodeEvent), on_event_scancode_push;
            /// `scancode_waitmsg`: a scan-code menu button waiting for the account's reply.
            "scancode_waitmsg" => ScancodeWaitmsg(ScanCodeEvent), on_event_scancode_waitmsg;
            /// `pic_sysphoto`: a take-a-photo menu button.
            "pic_sysphoto" => PicSysphoto(PicEvent), on_event_pic_sysphoto;
            /// `pic_photo_or_album`: a photo-or-album menu button.
            "pic_photo_or_album" => PicPhotoOrAlbum(PicEvent), on_event_pic_photo_or_album;
            /// `pic_weixin`: a WeChat-album menu button.
            "pic_weixin" => PicWeixin(PicEvent), on_event_pic_weixin;
            /// `location_select`: a send-location menu button.
            "location_select" => LocationSelect(LocationSelectEvent), on_event_location_select;
            /// `view_miniprogram`: a menu button opening a mini program page.
            "view_miniprogram" => ViewMiniprogram(ViewMiniProgramEvent), on_event_view_miniprogram;
            /// `TEMPLATESENDJOBFINISH`: the delivery report of a template message.
            "TEMPLATESENDJOBFINISH" => TemplateSendJobFinish(TemplateSendJobFinishEvent), on_event_template_send_job_finish;
            /// `MASSSENDJOBFINISH`: the delivery report of a mass send.
            "MASSSENDJOBFINISH" => MassSendJobFinish(MassSendJobFinishEvent), on_event_mass_send_job_finish;
            /// `subscribe_msg_popup_event`: the user answered a subscribe-message prompt.
            "subscribe_msg_popup_event" => SubscribeMsgPopup(SubscribeMsgPopupEvent), on_event_subscribe_msg_popup;
            /// `subscribe_msg_change_event`: the user changed subscribe-message settings.
            "subscribe_msg_change_event" => SubscribeMsgChange(SubscribeMsgChangeEvent), on_event_subscribe_msg_change;
            /// `subscribe_msg_sent_event`: the delivery report of a subscribe message.
            "subscribe_msg_sent_event" => SubscribeMsgSent(SubscribeMsgSentEvent), on_event_subscribe_msg_sent;
            /// `kf_create_session`: a customer-service agent took the conversation.
            "kf_create_session" => KfCreateSession(KfSessionEvent), on_event_kf_create_session;
            /// `kf_close_session`: a customer-service agent closed the conversation.
            "kf_close_session" => KfCloseSession(KfSessionEvent), on_event_kf_close_session;
            /// `kf_switch_session`: the conversation moved to another customer-service agent.
            "kf_switch_session" => KfSwitchSession(KfSwitchSessionEvent), on_event_kf_switch_session;
            /// `user_enter_tempsession`: the user opened a mini program's customer-service conversation.
            "user_enter_tempsession" => UserEnterTempSession(UserEnterTempSessionEvent), on_event_user_enter_tempsession;
            /// `PUBLISHJOBFINISH`: the result of a publish job.
            "PUBLISHJOBFINISH" => PublishJobFinish(PublishJobFinishEvent), on_event_publish_job_finish, id ["PublishEventInfo.publish_id"];
            /// `wxa_media_check`: the result of an asynchronous media security check (payload v1 or v2).
            "wxa_media_check" => WxaMediaCheck(MediaCheckEvent), on_event_wxa_media_check, id ["trace_id"];
            /// `secvod_upload_event`: a mini-drama media upload finished.
            "secvod_upload_event" => SecvodUpload(SecVodUploadEvent), on_event_secvod_upload, id ["upload_event.media_id"];
            /// `secvod_audit_event`: a mini-drama review changed status.
            "secvod_audit_event" => SecvodAudit(SecVodAuditEvent), on_event_secvod_audit, id ["audit_event.drama_id", "audit_event.audit_detail.audit_time"];
            /// `qualification_verify_success`: the account's qualification verification passed.
            "qualification_verify_success" => QualificationVerifySuccess(VerifyExpiryEvent), on_event_qualification_verify_success;
            /// `qualification_verify_fail`: the account's qualification verification failed.
            "qualification_verify_fail" => QualificationVerifyFail(VerifyFailEvent), on_event_qualification_verify_fail;
            /// `naming_verify_success`: the account's naming verification passed.
            "naming_verify_success" => NamingVerifySuccess(VerifyExpiryEvent), on_event_naming_verify_success;
            /// `naming_verify_fail`: the account's naming verification failed.
            "naming_verify_fail" => NamingVerifyFail(VerifyFailEvent), on_event_naming_verify_fail;
            /// `annual_renew`: the account's verification must be renewed.
            "annual_renew" => AnnualRenew(VerifyExpiryEvent), on_event_annual_renew;
            /// `verify_expired`: the account's verification expired.
            "verify_expired" => VerifyExpired(VerifyExpiryEvent), on_event_verify_expired;
            /// `weapp_audit_success`: the mini program's code passed review.
            "weapp_audit_success" => WeappAuditSuccess(WeappAuditSuccessEvent), on_event_weapp_audit_success;
            /// `weapp_audit_fail`: the mini program's code failed review.
            "weapp_audit_fail" => WeappAuditFail(WeappAuditFailEvent), on_event_weapp_audit_fail;
            /// `weapp_audit_delay`: the mini program's code review is delayed.
            "weapp_audit_delay" => WeappAuditDelay(WeappAuditDelayEvent), on_event_weapp_audit_delay;
            /// `wxa_nickname_audit`: the review of the mini program's name change.
            "wxa_nickname_audit" => WxaNicknameAudit(NicknameAuditEvent), on_event_wxa_nickname_audit;
            /// `wxa_illegal_record`: a violation was recorded against the mini program.
            "wxa_illegal_record" => WxaIllegalRecord(IllegalRecordEvent), on_event_wxa_illegal_record, id ["illegal_record_id"];
            /// `wxa_appeal_record`: an appeal against a violation record changed status.
            "wxa_appeal_record" => WxaAppealRecord(AppealRecordEvent), on_event_wxa_appeal_record, id ["appeal_record_id", "appeal_status"];
            /// `wxa_privacy_apply`: the review of an application for a privacy API.
            "wxa_privacy_apply" => WxaPrivacyApply(PrivacyApplyEvent), on_event_wxa_privacy_apply, id ["result_info.audit_id"];
            /// `wxa_category_audit`: the review of a category added to the mini program.
            "wxa_category_audit" => WxaCategoryAudit(CategoryAuditEvent), on_event_wxa_category_audit;
            /// `wx_verify_pay_succ`: the mini program's verification fee was paid.
            "wx_verify_pay_succ" => WxVerifyPaySucc(WxVerifyPaySuccEvent), on_event_wx_verify_pay_succ, id ["OrderId"];
            /// `wx_verify_dispatch`: the verification order was dispatched to an auditing agency.
            "wx_verify_dispatch" => WxVerifyDispatch(WxVerifyDispatchEvent), on_event_wx_verify_dispatch;
            /// `user_info_modified`: an authorized user changed their information.
            "user_info_modified" => UserInfoModified(AuthorizedUserEvent), on_event_user_info_modified;
            /// `user_authorization_revoke`: an authorized user revoked an authorization.
            "user_authorization_revoke" => UserAuthorizationRevoke(AuthorizedUserEvent), on_event_user_authorization_revoke;
            /// `user_authorization_cancellation`: an authorized user closed their account.
            "user_authorization_cancellation" => UserAuthorizationCancellation(AuthorizedUserEvent), on_event_user_authorization_cancellation;
            /// `add_express_path`: a waybill's trace was updated.
            "add_express_path" => AddExpressPath(ExpressPathEvent), on_event_add_express_path, id ["WayBillId", "Version"];
            /// `trade_manage_remind_access_api`: a reminder to integrate the shipping-information API.
            "trade_manage_remind_access_api" => TradeManageRemindAccessApi(RemindAccessApiEvent), on_event_trade_manage_remind_access_api;
            /// `trade_manage_remind_shipping`: a reminder to upload an order's shipping information.
            "trade_manage_remind_shipping" => TradeManageRemindShipping(RemindShippingEvent), on_event_trade_manage_remind_shipping;
            /// `trade_manage_order_settlement`: an order was shipped, or confirmed received and settled.
            "trade_manage_order_settlement" => TradeManageOrderSettlement(OrderSettlementEvent), on_event_trade_manage_order_settlement, id ["transaction_id", "settlement_time"];
            /// `xpay_goods_deliver_notify`: an item bought through virtual payment must be delivered.
            "xpay_goods_deliver_notify" => XpayGoodsDeliverNotify(XPayGoodsDeliverEvent), on_event_xpay_goods_deliver_notify, id ["OutTradeNo"];
            /// `xpay_coin_pay_notify`: tokens bought through virtual payment were paid.
            "xpay_coin_pay_notify" => XpayCoinPayNotify(XPayCoinPayEvent), on_event_xpay_coin_pay_notify, id ["OutTradeNo"];
            /// `xpay_refund_notify`: the result of a virtual-payment refund.
            "xpay_refund_notify" => XpayRefundNotify(XPayRefundEvent), on_event_xpay_refund_notify, id ["MchRefundId"];
            /// `xpay_apple_subscribe_signing_result_notify`: the result of signing an iOS subscription.
            "xpay_apple_subscribe_signing_result_notify" => XpayAppleSubscribeSigningResultNotify(XPayAppleSubscribeSigningEvent), on_event_xpay_apple_subscribe_signing_result_notify, id ["OutTradeNo"];
            /// `xpay_subscribe_ios_refund_query_notify`: Apple asks whether an iOS subscription order may be refunded.
            "xpay_subscribe_ios_refund_query_notify" => XpaySubscribeIosRefundQueryNotify(XPaySubscribeIosRefundQueryEvent), on_event_xpay_subscribe_ios_refund_query_notify, id ["pay_order_id", "refund_time"];
            /// `retail_refund_notify`: the result of a retail (store assistant) refund.
            "retail_refund_notify" => RetailRefundNotify(RetailRefundEvent), on_event_retail_refund_notify, id ["out_refund_no"];
            /// `charge_service_quota_notify`: a paid service's quota is running out.
            "charge_service_quota_notify" => ChargeServiceQuotaNotify(ChargeServiceQuotaEvent), on_event_charge_service_quota_notify;
            /// `open_product_order_pay`: an order of the custom trading component was paid.
            "open_product_order_pay" => OpenProductOrderPay(OpenProductOrderPayEvent), on_event_open_product_order_pay, id ["order_info.order_id"];
            /// `wxalive_follow_notify`: a user followed or unfollowed a live room.
            "wxalive_follow_notify" => WxaliveFollowNotify(LiveFollowEvent), on_event_wxalive_follow_notify;
            /// `wxalive_push_message_notify`: the result of notifying a live room's followers.
            "wxalive_push_message_notify" => WxalivePushMessageNotify(LivePushMessageEvent), on_event_wxalive_push_message_notify, id ["PushMessageApiNotify.message_id"];
            /// `guide_invite_result_event`: the result of inviting a user to a shopping guide (fields in `raw` only).
            "guide_invite_result_event" => GuideInviteResult(GuideInviteResultEvent), on_event_guide_invite_result;
            /// `card_pass_check`: a card passed WeChat's review.
            "card_pass_check" => CardPassCheck(CardCheckEvent), on_event_card_pass_check;
            /// `card_not_pass_check`: a card failed WeChat's review.
            "card_not_pass_check" => CardNotPassCheck(CardCheckEvent), on_event_card_not_pass_check;
            /// `user_get_card`: a user received (claimed) a card.
            "user_get_card" => UserGetCard(UserGetCardEvent), on_event_user_get_card, id ["CardId", "UserCardCode"];
            /// `user_gifting_card`: a user gave a card to a friend.
            "user_gifting_card" => UserGiftingCard(UserGiftingCardEvent), on_event_user_gifting_card, id ["CardId", "UserCardCode"];
            /// `user_del_card`: a user deleted a card.
            "user_del_card" => UserDelCard(CardCodeEvent), on_event_user_del_card, id ["CardId", "UserCardCode"];
            /// `user_consume_card`: a card was redeemed.
            "user_consume_card" => UserConsumeCard(UserConsumeCardEvent), on_event_user_consume_card, id ["CardId", "UserCardCode"];
            /// `user_pay_from_pay_cell`: a user paid through a card's pay cell.
            "user_pay_from_pay_cell" => UserPayFromPayCell(UserPayFromPayCellEvent), on_event_user_pay_from_pay_cell, id ["TransId"];
            /// `user_view_card`: a user opened a member card.
            "user_view_card" => UserViewCard(UserViewCardEvent), on_event_user_view_card;
            /// `user_enter_session_from_card`: a user entered the account's conversation from a card.
            "user_enter_session_from_card" => UserEnterSessionFromCard(CardCodeEvent), on_event_user_enter_session_from_card;
            /// `update_member_card`: a member card's bonus points or balance changed.
            "update_member_card" => UpdateMemberCard(UpdateMemberCardEvent), on_event_update_member_card;
            /// `card_sku_remind`: a card's stock ran low.
            "card_sku_remind" => CardSkuRemind(CardSkuRemindEvent), on_event_card_sku_remind;
            /// `card_pay_order`: a coupon-point order changed status.
            "card_pay_order" => CardPayOrder(CardPayOrderEvent), on_event_card_pay_order, id ["OrderId", "Status"];
            /// `submit_membercard_user_info`: a user submitted a member card's activation form.
            "submit_membercard_user_info" => SubmitMembercardUserInfo(CardCodeEvent), on_event_submit_membercard_user_info;
            /// `giftcard_pay_done`: a gift card purchase was paid.
            "giftcard_pay_done" => GiftcardPayDone(GiftCardPayDoneEvent), on_event_giftcard_pay_done, id ["OrderId"];
            /// `giftcard_send_to_friend`: a purchased gift card was sent to a friend.
            "giftcard_send_to_friend" => GiftcardSendToFriend(GiftCardSendToFriendEvent), on_event_giftcard_send_to_friend, id ["OrderId"];
            /// `giftcard_user_accept`: a friend accepted a gift card.
            "giftcard_user_accept" => GiftcardUserAccept(GiftCardUserAcceptEvent), on_event_giftcard_user_accept, id ["OrderId"];
            /// `poi_check_notify`: WeChat's review of a store created through the POI API.
            "poi_check_notify" => PoiCheckNotify(PoiCheckNotifyEvent), on_event_poi_check_notify;
            /// `apply_merchant_audit_info`: the review of a store mini program's merchant.
            "apply_merchant_audit_info" => ApplyMerchantAuditInfo(StoreAuditEvent), on_event_apply_merchant_audit_info, id ["audit_id", "status"];
            /// `create_map_poi_audit_info`: the review of a POI created in Tencent Maps.
            "create_map_poi_audit_info" => CreateMapPoiAuditInfo(CreateMapPoiAuditEvent), on_event_create_map_poi_audit_info, id ["audit_id", "status"];
            /// `add_store_audit_info`: the review of a store added through the store mini program.
            "add_store_audit_info" => AddStoreAuditInfo(StoreAuditEvent), on_event_add_store_audit_info, id ["audit_id", "status"];
            /// `modify_store_audit_info`: the review of a store modified through the store mini program.
            "modify_store_audit_info" => ModifyStoreAuditInfo(StoreAuditEvent), on_event_modify_store_audit_info, id ["audit_id", "status"];
            /// `add_nearby_poi_audit_info`: the review of a mini program's "nearby" location.
            "add_nearby_poi_audit_info" => AddNearbyPoiAuditInfo(NearbyPoiAuditEvent), on_event_add_nearby_poi_audit_info, id ["audit_id"];
            /// `nearby_category_audit_info`: the review of a "nearby" category.
            "nearby_category_audit_info" => NearbyCategoryAuditInfo(NearbyCategoryAuditEvent), on_event_nearby_category_audit_info, id ["audit_id"];
            /// `merchant_order`: an order of the legacy WeChat shop was paid.
            "merchant_order" => MerchantOrder(MerchantOrderEvent), on_event_merchant_order, id ["OrderId", "OrderStatus"];
            /// `user_authorize_invoice`: a user finished (or failed) authorising an invoice for an order.
            "user_authorize_invoice" => UserAuthorizeInvoice(UserAuthorizeInvoiceEvent), on_event_user_authorize_invoice, id ["SuccOrderId", "FailOrderId"];
            /// `submit_invoice_title`: a user submitted an invoice title through quick invoicing.
            "submit_invoice_title" => SubmitInvoiceTitle(SubmitInvoiceTitleEvent), on_event_submit_invoice_title;
            /// `update_invoice_status`: an invoice's reimbursement status changed.
            "update_invoice_status" => UpdateInvoiceStatus(UpdateInvoiceStatusEvent), on_event_update_invoice_status, id ["CardId", "Code", "Status"];
            /// `cloud_invoice_invoiceresult_event`: the result of an invoice issued through cloud invoicing.
            "cloud_invoice_invoiceresult_event" => CloudInvoiceResult(CloudInvoiceResultEvent), on_event_cloud_invoice_invoiceresult, id ["fpqqlsh"];
            /// `WifiConnected`: a user connected to a store's Wi-Fi.
            "WifiConnected" => WifiConnected(WifiConnectedEvent), on_event_wifi_connected;
            /// `ShakearoundUserShake`: a user shook near iBeacon devices.
            "ShakearoundUserShake" => ShakearoundUserShake(ShakearoundUserShakeEvent), on_event_shakearound_user_shake;
            /// `user_scan_product`: a user opened a product page by scanning its code.
            "user_scan_product" => UserScanProduct(UserScanProductEvent), on_event_user_scan_product;
            /// `user_scan_product_enter_session`: a user entered the account's conversation from a product page.
            "user_scan_product_enter_session" => UserScanProductEnterSession(UserScanProductEnterSessionEvent), on_event_user_scan_product_enter_session;
            /// `user_scan_product_async`: the asynchronous report of a product scan, with the user's region.
            "user_scan_product_async" => UserScanProductAsync(UserScanProductAsyncEvent), on_event_user_scan_product_async;
            /// `user_scan_product_verify_action`: WeChat's review of a product.
            "user_scan_product_verify_action" => UserScanProductVerifyAction(UserScanProductVerifyActionEvent), on_event_user_scan_product_verify_action;
        }
    };
}
