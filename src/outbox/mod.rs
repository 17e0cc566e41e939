//! The durable outbox behind the send API: messages accepted from apps are stored before they
//! are answered, then delivered to WeChat by a sender in every instance.

pub mod accept;
pub mod request;
