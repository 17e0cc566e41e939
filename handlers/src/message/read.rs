//! Typed reads from raw [`Fields`], each failure naming its field.
//!
//! Leniency rules, applied everywhere:
//! - a field holding an empty node (`{}` in JSON) reads as empty text;
//! - an element holding only whitespace where nested elements are expected (`<PicList></PicList>`)
//!   reads as a node without children;
//! - numbers may carry surrounding ASCII whitespace; an optional number that is blank is absent.

use std::str::FromStr;

use super::error::MessageError;
use crate::fields::{Fields, Value};

/// A view of one level of a push: the top level, or one nested element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    /// `None` for an element without children.
    fields: Option<&'a Fields>,
    /// The dotted path of this level, empty at the top.
    scope: &'static str,
}

impl<'a> Reader<'a> {
    /// The top level of a push.
    pub(crate) fn top(fields: &'a Fields) -> Self {
        Reader {
            fields: Some(fields),
            scope: "",
        }
    }

    fn path(&self, name: &str) -> String {
        if self.scope.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.scope)
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.fields.and_then(|fields| fields.get(name))
    }

    fn missing(&self, name: &str) -> MessageError {
        MessageError::MissingField {
            field: self.path(name),
        }
    }

    /// The text of `name`, `None` when absent.
    pub(crate) fn opt_str(&self, name: &str) -> Result<Option<&'a str>, MessageError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Text(text)) => Ok(Some(text)),
            Some(Value::Node(node)) if node.is_empty() => Ok(Some("")),
            Some(Value::Node(_)) => Err(MessageError::NotText {
                field: self.path(name),
            }),
        }
    }

    /// The text of `name`, which must be present.
    pub(crate) fn str(&self, name: &str) -> Result<&'a str, MessageError> {
        self.opt_str(name)?.ok_or_else(|| self.missing(name))
    }

    /// The text of `name` as an owned string, which must be present.
    pub(crate) fn string(&self, name: &str) -> Result<String, MessageError> {
        self.str(name).map(str::to_owned)
    }

    /// The text of `name` as an owned string, `None` when absent.
    pub(crate) fn opt_string(&self, name: &str) -> Result<Option<String>, MessageError> {
        Ok(self.opt_str(name)?.map(str::to_owned))
    }

    fn number<T>(&self, name: &str, parse: fn(&str) -> Option<T>) -> Result<T, MessageError> {
        let text = self.str(name)?;
        parse(text.trim_ascii()).ok_or_else(|| MessageError::not_a_number(self.path(name), text))
    }

    /// An unsigned integer made of ASCII digits only (no sign), which must be present.
    pub(crate) fn unsigned<T: FromStr>(&self, name: &str) -> Result<T, MessageError> {
        self.number(name, parse_unsigned::<T>)
    }

    /// A signed integer (ASCII digits with an optional leading `-`), which must be present.
    pub(crate) fn signed(&self, name: &str) -> Result<i64, MessageError> {
        self.number(name, parse_signed)
    }

    /// A finite decimal number, which must be present.
    pub(crate) fn float(&self, name: &str) -> Result<f64, MessageError> {
        self.number(name, parse_float)
    }

    /// An optional unsigned number: `None` when `name` is absent or blank.
    pub(crate) fn opt_unsigned<T: FromStr>(&self, name: &str) -> Result<Option<T>, MessageError> {
        match self.opt_str(name)? {
            Some(text) if !text.trim_ascii().is_empty() => self.unsigned(name).map(Some),
            _ => Ok(None),
        }
    }

    /// An optional signed number: `None` when `name` is absent or blank.
    pub(crate) fn opt_signed(&self, name: &str) -> Result<Option<i64>, MessageError> {
        match self.opt_str(name)? {
            Some(text) if !text.trim_ascii().is_empty() => self.signed(name).map(Some),
            _ => Ok(None),
        }
    }

    /// An optional decimal number: `None` when `name` is absent or blank.
    pub(crate) fn opt_float(&self, name: &str) -> Result<Option<f64>, MessageError> {
        match self.opt_str(name)? {
            Some(text) if !text.trim_ascii().is_empty() => self.float(name).map(Some),
            _ => Ok(None),
        }
    }

    /// The text of the first of `names` present, `None` when none is (for fields whose case
    /// differs between sources).
    pub(crate) fn opt_string_any(&self, names: &[&str]) -> Result<Option<String>, MessageError> {
        for name in names {
            if let Some(text) = self.opt_string(name)? {
                return Ok(Some(text));
            }
        }
        Ok(None)
    }

    /// A nested element, which must be present. `scope` is its full dotted path.
    pub(crate) fn node(&self, name: &str, scope: &'static str) -> Result<Reader<'a>, MessageError> {
        match self.get(name) {
            None => Err(self.missing(name)),
            Some(value) => self.nested(name, value, scope),
        }
    }

    /// Every nested element named `name`, in order (XML repeated elements, JSON arrays).
    pub(crate) fn nodes(
        &self,
        name: &'static str,
        scope: &'static str,
    ) -> impl Iterator<Item = Result<Reader<'a>, MessageError>> + use<'a> {
        let this = *self;
        self.fields
            .into_iter()
            .flat_map(move |fields| fields.all(name))
            .map(move |value| this.nested(name, value, scope))
    }

    /// Whether this level has no entries at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_none_or(Fields::is_empty)
    }

    /// Whether `name` is present at this level.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn nested(
        &self,
        name: &str,
        value: &'a Value,
        scope: &'static str,
    ) -> Result<Reader<'a>, MessageError> {
        match value {
            Value::Node(fields) => Ok(Reader {
                fields: Some(fields),
                scope,
            }),
            Value::Text(text) if text.trim_ascii().is_empty() => Ok(Reader {
                fields: None,
                scope,
            }),
            Value::Text(_) => Err(MessageError::NotNested {
                field: self.path(name),
            }),
        }
    }
}

fn parse_unsigned<T: FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_signed(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_float(text: &str) -> Option<f64> {
    // `f64::from_str` also accepts "inf" and "NaN"; neither is a coordinate.
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

#[cfg(test)]
#[path = "read_test.rs"]
mod tests;
