//! Built-in handler plugins.

pub mod auto_reply;
