//! Custom menus: WeChat's limits on buttons, names, keys and URLs, and the fields each button
//! type requires. A menu is kept in WeChat's own JSON shape: the validated [`Menu`] serializes
//! back to exactly the body `/cgi-bin/menu/create` expects.

use serde::{Deserialize, Serialize};

use super::{BadRequest, Problem, parse_json};

/// Most top-level buttons in a menu.
pub const MAX_BUTTONS: usize = 3;
/// Most sub-buttons under one top-level button.
pub const MAX_SUB_BUTTONS: usize = 5;
/// Longest name of a top-level button, in UTF-8 bytes.
pub const MAX_NAME_BYTES: usize = 16;
/// Longest name of a sub-button, in UTF-8 bytes.
pub const MAX_SUB_NAME_BYTES: usize = 60;
/// Longest `key`, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// Longest `url`, in UTF-8 bytes.
pub const MAX_URL_BYTES: usize = 1024;

/// Every button `type` WeChat's `/cgi-bin/menu/create` accepts.
///
/// `view_limited` comes last: WeChat's create-menu reference still lists it (it needs a
/// `media_id`), and menus read back from older accounts carry it, so refusing it would refuse
/// menus WeChat itself serves.
pub const BUTTON_TYPES: &[&str] = &[
    "click",
    "view",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "media_id",
    "article_id",
    "article_view_limited",
    "miniprogram",
    "view_limited",
];

/// A custom menu in WeChat's own shape: `{"button": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    /// The top-level buttons, 1 to 3.
    pub button: Vec<Button>,
}

/// One menu button, top-level or sub-button, exactly as WeChat spells it.
///
/// Fields that are `None` are left out when serialized. `type` is kept as a plain string so
/// that an unknown type is reported by [`validate_menu`] with the list of valid ones, rather
/// than failing the parse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Button {
    /// The button's `type` (one of [`BUTTON_TYPES`]); absent on a button with sub-buttons.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The label: at most 16 bytes on a top-level button, 60 on a sub-button.
    pub name: String,
    /// Event key pushed back on click, scan, picture and location buttons; at most 128 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Page opened by `view`, or the fallback page of `miniprogram`; at most 1024 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Permanent material sent by `media_id` (and opened by `view_limited`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Published article for `article_id` and `article_view_limited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    /// Mini program opened by `miniprogram`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Page of the mini program opened by `miniprogram`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
    /// Sub-buttons, 1 to 5, on a top-level button that opens a submenu. An empty list (as
    /// WeChat itself returns on plain buttons) means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_button: Option<Vec<Button>>,
}

/// Reads a menu body; fails on broken JSON, unknown fields and wrong JSON types.
///
/// Rules about values (counts, lengths, types, required fields) are left to
/// [`validate_menu`].
///
/// # Errors
///
/// A [`BadRequest`] whose message names the problem and its line and column.
pub fn parse_menu(body: &[u8]) -> Result<Menu, BadRequest> {
    parse_json(body, "menu")
}

