//! Events (`MsgType=event`): the catalogue of every event this crate types, the [`Event`] enum
//! built from it, and one payload type per event, in one file per family (`standard.rs`,
//! `content.rs`, `audit.rs`, `commerce.rs`, `payment.rs`, `cards.rs`, `stores.rs`, `invoices.rs`,
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
mod catalogue;
mod commerce;
mod content;
mod devices;
mod invoices;
mod payment;
mod standard;
mod stores;

pub use audit::*;
pub use cards::*;
pub use commerce::*;
pub use content::*;
pub use devices::*;
pub use invoices::*;
pub use payment::*;
pub use standard::*;
pub use stores::*;

use super::error::MessageError;
use super::read::Reader;

/// Generates [`Event`], its parse table and [`Event::name`] from the catalogue.
macro_rules! define_events {
    ($( $(#[doc = $doc:literal])* $name:literal => $variant:ident($payload:ty), $method:ident $(, id [$($id:literal),+])?; )*) => {
        /// An event, by its `Event` field: one variant per event this crate types, each with
        /// its payload, and [`Event::Unknown`] for the rest.
        ///
        /// Every variant, its wire name, its payload and its [`Handler`](crate::Handler)
        /// method come from one list, the catalogue in `handlers/src/message/event/catalogue.rs`;
        /// adding an event is one line there and its payload type. Payload fields are
        /// optional wherever a peer SDK or WeChat's samples show them missing. A known event
        /// whose typed parse fails all the same (a required field absent, a number that is
        /// not one) is not refused: it becomes [`Event::Unknown`] with its name, and
        /// [`Message::raw`](crate::Message::raw) keeps every field, so plugins and `forward`
        /// bots still see all of it through `on_event_unknown`.
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

            /// The raw fields (dotted paths into nested elements) that tell two distinct pushes
            /// of this event apart when it has no `MsgId`: its own id (a `trace_id`, an order
            /// id, ...), from the catalogue. Empty for the events that have none; those are
            /// told apart by sender, CreateTime, event and EventKey.
            pub fn id_fields(&self) -> &'static [&'static str] {
                match self {
                    $( Event::$variant(_) => &[$($($id),+)?], )*
                    Event::Unknown { .. } => &[],
                }
            }
        }
    };
}

type Parse = fn(&Reader<'_>) -> Result<Event, MessageError>;

crate::for_each_event!(define_events);

impl Event {
    /// Parses the event named `name` (matched case-insensitively) from the message's fields.
    /// A known event whose payload does not parse becomes [`Event::Unknown`].
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
