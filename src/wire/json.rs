//! JSON push bodies (mini programs) to [`Fields`].
//!
//! The body streams straight into [`Fields`], without an intermediate `serde_json::Value`, so
//! key order and repeated keys survive exactly as sent.
//!
//! - The top level must be an object (a UTF-8 byte order mark before it is skipped); its keys
//!   become the fields, in order.
//! - A nested object becomes a [`Value::Node`].
//! - An array becomes one entry per element under the array's key, so an array of objects reads
//!   like repeated XML `<item>` nodes. Arrays nested directly in arrays are flattened into the
//!   same key (`{"a": [[1, 2], [3]]}` gives `a=1, a=2, a=3`), and an empty array gives no entry.
//!   The key is marked as a list ([`Fields::mark_list`]), so that [`Fields::to_json`] (what
//!   `forward` bots receive) gives an array back, with one element or none too.
//! - Strings become [`Value::Text`]; numbers the text of their value (integers exactly, as
//!   `MsgId` needs; fractions in shortest round-trip form, so `23.137466` stays `23.137466`);
//!   booleans `true` / `false`; `null` the empty string.
//! - Objects and arrays nested deeper than [`MAX_DEPTH`] (the top-level object being 1, each
//!   object or array one more) are refused.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use wxgate_handlers::{Fields, Value};

use super::{MAX_DEPTH, WireError, strip_bom};

/// Parses a JSON push body into its fields.
///
/// See the [module documentation](self) for how each JSON type maps to [`Fields`].
pub fn parse_json(body: &[u8]) -> Result<Fields, WireError> {
    let body = strip_bom(body);
    let first = body.iter().copied().find(|byte| !is_json_whitespace(*byte));
    if first != Some(b'{') {
        return Err(WireError::JsonNotObject {
            found: describe(first),
        });
    }
    let too_deep = Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = TopLevel {
        too_deep: &too_deep,
    }
    .deserialize(&mut de)
    .and_then(|fields| de.end().map(|()| fields));
    parsed.map_err(|err| {
        if too_deep.get() {
            WireError::JsonTooDeep {
                line: err.line(),
                column: err.column(),
            }
        } else {
            WireError::Json {
                detail: err.to_string(),
            }
        }
    })
}

fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Names what a non-object top level starts with, for the error message.
fn describe(first: Option<u8>) -> &'static str {
    match first {
        None => "nothing",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b'-' | b'0'..=b'9') => "a number",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'<') => "XML",
        Some(_) => "something else",
    }
}

/// The top-level object.
struct TopLevel<'c> {
    /// Set when the depth limit stops the parse, to tell that apart from a syntax error.
    too_deep: &'c Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = Fields;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Fields, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Fields, A::Error> {
        object(map, 1, self.too_deep)
    }
}

/// Reads the members of an object at `depth` into fields.
fn object<'de, A: MapAccess<'de>>(
    mut map: A,
    depth: usize,
    too_deep: &Cell<bool>,
) -> Result<Fields, A::Error> {
    let mut fields = Fields::new();
    while let Some(key) = map.next_key::<String>()? {
        map.next_value_seed(Entry {
            key,
            depth,
            too_deep,
            out: &mut fields,
        })?;
    }
    Ok(fields)
}

/// One value, appended to `out` under `key`: a member of an object, or an element of an array
/// (which takes its array's key).
struct Entry<'a> {
    /// Moved into the entry it names; each element of an array gets a copy.
    key: String,
    /// Depth of the object or array holding this value.
    depth: usize,
    too_deep: &'a Cell<bool>,
    out: &'a mut Fields,
}

impl Entry<'_> {
    fn text(self, text: String) {
        self.out.push(self.key, Value::Text(text));
    }

    /// The depth of a container opened here, or an error past the limit.
    fn nested<E: de::Error>(&self) -> Result<usize, E> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            self.too_deep.set(true);
            return Err(E::custom(format_args!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(depth)
    }
}

impl<'de> DeserializeSeed<'de> for Entry<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.text(v.to_owned());
        Ok(())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.text(v);
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.text(v.to_string());
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.text(v.to_string());
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // serde_json's own formatting: the shortest text that reads back as the same number.
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        self.text(text);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.text(if v { "true" } else { "false" }.to_owned());
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.text(String::new());
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let depth = self.nested()?;
        let fields = object(map, depth, self.too_deep)?;
        self.out.push(self.key, Value::Node(fields));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.nested()?;
        self.out.mark_list(self.key.as_str());
        while seq
            .next_element_seed(Entry {
                key: self.key.clone(),
                depth,
                too_deep: self.too_deep,
                out: &mut *self.out,
            })?
            .is_some()
        {}
        Ok(())
    }
}

#[cfg(test)]
#[path = "json_test.rs"]
mod tests;
