//! The built-in auto-reply plugin: `[[accounts.rules]]` from config.toml, first match wins.
//!
//! ```
//! use wxgate_handlers::{AutoReply, Reply, RuleConfig};
//!
//! let rules = AutoReply::new(vec![
//!     RuleConfig {
//!         keyword: None,
//!         regex: Some(r"^order (?P<id>\d+)$".into()),
//!         event: None,
//!         event_key: None,
//!         reply: Reply::Text("looking up order ${id}".into()),
//!     },
//!     RuleConfig {
//!         keyword: None,
//!         regex: None,
//!         event: Some("subscribe".into()),
//!         event_key: None,
//!         reply: Reply::Text("welcome!".into()),
//!     },
//! ])?;
//! assert_eq!(rules.len(), 2);
//! # Ok::<(), wxgate_handlers::RuleError>(())
//! ```

use async_trait::async_trait;
use regex::Regex;

use crate::handler::{Context, Handler};
use crate::message::Message;
use crate::reply::{Outcome, Reply};

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

/// A rule that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// The `regex` does not compile.
    #[error("auto-reply rules[{index}]: invalid regex: {error}")]
    InvalidRegex {
        /// The rule's position in the list, from 0.
        index: usize,
        /// Why the regex was rejected (it quotes the pattern).
        error: regex::Error,
    },
    /// The rule combines text conditions with event conditions, so it can never match.
    #[error(
        "auto-reply rules[{index}]: keyword/regex only match text messages and event/event_key \
         only match events, so this rule can never match; split it into two rules"
    )]
    NeverMatches {
        /// The rule's position in the list, from 0.
        index: usize,
    },
}

impl RuleError {
    /// The position of the offending rule in the list, from 0.
    pub fn index(&self) -> usize {
        match self {
            RuleError::InvalidRegex { index, .. } | RuleError::NeverMatches { index } => *index,
        }
    }
}

/// Answers messages from a list of rules; the first rule whose conditions all hold wins, and a
/// message no rule matches is passed on ([`Outcome::Pass`]).
///
/// - `keyword`: the Content of a text message equals it exactly (case-sensitive).
/// - `regex`: a search (not a whole-string match) on the Content of a text message. When the
///   reply is text, `$1`, `${1}` and `$name` in it expand to the captured text, inserted
///   literally (captured text is never expanded again); `$$` is a literal `$`. Write `${1}` when
///   the next character is a letter, digit or underscore (`$1st` names the group `1st`). A group
///   that did not participate expands to nothing.
/// - `event`: the event name, compared case-insensitively with the name as received.
/// - `event_key`: the EventKey of an event, exactly.
///
/// A rule with `keyword` or `regex` never matches anything but text messages; a rule with
/// `event` or `event_key` never matches anything but events. A rule that does not match costs
/// no allocation.
#[derive(Debug, Clone)]
pub struct AutoReply {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    keyword: Option<String>,
    regex: Option<Regex>,
    event: Option<String>,
    event_key: Option<String>,
    reply: Reply,
    /// The reply is text with `$` in it and the rule has a regex: expand captures.
    expands: bool,
}

impl AutoReply {
    /// Compiles the rules, keeping their order.
    ///
    /// # Errors
    ///
    /// [`RuleError`] naming the first rule (by index) whose regex does not compile or whose
    /// conditions can never hold together.
    pub fn new(rules: Vec<RuleConfig>) -> Result<AutoReply, RuleError> {
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(index, rule)| Rule::compile(index, rule))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AutoReply { rules })
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The reply of the first rule matching `message`, with captures expanded; `None` when no
    /// rule matches.
    pub fn reply_for(&self, message: &Message) -> Option<Reply> {
        self.rules
            .iter()
            .find(|rule| rule.matches(message))
            .map(|rule| rule.render(message))
    }
}

impl Rule {
    fn compile(index: usize, config: RuleConfig) -> Result<Rule, RuleError> {
        let RuleConfig {
            keyword,
            regex,
            event,
            event_key,
            reply,
        } = config;
        if (keyword.is_some() || regex.is_some()) && (event.is_some() || event_key.is_some()) {
            return Err(RuleError::NeverMatches { index });
        }
        let regex = regex
            .map(|pattern| Regex::new(&pattern))
            .transpose()
            .map_err(|error| RuleError::InvalidRegex { index, error })?;
        let expands = regex.is_some() && matches!(&reply, Reply::Text(text) if text.contains('$'));
        Ok(Rule {
            keyword,
            regex,
            event,
            event_key,
            reply,
            expands,
        })
    }

    fn matches(&self, message: &Message) -> bool {
        if self.keyword.is_some() || self.regex.is_some() {
            let Some(content) = message.text_content() else {
                return false;
            };
            if self.keyword.as_deref().is_some_and(|k| k != content) {
                return false;
            }
            if self.regex.as_ref().is_some_and(|re| !re.is_match(content)) {
                return false;
            }
        }
        if self.event.is_some() || self.event_key.is_some() {
            let Some(name) = message.event_name() else {
                return false;
            };
            if self
                .event
                .as_deref()
                .is_some_and(|event| !event.eq_ignore_ascii_case(name))
            {
                return false;
            }
            if self
                .event_key
                .as_deref()
                .is_some_and(|key| message.event_key() != Some(key))
            {
                return false;
            }
        }
        true
    }

    fn render(&self, message: &Message) -> Reply {
        if self.expands {
            if let (Some(regex), Some(content), Reply::Text(template)) =
                (&self.regex, message.text_content(), &self.reply)
            {
                if let Some(captures) = regex.captures(content) {
                    let mut text = String::with_capacity(template.len() + content.len());
                    captures.expand(template, &mut text);
                    return Reply::Text(text);
                }
            }
        }
        self.reply.clone()
    }
}

#[async_trait]
impl Handler for AutoReply {
    fn name(&self) -> &str {
        "auto_reply"
    }

    async fn on_message(&self, ctx: &Context<'_>) -> Outcome {
        match self.reply_for(ctx.message()) {
            Some(reply) => Outcome::Reply(reply),
            None => Outcome::Pass,
        }
    }
}

#[cfg(test)]
#[path = "auto_reply_test.rs"]
mod tests;