/// Checks `menu` against WeChat's rules.
///
/// # Errors
///
/// Every problem found, in document order (a button's own problems before its sub-buttons').
pub fn validate_menu(menu: &Menu) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    if menu.button.is_empty() {
        problems.push(Problem::new(
            "button",
            format!("a menu needs 1 to {MAX_BUTTONS} buttons, not none"),
        ));
    }
    for (i, button) in menu.button.iter().enumerate() {
        let path = format!("button[{i}]");
        if i == MAX_BUTTONS {
            problems.push(Problem::new(
                path.as_str(),
                format!(
                    "a menu has at most {MAX_BUTTONS} buttons, this one has {}",
                    menu.button.len()
                ),
            ));
        }
        check_top_button(button, &path, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Checks a top-level button: either a submenu (sub-buttons, no type) or a plain button.
fn check_top_button(button: &Button, path: &str, problems: &mut Vec<Problem>) {
    check_name(
        &button.name,
        path,
        MAX_NAME_BYTES,
        "a top-level button",
        problems,
    );
    match button.sub_button.as_deref() {
        Some(subs) if !subs.is_empty() => {
            if button.kind.is_some() {
                problems.push(Problem::new(
                    format!("{path}.type"),
                    "a button with sub_button cannot have a type",
                ));
            }
            check_lengths(button, path, problems);
            for (j, sub) in subs.iter().enumerate() {
                let sub_path = format!("{path}.sub_button[{j}]");
                if j == MAX_SUB_BUTTONS {
                    problems.push(Problem::new(
                        sub_path.as_str(),
                        format!(
                            "a button has at most {MAX_SUB_BUTTONS} sub-buttons, this one has {}",
                            subs.len()
                        ),
                    ));
                }
                check_sub_button(sub, &sub_path, problems);
            }
        }
        Some(_) if button.kind.is_none() => {
            problems.push(Problem::new(
                format!("{path}.sub_button"),
                format!(
                    "sub_button is empty; add 1 to {MAX_SUB_BUTTONS} sub-buttons, \
                     or remove it and give the button a type"
                ),
            ));
            check_lengths(button, path, problems);
        }
        _ => check_action(button, path, problems),
    }
}

/// Checks a sub-button: always a plain button, never a submenu of its own.
fn check_sub_button(button: &Button, path: &str, problems: &mut Vec<Problem>) {
    check_name(
        &button.name,
        path,
        MAX_SUB_NAME_BYTES,
        "a sub-button",
        problems,
    );
    check_action(button, path, problems);
    if button
        .sub_button
        .as_ref()
        .is_some_and(|subs| !subs.is_empty())
    {
        problems.push(Problem::new(
            format!("{path}.sub_button"),
            "a sub-button cannot have its own sub_button; menus are two levels deep",
        ));
    }
}

/// Checks that a name is present and at most `max` bytes long.
fn check_name(name: &str, path: &str, max: usize, what: &str, problems: &mut Vec<Problem>) {
    if name.trim().is_empty() {
        problems.push(Problem::new(
            format!("{path}.name"),
            "name must not be empty",
        ));
    } else if name.len() > max {
        problems.push(Problem::new(
            format!("{path}.name"),
            format!("name is {} bytes, at most {max} for {what}", name.len()),
        ));
    }
}

/// The field a button type needs, besides `name`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Key,
    Url,
    MediaId,
    ArticleId,
    Appid,
    Pagepath,
}

/// The fields of a button in serialization order, with their JSON names.
const FIELDS: [(Field, &str); 6] = [
    (Field::Key, "key"),
    (Field::Url, "url"),
    (Field::MediaId, "media_id"),
    (Field::ArticleId, "article_id"),
    (Field::Appid, "appid"),
    (Field::Pagepath, "pagepath"),
];

impl Field {
    fn of(self, button: &Button) -> Option<&str> {
        match self {
            Field::Key => button.key.as_deref(),
            Field::Url => button.url.as_deref(),
            Field::MediaId => button.media_id.as_deref(),
            Field::ArticleId => button.article_id.as_deref(),
            Field::Appid => button.appid.as_deref(),
            Field::Pagepath => button.pagepath.as_deref(),
        }
    }

    /// The byte limit WeChat documents for this field, if any.
    fn max_bytes(self) -> Option<usize> {
        match self {
            Field::Key => Some(MAX_KEY_BYTES),
            Field::Url => Some(MAX_URL_BYTES),
            Field::MediaId | Field::ArticleId | Field::Appid | Field::Pagepath => None,
        }
    }
}

/// The fields `kind` requires, or `None` when `kind` is not a button type.
fn required_fields(kind: &str) -> Option<&'static [Field]> {
    Some(match kind {
        "click" | "scancode_push" | "scancode_waitmsg" | "pic_sysphoto" | "pic_photo_or_album"
        | "pic_weixin" | "location_select" => &[Field::Key],
        "view" => &[Field::Url],
        "media_id" | "view_limited" => &[Field::MediaId],
        "article_id" | "article_view_limited" => &[Field::ArticleId],
        "miniprogram" => &[Field::Url, Field::Appid, Field::Pagepath],
        _ => return None,
    })
}

/// Checks a plain button's type, the fields that type requires, and the length limits.
fn check_action(button: &Button, path: &str, problems: &mut Vec<Problem>) {
    let type_path = format!("{path}.type");
    let valid = BUTTON_TYPES.join(", ");
    let required = match button.kind.as_deref() {
        None => {
            problems.push(Problem::new(
                type_path,
                format!("type is required on a button without sub_button; use one of {valid}"),
            ));
            None
        }
        Some(kind) => {
            let required = required_fields(kind);
            if required.is_none() {
                let message = if kind.is_empty() {
                    format!("type must not be empty; use one of {valid}")
                } else {
                    format!("type `{kind}` is not a menu button type; use one of {valid}")
                };
                problems.push(Problem::new(type_path, message));
            }
            required.map(|fields| (kind, fields))
        }
    };
    for (field, name) in FIELDS {
        let field_path = format!("{path}.{name}");
        let value = field.of(button);
        let required_by = required
            .filter(|(_, fields)| fields.contains(&field))
            .map(|(kind, _)| kind);
        if let Some(kind) = required_by {
            match value {
                None => {
                    problems.push(Problem::new(
                        field_path,
                        format!("{name} is required for type {kind}"),
                    ));
                    continue;
                }
                Some(v) if v.trim().is_empty() => {
                    problems.push(Problem::new(
                        field_path,
                        format!("{name} must not be empty for type {kind}"),
                    ));
                    continue;
                }
                Some(_) => {}
            }
        }
        check_length(field, name, value, field_path, problems);
    }
}

/// Checks the length limits of a button whose type is not checked (a submenu).
fn check_lengths(button: &Button, path: &str, problems: &mut Vec<Problem>) {
    for (field, name) in FIELDS {
        check_length(
            field,
            name,
            field.of(button),
            format!("{path}.{name}"),
            problems,
        );
    }
}

fn check_length(
    field: Field,
    name: &str,
    value: Option<&str>,
    path: String,
    problems: &mut Vec<Problem>,
) {
    if let (Some(value), Some(max)) = (value, field.max_bytes()) {
        if value.len() > max {
            problems.push(Problem::new(
                path,
                format!("{name} is {} bytes, at most {max}", value.len()),
            ));
        }
    }
}

#[cfg(test)]
#[path = "menu_test.rs"]
mod tests;
