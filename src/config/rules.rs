//! `[[accounts.rules]]`: the auto-reply rules and their replies.

use regex::Regex;
use serde::Deserialize;
use wxgate_handlers::plugins::auto_reply::{RuleAction, RuleConfig};
use wxgate_handlers::reply::{Article, MAX_NEWS_ARTICLES, Reply};

use super::values::check_http_url;
use super::walk::{Bad, Problems, Section, list, quote};

const REPLY_HINT: &str = "a reply is one of { text = \"..\" }, { image = { media_id = \"..\" } }, \
     { voice = { media_id = \"..\" } }, { video = { media_id = \"..\", title = \"..\" } }, \
     { music = { thumb_media_id = \"..\", music_url = \"..\" } }, \
     { news = [ { title = \"..\", url = \"..\" } ] }, { transfer_customer_service = {} }";

const MEDIA_ID_HINT: &str = "the media_id the WeChat media upload API returned";

/// One rule. Its conditions are checked for conflicts, its regex compiled, its reply parsed and
/// checked against WeChat's limits and the regex's capture groups.
pub(super) fn rule(mut r: Section<'_>, p: &mut Problems) -> RuleConfig {
    let keyword = r.string_with("keyword", p, non_empty);
    let regex = r.string_with("regex", p, non_empty);
    let event = r.string_with("event", p, non_empty);
    let event_key = r.string_with("event_key", p, non_empty);
    let msg_type = r.string_with("msg_type", p, non_empty);
    let reply_value = r.value("reply");
    let forward = r.string_with("forward", p, check_forward_url);

    let present = |names: [(&'static str, bool); 2]| -> Vec<&'static str> {
        names
            .into_iter()
            .filter(|&(_, set)| set)
            .map(|(name, _)| name)
            .collect()
    };
    let text_keys = present([("keyword", keyword.is_some()), ("regex", regex.is_some())]);
    let event_keys = present([
        ("event", event.is_some()),
        ("event_key", event_key.is_some()),
    ]);
    if text_keys.len() == 2 {
        p.add(
            r.path(),
            "`keyword` and `regex` are both set",
            "use one: `keyword` matches the whole text exactly, `regex` searches it",
        );
    }
    if let Some(msg_type) = &msg_type {
        for (keys, kind) in [(&text_keys, "text"), (&event_keys, "event")] {
            if !keys.is_empty() && !msg_type.eq_ignore_ascii_case(kind) {
                p.add(
                    r.key("msg_type"),
                    format!(
                        "is {} but {} only match {kind} messages",
                        quote(msg_type),
                        list(keys)
                    ),
                    format!("drop msg_type, or set it to \"{kind}\""),
                );
            }
        }
    }
    if !text_keys.is_empty() && !event_keys.is_empty() {
        p.add(
            r.path(),
            format!(
                "{} (for text messages) and {} (for events) cannot both hold",
                list(&text_keys),
                list(&event_keys)
            ),
            "a message is either text or an event: split this into two rules",
        );
    }

    let compiled = regex
        .as_deref()
        .and_then(|source| match Regex::new(source) {
            Ok(compiled) => Some(compiled),
            Err(e) => {
                p.add(
                    r.key("regex"),
                    format!("does not compile: {}", regex_error(&e)),
                    "see the syntax at https://docs.rs/regex/latest/regex/#syntax",
                );
                None
            }
        });

    let reply = match (reply_value, r.value("forward")) {
        (None, None) => {
            p.add(
                r.key("reply"),
                "missing required key",
                "every rule needs a reply, e.g. reply = { text = \"hi\" }, \
                 or forward = \"http://127.0.0.1:9000/wechat\"",
            );
            None
        }
        (Some(_), Some(_)) => {
            p.add(
                r.path(),
                "`reply` and `forward` are both set",
                "a rule either answers itself (reply) or asks an upstream bot (forward)",
            );
            None
        }
        (None, Some(_)) => None,
        (Some(value), None) => match Reply::deserialize(value.clone()) {
            Ok(reply) => Some(reply),
            Err(e) => {
                p.add(r.key("reply"), one_line(e.message()), REPLY_HINT);
                None
            }
        },
    };
    if let Some(reply) = &reply {
        check_reply(&r.key("reply"), reply, compiled.as_ref(), p);
    }
    r.finish(p);

    let action = match (reply, forward) {
        (Some(reply), _) => RuleAction::Reply(reply),
        (None, Some(url)) => RuleAction::Forward(url),
        (None, None) => RuleAction::Reply(Reply::Text(String::new())),
    };
    RuleConfig {
        keyword,
        regex,
        event,
        event_key,
        msg_type,
        action,
    }
}

/// An upstream bot's URL: absolute http or https.
fn check_forward_url(value: &str) -> Result<String, Bad> {
    check_http_url(value).map(str::to_owned)
}

fn non_empty(value: &str) -> Result<String, Bad> {
    if value.is_empty() {
        Err(Bad::new(
            "must not be empty",
            "remove the key to leave this condition out",
        ))
    } else {
        Ok(value.to_owned())
    }
}

/// WeChat's limits on a reply; for a text reply after a regex, its `$` references.
fn check_reply(key: &str, reply: &Reply, regex: Option<&Regex>, p: &mut Problems) {
    let media_id = |p: &mut Problems, kind: &str, field: &str, value: &str| {
        if value.is_empty() {
            p.add(
                format!("{key}.{kind}.{field}"),
                "must not be empty",
                MEDIA_ID_HINT,
            );
        }
    };
    match reply {
        Reply::Text(text) => {
            if text.is_empty() {
                p.add(
                    format!("{key}.text"),
                    "must not be empty",
                    "WeChat shows no empty text message; write the answer",
                );
            }
            if let Some(regex) = regex {
                check_references(&format!("{key}.text"), text, regex, p);
            }
        }
        Reply::Image(media) => media_id(p, "image", "media_id", &media.media_id),
        Reply::Voice(media) => media_id(p, "voice", "media_id", &media.media_id),
        Reply::Video(video) => media_id(p, "video", "media_id", &video.media_id),
        Reply::Music(music) => media_id(p, "music", "thumb_media_id", &music.thumb_media_id),
        Reply::News(articles) => check_news(&format!("{key}.news"), articles, p),
        Reply::TransferCustomerService(transfer) => {
            if transfer.kf_account.as_deref() == Some("") {
                p.add(
                    format!("{key}.transfer_customer_service.kf_account"),
                    "must not be empty",
                    "an agent account such as kf2001@gh_xxx, or leave it out for any online agent",
                );
            }
        }
    }
}

fn check_news(key: &str, articles: &[Article], p: &mut Problems) {
    let hint = format!(
        "a news reply holds 1 to {MAX_NEWS_ARTICLES} articles: news = [ {{ title = \"..\", \
         url = \"..\" }} ]"
    );
    match articles.len() {
        0 => p.add(key, "holds no articles", hint),
        n if n > MAX_NEWS_ARTICLES => p.add(
            key,
            format!("holds {n} articles, more than WeChat's {MAX_NEWS_ARTICLES}"),
            hint,
        ),
        _ => {}
    }
    for (i, article) in articles.iter().enumerate() {
        if article.title.is_empty() {
            p.add(
                format!("{key}[{i}].title"),
                "must not be empty",
                "every article needs a title",
            );
        }
    }
}

/// A capture reference in a replacement text, as `regex` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reference<'t> {
    Number(usize),
    Name(&'t str),
}

/// Every `$N`, `${N}`, `$name`, `${name}` in `text` with the text it is written as, parsed the
/// way `regex::Captures::expand` parses them: `$$` is a literal `$`, an unbraced reference is the
/// longest run of `[0-9A-Za-z_]`, and a `$` that starts no reference is literal.
fn references(text: &str) -> Vec<(&str, Reference<'_>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == b'$'))
    {
        let dollar = at + offset;
        let next = dollar + 1;
        let (name_start, name_end, end) = match bytes.get(next) {
            Some(b'$') => {
                at = next + 1;
                continue;
            }
            Some(b'{') => match bytes[next..].iter().position(|&b| b == b'}') {
                Some(close) => (next + 1, next + close, next + close + 1),
                None => {
                    at = next;
                    continue;
                }
            },
            _ => {
                let len = bytes[next..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                if len == 0 {
                    at = next;
                    continue;
                }
                (next, next + len, next + len)
            }
        };
        at = end;
        let (Some(name), Some(written)) = (text.get(name_start..name_end), text.get(dollar..end))
        else {
            continue;
        };
        let reference = match name.parse::<usize>() {
            Ok(number) => Reference::Number(number),
            Err(_) => Reference::Name(name),
        };
        found.push((written, reference));
    }
    found
}

/// Reports each reference in a text reply that names no capture group of `regex`: `regex`
/// would silently expand it to nothing.
fn check_references(key: &str, text: &str, regex: &Regex, p: &mut Problems) {
    let groups = regex.captures_len().saturating_sub(1);
    let names: Vec<&str> = regex.capture_names().flatten().collect();
    let mut reported: Vec<&str> = Vec::new();
    for (written, reference) in references(text) {
        if reported.contains(&written) {
            continue;
        }
        let bad = match reference {
            Reference::Number(n) if n > groups => Some(Bad::new(
                format!(
                    "{} refers to group {n}, but the regex has {}",
                    quote(written),
                    count_groups(groups)
                ),
                "groups are numbered from 1 by their opening `(`; `$0` is the whole match; \
                 write `$$` for a literal `$`",
            )),
            Reference::Number(_) => None,
            Reference::Name(name) if names.contains(&name) => None,
            Reference::Name(name) => {
                let digits = name.bytes().take_while(u8::is_ascii_digit).count();
                let hint = match (digits, name.get(..digits), name.get(digits..)) {
                    (1.., Some(number), Some(rest)) => format!(
                        "write `${{{number}}}{rest}` for group {number} followed by `{rest}`"
                    ),
                    _ if names.is_empty() => format!(
                        "the regex has no named groups; name one with (?P<{name}>...) or use a \
                         group number such as $1; write `$$` for a literal `$`"
                    ),
                    _ => format!("the regex's named groups are {}", list(&names)),
                };
                Some(Bad::new(
                    format!(
                        "{} refers to a group named {}, which the regex does not have",
                        quote(written),
                        quote(name)
                    ),
                    hint,
                ))
            }
        };
        if let Some(bad) = bad {
            reported.push(written);
            p.add(key, bad.message, bad.hint);
        }
    }
}

fn count_groups(groups: usize) -> String {
    match groups {
        0 => "no capture groups".to_owned(),
        1 => "1 capture group".to_owned(),
        n => format!("{n} capture groups"),
    }
}

/// The regex crate's error in one line: the error itself and, for a one-line pattern, the
/// position its caret points at.
fn regex_error(error: &regex::Error) -> String {
    let text = error.to_string();
    let lines: Vec<&str> = text.lines().collect();
    let Some(message) = lines
        .iter()
        .rev()
        .find_map(|line| line.strip_prefix("error: "))
    else {
        return one_line(&text);
    };
    // "regex parse error:", "    pattern", "    ^^^", "error: ..."
    if let [_, pattern, carets, _] = lines.as_slice() {
        if pattern.starts_with("    ") && carets.trim_start().starts_with('^') {
            let column = carets.len() - carets.trim_start().len();
            if let Some(position) = column.checked_sub(4) {
                return format!("{message} at character {}", position + 1);
            }
        }
    }
    message.to_owned()
}

/// A possibly multi-line message as one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[path = "rules_test.rs"]
mod tests;
