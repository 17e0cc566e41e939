//! QR codes: a scene (integer or string) within the range of its kind, a temporary code's
//! life, and WeChat's cap on permanent codes.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::{BadRequest, Problem, parse_json};

/// Most permanent QR codes one account may create; the caller checks this against its store.
pub const MAX_PERMANENT_QRCODES: i64 = 100_000;
/// Longest life of a temporary QR code, in seconds (30 days); also its default.
pub const MAX_EXPIRE_SECONDS: u32 = 2_592_000;
/// Largest integer scene of a permanent QR code (`QR_LIMIT_SCENE`).
pub const MAX_PERMANENT_SCENE_ID: u32 = 100_000;
/// Longest string scene, in characters.
pub const MAX_SCENE_CHARS: usize = 64;

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
#[path = "qrcode_test.rs"]
mod tests;
