//! Parsing and validation of the admin API's request bodies: custom menus and QR codes.
//!
//! Each body goes through two steps. `parse_*` turns the bytes into a typed request and fails
//! with a [`BadRequest`] (answer 400) when the body is not JSON, has an unknown field, or has a
//! value of the wrong JSON type; the message carries serde_json's line and column.
//! `validate_*` then checks WeChat's rules and fails with every [`Problem`] it finds (answer
//! 422), each naming the offending field by a 0-based path such as `button[0].sub_button[2].key`.
//!
//! A menu is kept in WeChat's own JSON shape: the validated [`Menu`] serializes back to exactly
//! the body `/cgi-bin/menu/create` expects, so what is stored and published is what was checked.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

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

/// Most permanent QR codes one account may create; the caller checks this against its store.
pub const MAX_PERMANENT_QRCODES: i64 = 100_000;
/// Longest life of a temporary QR code, in seconds (30 days); also its default.
pub const MAX_EXPIRE_SECONDS: u32 = 2_592_000;
/// Largest integer scene of a permanent QR code (`QR_LIMIT_SCENE`).
pub const MAX_PERMANENT_SCENE_ID: u32 = 100_000;
/// Longest string scene, in characters.
pub const MAX_SCENE_CHARS: usize = 64;

/// A body that could not be read as the expected JSON: answer 400 with this message.
///
/// The message says what is wrong and where, e.g. ``menu body does not have the expected shape:
/// unknown field `colour`, expected `button` at line 1 column 23``.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// One rule a well-formed body breaks: answer 422 with the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The offending field, as a 0-based path: `button[3]`, `button[0].sub_button[2].key`,
    /// `expire_seconds`.
    pub path: String,
    /// What is wrong, short and specific: `key is required for type click`.
    pub message: String,
}

impl Problem {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Prints `path: message`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Reads `body` as `T`, turning serde_json's error into a [`BadRequest`] that says whether the
/// JSON itself is broken or only its shape is wrong.
fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8], what: &str) -> Result<T, BadRequest> {
    serde_json::from_slice(body).map_err(|err| {
        let kind = match err.classify() {
            serde_json::error::Category::Data => "does not have the expected shape",
            serde_json::error::Category::Io
            | serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof => "is not valid JSON",
        };
        BadRequest(format!("{what} body {kind}: {err}"))
    })
}

// ---------------------------------------------------------------------------------------------
// Menus

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

// ---------------------------------------------------------------------------------------------
// QR codes

/// A QR code request as received: `{"scene": "promo" | 42, "permanent": bool,
/// "expire_seconds": n}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrCodeSpec {
    /// The scene carried by the code; required.
    pub scene: SceneSpec,
    /// Whether the code is permanent; defaults to temporary.
    #[serde(default)]
    pub permanent: bool,
    /// Life of a temporary code in seconds; defaults to [`MAX_EXPIRE_SECONDS`]. Kept wide so
    /// that 0, negative and huge values are reported by [`validate_qrcode`], not the parser.
    #[serde(default)]
    pub expire_seconds: Option<i64>,
}

/// A scene as received, before its range is checked.
///
/// A JSON string is always a string scene, even when it is all digits (`"007"`); a JSON
/// integer is an integer scene. Any other JSON value fails the parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SceneSpec {
    /// A JSON integer, kept exactly (wide enough for any `i64` or `u64`).
    Int(i128),
    /// A JSON string.
    Str(String),
}

