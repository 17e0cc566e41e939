//! The durable outbox behind the send API: messages accepted from apps are stored before they
//! are answered ([`accept`], one commit for many concurrent sends), then delivered to WeChat by
//! a sender in every instance ([`sender`]), and their status changes pushed to the apps'
//! webhooks ([`webhook`]).

pub mod accept;
pub mod request;
pub mod sender;
pub mod webhook;
