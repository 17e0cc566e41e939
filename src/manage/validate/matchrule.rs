//! Conditional (personalized) menus: the buttons follow the default menu's rules, and the
//! `matchrule` says who sees them. Since 2021 WeChat refuses every rule but the user's tag and
//! the phone's platform (errcode 65320), so only `tag_id` and `client_platform_type` are
//! accepted and the others are refused here, before WeChat is asked.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{BadRequest, Button, Menu, Problem, parse_json, validate_menu};

/// The match rule fields WeChat refuses since 2021 (errcode 65320).
pub const REFUSED_RULES: &[&str] = &["sex", "country", "province", "city", "language"];

/// The values of `client_platform_type`: 1 iOS, 2 Android, 3 others.
pub const CLIENT_PLATFORM_TYPES: &[(&str, &str)] =
    &[("1", "iOS"), ("2", "Android"), ("3", "others")];

/// A conditional menu as received: `{"button": [...], "matchrule": {...}}`.
///
/// Only the buttons are typed when parsing (an unknown button field fails the parse, as in a
/// default menu); a missing `button` or `matchrule`, a rule of the wrong kind and a field
/// other than these two are left to [`validate_conditional`], which reports them all.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConditionalMenuRequest {
    /// The top-level buttons, 1 to 3, under the default menu's rules.
    #[serde(default)]
    pub button: Vec<Button>,
    /// Who sees the menu; required, an object with `tag_id` and/or `client_platform_type`.
    #[serde(default)]
    pub matchrule: Option<Value>,
    /// Any other field of the body (each one is a problem).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A match rule that passed [`validate_conditional`], in WeChat's shape: each value a string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatchRule {
    /// The user tag's id, digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<String>,
    /// `1` iOS, `2` Android, `3` others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_platform_type: Option<String>,
}

/// A conditional menu that passed [`validate_conditional`]: it serializes to exactly the body
/// `/cgi-bin/menu/addconditional` expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidConditionalMenu {
    /// The buttons, as received.
    pub button: Vec<Button>,
    /// The match rule, its values as strings.
    pub matchrule: MatchRule,
}

/// A try-match request as received: `{"user_id": "..."}`, the user's openid or WeChat id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryMatchRequest {
    /// Whose menu to show; a missing one is reported by the rules, not the parse.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// Reads a try-match body; fails on broken JSON, unknown fields and a `user_id` that is not a
/// string.
///
/// # Errors
///
/// A [`BadRequest`] whose message names the problem.
pub fn parse_try_match(body: &[u8]) -> Result<TryMatchRequest, BadRequest> {
    parse_json(body, "try-match")
}

/// Checks a try-match request: `user_id` is required and not blank.
///
/// # Errors
///
/// The problem at `user_id`.
pub fn validate_try_match(user_id: Option<&str>) -> Result<&str, Vec<Problem>> {
    match user_id.map(str::trim) {
        Some(user_id) if !user_id.is_empty() => Ok(user_id),
        _ => Err(vec![Problem::new(
            "user_id",
            "user_id is required: the openid (or WeChat id) of the user whose menu to show",
        )]),
    }
}

/// Reads a conditional menu body; fails on broken JSON, a `button` that is not a list of
/// buttons, and unknown button fields.
///
/// # Errors
///
/// A [`BadRequest`] whose message names the problem.
pub fn parse_conditional(body: &[u8]) -> Result<ConditionalMenuRequest, BadRequest> {
    parse_json(body, "conditional menu")
}

/// Checks a conditional menu: its buttons against the default menu's rules, its match rule
/// against what WeChat still accepts, and that it has no other field.
///
/// # Errors
///
/// Every problem found: unknown fields first, then the buttons', then the match rule's.
pub fn validate_conditional(
    request: &ConditionalMenuRequest,
) -> Result<ValidConditionalMenu, Vec<Problem>> {
    let mut problems: Vec<Problem> = request
        .other
        .keys()
        .map(|name| {
            Problem::new(
                name.as_str(),
                format!("unknown field `{name}`; a conditional menu has `button` and `matchrule`"),
            )
        })
        .collect();
    let menu = Menu {
        button: request.button.clone(),
    };
    if let Err(found) = validate_menu(&menu) {
        problems.extend(found);
    }
    let matchrule = match validate_matchrule(request.matchrule.as_ref()) {
        Ok(rule) => Some(rule),
        Err(found) => {
            problems.extend(found);
            None
        }
    };
    match matchrule {
        Some(matchrule) if problems.is_empty() => Ok(ValidConditionalMenu {
            button: menu.button,
            matchrule,
        }),
        _ => Err(problems),
    }
}

/// Checks a match rule: present, an object, at least one accepted rule, no refused or unknown
/// field, each value of the right form.
///
/// # Errors
///
/// Every problem found, at `matchrule` or `matchrule.<field>`.
pub fn validate_matchrule(rule: Option<&Value>) -> Result<MatchRule, Vec<Problem>> {
    const USE: &str = "use tag_id or client_platform_type";
    let fields = match rule {
        None | Some(Value::Null) => {
            return Err(vec![Problem::new(
                "matchrule",
                format!("matchrule is required: a conditional menu says who sees it; {USE}"),
            )]);
        }
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            return Err(vec![Problem::new(
                "matchrule",
                format!("matchrule must be an object; {USE}"),
            )]);
        }
    };
    if fields.is_empty() {
        return Err(vec![Problem::new(
            "matchrule",
            format!("matchrule is empty; {USE}"),
        )]);
    }
    let mut problems = Vec::new();
    let mut valid = MatchRule::default();
    for (name, value) in fields {
        let path = format!("matchrule.{name}");
        match name.as_str() {
            "tag_id" => match tag_id(value) {
                Some(id) => valid.tag_id = Some(id),
                None => problems.push(Problem::new(
                    path,
                    "tag_id must be a user tag's id: digits, as a string or a number",
                )),
            },
            "client_platform_type" => match platform(value) {
                Some(kind) => valid.client_platform_type = Some(kind),
                None => {
                    let valid: Vec<String> = CLIENT_PLATFORM_TYPES
                        .iter()
                        .map(|(value, what)| format!("\"{value}\" ({what})"))
                        .collect();
                    problems.push(Problem::new(
                        path,
                        format!("client_platform_type must be one of {}", valid.join(", ")),
                    ));
                }
            },
            refused if REFUSED_RULES.contains(&refused) => problems.push(Problem::new(
                path,
                format!("WeChat refuses this match rule since 2021 (errcode 65320); {USE}"),
            )),
            other => problems.push(Problem::new(
                path,
                format!("unknown match rule field `{other}`; {USE}"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(valid)
    } else {
        Err(problems)
    }
}

/// A tag id given as a string of digits or a non-negative integer, as a string.
fn tag_id(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            Some(text.clone())
        }
        Value::Number(number) => number.as_u64().map(|id| id.to_string()),
        _ => None,
    }
}

/// A platform type given as `"1"`..`"3"` or `1`..`3`, as a string.
fn platform(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.as_u64()?.to_string(),
        _ => return None,
    };
    CLIENT_PLATFORM_TYPES
        .iter()
        .any(|(valid, _)| *valid == text)
        .then_some(text)
}

#[cfg(test)]
#[path = "matchrule_test.rs"]
mod tests;
