//! The built-in auto-reply plugin: `[[accounts.rules]]` from config.toml, first match wins.
//!
//! ```
//! use wxgate_handlers::{AutoReply, Reply, RuleAction, RuleConfig};
//!
//! let rules = AutoReply::new(vec![
//!     RuleConfig {
//!         keyword: None,
//!         regex: Some(r"^order (?P<id>\d+)$".into()),
//!         event: None,
//!         event_key: None,
//!         msg_type: None,
//!         action: RuleAction::Reply(Reply::Text("looking up order ${id}".into())),
//!     },
//!     RuleConfig {
//!         keyword: None,
//!         regex: None,
//!         event: Some("subscribe".into()),
//!         event_key: None,
//!         msg_type: None,
//!         action: RuleAction::Reply(Reply::Text("welcome!".into())),
//!     },
//! ])?;
//! assert_eq!(rules.len(), 2);
//! # Ok::<(), wxgate_handlers::RuleError>(())
//! ```

use async_trait::async_trait;
use regex::Regex;

use std::sync::Arc;

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
    /// The message type (`image`, `voice`, `location`, `event`, ... any `MsgType`, unknown ones
    /// too), compared case-insensitively.
    pub msg_type: Option<String>,
    /// What to do when the rule matches.
    pub action: RuleAction,
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    /// Answer with this reply (captures expanded in a text reply after a regex).
    Reply(Reply),
    /// Hand the message to the upstream bot at this URL (see [`Forwarder`]).
    Forward(String),
}

/// Hands a message to an upstream bot over the network and turns its answer into an outcome.
/// The gateway provides the implementation; failures are its to log and count, and end as
/// [`Outcome::NoReply`].
#[async_trait]
pub trait Forwarder: Send + Sync + 'static {
    /// Forwards the message of `ctx` to `url`.
    async fn forward(&self, url: &str, ctx: &Context<'_>) -> Outcome;
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
    /// The rule forwards, but no [`Forwarder`] was given.
    #[error("auto-reply rules[{index}]: forwarding needs a forwarder, and none was given")]
    NoForwarder {
        /// The rule's position in the list, from 0.
        index: usize,
    },
    /// The rule combines text conditions with event conditions, or either with a `msg_type`
    /// of another kind, so it can never match.
    #[error(
        "auto-reply rules[{index}]: keyword/regex only match text messages and event/event_key \
         only match events (msg_type must agree), so this rule can never match; split it into \
         two rules"
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
            RuleError::InvalidRegex { index, .. }
            | RuleError::NoForwarder { index }
            | RuleError::NeverMatches { index } => *index,
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
/// - `msg_type`: the message's `MsgType` (`image`, `voice`, `location`, any type, unknown ones
///   too), compared case-insensitively.
///
/// A rule with `keyword` or `regex` never matches anything but text messages; a rule with
/// `event` or `event_key` never matches anything but events. A rule that does not match costs
/// no allocation.
#[derive(Clone)]
pub struct AutoReply {
    rules: Vec<Rule>,
    forwarder: Option<Arc<dyn Forwarder>>,
}

impl std::fmt::Debug for AutoReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoReply")
            .field("rules", &self.rules)
            .field("forwarder", &self.forwarder.is_some())
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Rule {
    keyword: Option<String>,
    regex: Option<Regex>,
    event: Option<String>,
    event_key: Option<String>,
    msg_type: Option<String>,
    action: RuleAction,
    /// The reply is text with `$` in it and the rule has a regex: expand captures.
    expands: bool,
}

impl AutoReply {
    /// Compiles the rules, keeping their order.
    ///
    /// # Errors
    ///
    /// [`RuleError`] naming the first rule (by index) whose regex does not compile, whose
    /// conditions can never hold together, or that forwards (use [`AutoReply::with_forwarder`]).
    pub fn new(rules: Vec<RuleConfig>) -> Result<AutoReply, RuleError> {
        AutoReply::build(rules, None)
    }

    /// Like [`AutoReply::new`], with `forwarder` carrying out the rules that forward.
    pub fn with_forwarder(
        rules: Vec<RuleConfig>,
        forwarder: Arc<dyn Forwarder>,
    ) -> Result<AutoReply, RuleError> {
        AutoReply::build(rules, Some(forwarder))
    }

    fn build(
        rules: Vec<RuleConfig>,
        forwarder: Option<Arc<dyn Forwarder>>,
    ) -> Result<AutoReply, RuleError> {
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(index, rule)| {
                if matches!(rule.action, RuleAction::Forward(_)) && forwarder.is_none() {
                    return Err(RuleError::NoForwarder { index });
                }
                Rule::compile(index, rule)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AutoReply { rules, forwarder })
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
    /// rule matches or the first match forwards.
    pub fn reply_for(&self, message: &Message) -> Option<Reply> {
        match self.first_match(message)?.act(message) {
            Act::Reply(reply) => Some(reply),
            Act::Forward(_) => None,
        }
    }

    fn first_match(&self, message: &Message) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.matches(message))
    }
}

