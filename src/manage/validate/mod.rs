//! Parsing and validation of what an admin submits: custom menus, conditional menus and QR
//! codes.
//!
//! Each body goes through two steps. `parse_*` turns the bytes into a typed request and fails
//! with a [`BadRequest`] (answer 400) when the body is not JSON, has an unknown field, or has a
//! value of the wrong JSON type; the message carries serde_json's line and column. (A
//! conditional menu's own fields and its match rule are read loosely and reported by the rules
//! instead, so that every problem comes back at once.)
//! `validate_*` then checks WeChat's rules and fails with every [`Problem`] it finds (answer
//! 422), each naming the offending field by a 0-based path such as `button[0].sub_button[2].key`.
//!
//! A menu is kept in WeChat's own JSON shape: the validated [`Menu`] serializes back to exactly
//! the body `/cgi-bin/menu/create` expects, so what is stored and published is what was checked.

pub mod matchrule;
pub mod menu;
pub mod qrcode;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use matchrule::*;
pub use menu::*;
pub use qrcode::*;

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
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
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
pub(crate) fn parse_json<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    what: &str,
) -> Result<T, BadRequest> {
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