impl<'de> Deserialize<'de> for SceneSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SceneVisitor;

        impl Visitor<'_> for SceneVisitor {
            type Value = SceneSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer scene")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SceneSpec, E> {
                Ok(SceneSpec::Int(i128::from(v)))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SceneSpec, E> {
                Ok(SceneSpec::Int(i128::from(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<SceneSpec, E> {
                Ok(SceneSpec::Str(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<SceneSpec, E> {
                Ok(SceneSpec::Str(v))
            }
        }

        deserializer.deserialize_any(SceneVisitor)
    }
}

/// The scene of a validated QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Scene {
    /// `scene_id`: 1..=100000 on a permanent code, 1..=4294967295 on a temporary one.
    Id(u32),
    /// `scene_str`: 1 to 64 characters.
    Str(String),
}

/// A QR code request that passed [`validate_qrcode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidQrCode {
    /// The scene the code carries.
    pub scene: Scene,
    /// Whether the code is permanent.
    pub permanent: bool,
    /// Life in seconds: `Some` (default [`MAX_EXPIRE_SECONDS`]) for a temporary code, `None`
    /// for a permanent one.
    pub expire_seconds: Option<u32>,
}

impl ValidQrCode {
    /// The `action_name` for `/cgi-bin/qrcode/create`: `QR_SCENE`, `QR_STR_SCENE`,
    /// `QR_LIMIT_SCENE` or `QR_LIMIT_STR_SCENE`.
    #[must_use]
    pub fn action_name(&self) -> &'static str {
        match (self.permanent, &self.scene) {
            (false, Scene::Id(_)) => "QR_SCENE",
            (false, Scene::Str(_)) => "QR_STR_SCENE",
            (true, Scene::Id(_)) => "QR_LIMIT_SCENE",
            (true, Scene::Str(_)) => "QR_LIMIT_STR_SCENE",
        }
    }
}

/// Reads a QR code body; fails on broken JSON, unknown fields, a missing scene, and a scene
/// that is neither a string nor an integer (a float, bool, null, array or object).
///
/// # Errors
///
/// A [`BadRequest`] whose message names the problem and its line and column.
pub fn parse_qrcode(body: &[u8]) -> Result<QrCodeSpec, BadRequest> {
    parse_json(body, "QR code")
}

/// Checks a QR code request against WeChat's limits and fills in the default expiry.
///
/// The quota of [`MAX_PERMANENT_QRCODES`] per account is not checked here: it needs the
/// store.
///
/// # Errors
///
/// Every problem found: at `scene` (out of range, empty or too long) and at `expire_seconds`
/// (set on a permanent code, or not within 1..=2592000).
pub fn validate_qrcode(spec: &QrCodeSpec) -> Result<ValidQrCode, Vec<Problem>> {
    let mut problems = Vec::new();

    let scene = match &spec.scene {
        SceneSpec::Int(id) => {
            let (max, what) = if spec.permanent {
                (i128::from(MAX_PERMANENT_SCENE_ID), "a permanent")
            } else {
                (i128::from(u32::MAX), "a temporary")
            };
            match u32::try_from(*id) {
                Ok(id) if id >= 1 && i128::from(id) <= max => Some(Scene::Id(id)),
                _ => {
                    problems.push(Problem::new(
                        "scene",
                        format!(
                            "scene {id} is out of range; {what} QR code's integer scene \
                             is 1..={max}"
                        ),
                    ));
                    None
                }
            }
        }
        SceneSpec::Str(s) => {
            let chars = s.chars().count();
            if s.is_empty() {
                problems.push(Problem::new("scene", "scene must not be empty"));
                None
            } else if chars > MAX_SCENE_CHARS {
                problems.push(Problem::new(
                    "scene",
                    format!("scene is {chars} characters, at most {MAX_SCENE_CHARS}"),
                ));
                None
            } else {
                Some(Scene::Str(s.clone()))
            }
        }
    };

    let expire_seconds = match (spec.permanent, spec.expire_seconds) {
        (true, None) => None,
        (true, Some(_)) => {
            problems.push(Problem::new(
                "expire_seconds",
                "expire_seconds cannot be set on a permanent QR code",
            ));
            None
        }
        (false, None) => Some(MAX_EXPIRE_SECONDS),
        (false, Some(seconds)) => match u32::try_from(seconds) {
            Ok(s) if (1..=MAX_EXPIRE_SECONDS).contains(&s) => Some(s),
            _ => {
                problems.push(Problem::new(
                    "expire_seconds",
                    format!(
                        "expire_seconds is {seconds}, must be 1..={MAX_EXPIRE_SECONDS} (30 days)"
                    ),
                ));
                None
            }
        },
    };

    match scene {
        Some(scene) if problems.is_empty() => Ok(ValidQrCode {
            scene,
            permanent: spec.permanent,
            expire_seconds,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
#[path = "validate_test.rs"]
mod tests;
