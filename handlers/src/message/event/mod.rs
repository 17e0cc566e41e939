//! Events (`MsgType=event`): the catalogue of every event this crate types, the [`Event`] enum
//! built from it, and one payload type per event, in one file per family (`standard.rs`,
//! `content.rs`, `audit.rs`, `commerce.rs`, `cards.rs`, `stores.rs`, `invoices.rs`,
//! `devices.rs`), all re-exported here.
//!
//! Event names arrive in mixed case (`SCAN`, `subscribe`, `kf_create_session`) and are matched
//! case-insensitively. A name this crate does not know becomes [`Event::Unknown`]; the message's
//! `raw` fields still hold everything WeChat sent.
//!
//! # One declaration per event
//!
//! [`for_each_event!`](crate::for_each_event) lists every event once: its wire name, its
//! [`Event`] variant, its payload type and its [`Handler`](crate::Handler) method. From that one
//! list come the enum, the name <-> variant mapping ([`Event::name`], the parse table), the
//! handler method with its default fallback (`on_event_*` -> `on_event` -> `on_message`), and
//! the dispatch arm ([`dispatch_one`](crate::dispatch_one)). Adding an event is one line there
//! and its payload type (a struct with a `read` function) in its family's file.
//!
//! # When a known event does not parse
//!
//! A payload's fields are optional wherever a peer SDK or WeChat's samples show them missing,
//! so a push without them still parses. If a known event's typed parse fails all the same (a
//! required field absent, a number that is not one), the push is not refused: it becomes
//! [`Event::Unknown`] with its name, and [`Message::raw`](crate::Message::raw) keeps every field,
//! so plugins (and `forward` bots) still see all of it through `on_event_unknown`.

mod audit;
mod cards;
mod commerce;
mod content;
mod devices;
mod invoices;
mod standard;
mod stores;

pub use audit::*;
pub use cards::*;
pub use commerce::*;
pub use content::*;
pub use devices::*;
pub use invoices::*;
pub use standard::*;
pub use stores::*;

use super::error::MessageError;
use super::read::Reader;

/// Calls `$callback!` with the catalogue: every typed event, in the order the [`Event`] enum
/// lists them, each as
///
/// ```text
/// /// doc
/// "WireName" => Variant(PayloadType), on_event_method;
/// ```
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
        }
    };
}

/// Generates [`Event`], its parse table and [`Event::name`] from the catalogue.
macro_rules! define_events {
    ($( $(#[doc = $doc:literal])* $name:literal => $variant:ident($payload:ty), $method:ident; )*) => {
        /// An event, by its `Event` field: one variant per event of the catalogue (see the
        /// [module documentation](self)), each with its payload.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            $( $(#[doc = $doc])* $variant($payload), )*
            /// Any other event, or a known one whose typed parse failed; the message's `raw`
            /// fields hold all of it.
            Unknown {
                /// The `Event` field as received.
                name: String,
            },
        }

        /// Every typed event's wire name and parser, in catalogue order.
        const EVENTS: &[(&str, Parse)] = &[
            $( ($name, |r| Ok(Event::$variant(<$payload>::read(r)?))), )*
        ];

        impl Event {
            /// The event's canonical wire name (`subscribe`, `SCAN`, `TEMPLATESENDJOBFINISH`,
            /// ...); for [`Event::Unknown`], the name as received.
            pub fn name(&self) -> &str {
                match self {
                    $( Event::$variant(_) => $name, )*
                    Event::Unknown { name } => name,
                }
            }
        }
    };
}

type Parse = fn(&Reader<'_>) -> Result<Event, MessageError>;

for_each_event!(define_events);

impl Event {
    /// Parses the event named `name` (matched case-insensitively) from the message's fields.
    /// A known event whose payload does not parse becomes [`Event::Unknown`] (see the
    /// [module documentation](self)).
    pub(crate) fn read(name: &str, r: &Reader<'_>) -> Event {
        Event::parse(name, r)
            .and_then(Result::ok)
            .unwrap_or_else(|| Event::Unknown {
                name: name.to_owned(),
            })
    }

    /// The typed parse alone: `None` for a name the catalogue does not know, else the payload
    /// or why it did not parse.
    pub(crate) fn parse(name: &str, r: &Reader<'_>) -> Option<Result<Event, MessageError>> {
        EVENTS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, parse)| parse(r))
    }

    /// Whether `name` is an event this crate parses into its own variant (case-insensitively).
    pub fn is_known(name: &str) -> bool {
        EVENTS
            .iter()
            .any(|(known, _)| known.eq_ignore_ascii_case(name))
    }

    /// The wire names of every typed event, in catalogue order.
    pub fn known_names() -> impl Iterator<Item = &'static str> {
        EVENTS.iter().map(|(name, _)| *name)
    }

    /// The scene of a parametric QR code: from a `subscribe` event (prefix removed) or a `SCAN`
    /// event; `None` for anything else.
    pub fn qr_scene(&self) -> Option<&str> {
        match self {
            Event::Subscribe(subscribe) => subscribe.scene(),
            Event::Scan(scan) => Some(&scan.event_key),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "event_test.rs"]
mod tests;
