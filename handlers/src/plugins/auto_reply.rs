//! The built-in auto-reply plugin: `[[accounts.rules]]` from config.toml, first match wins.

use crate::reply::Reply;

/// One rule as written in config.toml. Every condition given must hold; a rule without
/// conditions matches every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConfig {
    /// Exact, case-sensitive match on a text message's Content.
    pub keyword: Option<String>,
    /// Regex search on a text message's Content; `$1`, `${1}`, `$name` expand in a text reply.
    pub regex: Option<String>,
    /// Event type (subscribe, SCAN, CLICK, ...), compared case-insensitively.
    pub event: Option<String>,
    /// Exact EventKey of an event.
    pub event_key: Option<String>,
    /// What to answer.
    pub reply: Reply,
}