/// What a matched rule resolved to for one message.
enum Act<'a> {
    Reply(Reply),
    Forward(&'a str),
}

impl Rule {
    fn compile(index: usize, config: RuleConfig) -> Result<Rule, RuleError> {
        let RuleConfig {
            keyword,
            regex,
            event,
            event_key,
            msg_type,
            action,
        } = config;
        let text = keyword.is_some() || regex.is_some();
        let event_rule = event.is_some() || event_key.is_some();
        let type_is = |name: &str| {
            msg_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case(name))
        };
        if (text && (event_rule || !type_is("text"))) || (event_rule && !type_is("event")) {
            return Err(RuleError::NeverMatches { index });
        }
        let regex = regex
            .map(|pattern| Regex::new(&pattern))
            .transpose()
            .map_err(|error| RuleError::InvalidRegex { index, error })?;
        let expands = regex.is_some()
            && matches!(&action, RuleAction::Reply(Reply::Text(text)) if text.contains('$'));
        Ok(Rule {
            keyword,
            regex,
            event,
            event_key,
            msg_type,
            action,
            expands,
        })
    }

    fn matches(&self, message: &Message) -> bool {
        if self
            .msg_type
            .as_deref()
            .is_some_and(|msg_type| !msg_type.eq_ignore_ascii_case(message.msg_type()))
        {
            return false;
        }
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

    fn act(&self, message: &Message) -> Act<'_> {
        let reply = match &self.action {
            RuleAction::Forward(url) => return Act::Forward(url),
            RuleAction::Reply(reply) => reply,
        };
        if self.expands {
            if let (Some(regex), Some(content), Reply::Text(template)) =
                (&self.regex, message.text_content(), reply)
            {
                if let Some(captures) = regex.captures(content) {
                    let mut text = String::with_capacity(template.len() + content.len());
                    captures.expand(template, &mut text);
                    return Act::Reply(Reply::Text(text));
                }
            }
        }
        Act::Reply(reply.clone())
    }
}

#[async_trait]
impl Handler for AutoReply {
    fn name(&self) -> &str {
        "auto_reply"
    }

    async fn on_message(&self, ctx: &Context<'_>) -> Outcome {
        let Some(rule) = self.first_match(ctx.message()) else {
            return Outcome::Pass;
        };
        match (rule.act(ctx.message()), &self.forwarder) {
            (Act::Reply(reply), _) => Outcome::Reply(reply),
            (Act::Forward(url), Some(forwarder)) => forwarder.forward(url, ctx).await,
            // `build` refuses forwarding rules without a forwarder.
            (Act::Forward(_), None) => Outcome::Pass,
        }
    }
}

#[cfg(test)]
#[path = "auto_reply_test.rs"]
mod tests;
