//! The fast path of [`parse_xml`](super::parse_xml) for the shape nearly every push has: a root
//! element whose children each hold one run of plain text or one CDATA section, with nothing
//! else around them but whitespace.
//!
//! ```xml
//! <xml><ToUserName><![CDATA[gh_3ad31b1e8f7c]]></ToUserName>
//! <CreateTime>1348831860</CreateTime><Content><![CDATA[hello]]></Content></xml>
//! ```
//!
//! It reads such a document with a handful of byte searches instead of the general parser's
//! event loop, and gives exactly the [`Fields`] the general parser would. Anything outside that
//! shape — attributes, entities, comments, a declaration, nesting, an empty-element tag, an end
//! tag with whitespace, a second CDATA section, any error — makes it step aside (`None`), and
//! the general parser reads the document from the start: it alone accepts the rest and names
//! every error. So this path can only ever accept a subset of what the general parser accepts,
//! and `flat_path_agrees_with_the_general_parser` (in `flat_test.rs`) checks that the fields
//! are the same.
//!
//! This module and [`xml`](super::xml) import each other, on purpose. The calls go one way:
//! `xml`'s entry points, [`parse_xml`](super::parse_xml) and
//! [`parse_xml_field`](super::parse_xml_field), call [`parse`] or [`visit`] here first and, when
//! it answers `None`, run the general parser on the whole document themselves. Nothing here
//! calls the general parser: stepping aside is all it takes to hand a document over. What this
//! module takes from `xml` are two character classes, its table of name characters
//! (`ASCII_NAME`) and its whitespace test (`is_space`), so that the fast path tells element
//! names and whitespace exactly as the general parser does, from one definition.

use wxgate_handlers::{Fields, Value};

use super::MAX_ELEMENTS;
use super::xml::{ASCII_NAME, is_space};

const CDATA_OPEN: &[u8] = b"<![CDATA[";
const CDATA_CLOSE: &[u8] = b"]]>";

/// The fields of `src` (UTF-8 without NUL, as [`parse_xml`](super::parse_xml) has checked), or
/// `None` when the document is not flat and simple.
pub(super) fn parse(src: &str) -> Option<Fields> {
    // Room for a typical push's fields at once (collected into `Fields` without a copy).
    let mut entries = Vec::with_capacity(8);
    visit(src, |name, text| {
        entries.push((name.to_owned(), Value::Text(text.to_owned())));
    })?;
    Some(entries.into_iter().collect())
}

/// Calls `child` with the name and text of each child of the root in document order, in place;
/// `None` (after any number of calls) when the document is not flat and simple.
pub(super) fn visit<'a>(src: &'a str, mut child: impl FnMut(&'a str, &'a str)) -> Option<()> {
    let bytes = src.as_bytes();
    let (root, mut at) = start_tag(src, skip_whitespace(bytes, 0))?;
    // The root counts as one element.
    let mut elements = 1;
    loop {
        at = skip_whitespace(bytes, at);
        if bytes.get(at..at + 2)? == b"</" {
            let end = end_tag(bytes, at, root)?;
            return (skip_whitespace(bytes, end) == bytes.len()).then_some(());
        }
        let (name, content_at) = start_tag(src, at)?;
        elements += 1;
        if elements > MAX_ELEMENTS {
            return None;
        }
        let (text, end_at) = content(src, content_at)?;
        at = end_tag(bytes, end_at, name)?;
        child(name, text);
    }
}

/// `<Name>` at `at`, the name an ASCII XML name and nothing between it and `>`: the name, and
/// where the element's content starts.
fn start_tag(src: &str, at: usize) -> Option<(&str, usize)> {
    let bytes = src.as_bytes();
    if bytes.get(at) != Some(&b'<') {
        return None;
    }
    let start = at + 1;
    // A byte that is not ASCII has 0 in the table, so a name is ASCII through and through.
    if ASCII_NAME[usize::from(*bytes.get(start)?)] != 2 {
        return None;
    }
    let len = bytes[start..]
        .iter()
        .position(|&byte| ASCII_NAME[usize::from(byte)] == 0)?;
    let end = start + len;
    if bytes[end] != b'>' {
        return None;
    }
    // `start` and `end` sit next to ASCII bytes, so both are character boundaries.
    Some((src.get(start..end)?, end + 1))
}

/// The element's content at `at`: one CDATA section, or plain text with no markup, no
/// reference and no `]]>`. Returns it and where the end tag must start.
fn content(src: &str, at: usize) -> Option<(&str, usize)> {
    let bytes = src.as_bytes();
    let rest = bytes.get(at..)?;
    if rest.starts_with(CDATA_OPEN) {
        let start = at + CDATA_OPEN.len();
        // The section ends at the first `]]>`.
        let close = memchr::memchr_iter(b'>', &bytes[start..])
            .find(|&i| i >= 2 && &bytes[start + i - 2..start + i] == b"]]")?;
        let end = start + close - 2;
        return Some((src.get(start..end)?, end + CDATA_CLOSE.len()));
    }
    for i in memchr::memchr3_iter(b'<', b'&', b'>', rest) {
        match rest[i] {
            b'<' => return Some((src.get(at..at + i)?, at + i)),
            b'>' if !(i >= 2 && &rest[i - 2..i] == b"]]") => {}
            // A reference, or `]]>` outside a section.
            _ => return None,
        }
    }
    None
}

/// `</name>` exactly at `at`: where it ends.
fn end_tag(bytes: &[u8], at: usize, name: &str) -> Option<usize> {
    let name = name.as_bytes();
    let tag = bytes.get(at..at + name.len() + 3)?;
    (tag.starts_with(b"</") && &tag[2..2 + name.len()] == name && tag[2 + name.len()] == b'>')
        .then_some(at + tag.len())
}

/// The first byte at or after `at` that is not XML whitespace (or the end).
fn skip_whitespace(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&byte| !is_space(byte)))
        .map_or(bytes.len(), |skipped| at + skipped)
}

#[cfg(test)]
#[path = "flat_test.rs"]
mod tests;
