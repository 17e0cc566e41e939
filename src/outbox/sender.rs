//! Delivery to WeChat.
