//! Wire codecs: push bodies in, passive replies out.
//!
//! Inbound, a push body (XML, or JSON for mini programs) decodes into the raw, lossless
//! [`Fields`]: every element or key in document order, nothing dropped, nothing typed yet.
//! Outbound, a [`Reply`](wxgate_handlers::Reply) renders to the passive-reply XML WeChat
//! documents, and an encrypted reply to its `<Encrypt>` envelope.
//!
//! | file        | direction | what                                                    |
//! |-------------|-----------|---------------------------------------------------------|
//! | `xml.rs`    | inbound   | [`parse_xml`]: hardened, iterative, borrows the body    |
//! | `json.rs`   | inbound   | [`parse_json`]: objects, arrays and scalars to fields   |
//! | `render.rs` | outbound  | [`render_reply`], [`render_encrypted`]                  |
//!
//! Every function here is total: malformed input gives a [`WireError`], never a panic.
//!
//! ```
//! use wxgate::internals::wire;
//!
//! let body = b"<xml><MsgType><![CDATA[text]]></MsgType><Content>hi</Content></xml>";
//! let fields = wire::decode(wire::detect(Some("text/xml"), body), body)?;
//! assert_eq!(fields.text("Content"), Some("hi"));
//! # Ok::<(), wire::WireError>(())
//! ```

use std::borrow::Cow;

use thiserror::Error;
use wxgate_handlers::Fields;

mod flat;
pub mod json;
pub mod render;
pub mod xml;

pub use json::parse_json;
pub(crate) use render::decimal;
pub use render::{render_encrypted, render_reply, render_reply_body, render_reply_with_body};
pub use xml::{parse_xml, parse_xml_field};

/// The deepest element nesting accepted, the root element (or top-level JSON object) being 1.
pub const MAX_DEPTH: usize = 32;

/// The most elements one XML document may hold, the root included.
pub const MAX_ELEMENTS: usize = 10_000;

/// The encoding of a push body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `<xml>...</xml>`: official accounts, and mini programs configured for XML.
    Xml,
    /// `{"ToUserName": ...}`: mini programs configured for JSON.
    Json,
}

/// Tells the body's format from the request's `Content-Type` and the body itself.
///
/// JSON when the media type is `application/json` (parameters such as `charset` and letter case
/// ignored), or when the body's first byte after whitespace (and a UTF-8 byte order mark) is `{`;
/// XML otherwise.
pub fn detect(content_type: Option<&str>, body: &[u8]) -> Format {
    let json_header = content_type.is_some_and(|value| {
        let media_type = value.split(';').next().unwrap_or_default();
        media_type.trim().eq_ignore_ascii_case("application/json")
    });
    let json_body = strip_bom(body)
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&byte| byte == b'{');
    if json_header || json_body {
        Format::Json
    } else {
        Format::Xml
    }
}

/// Decodes a push body of the given format into its raw fields.
pub fn decode(format: Format, body: &[u8]) -> Result<Fields, WireError> {
    match format {
        Format::Xml => parse_xml(body),
        Format::Json => parse_json(body),
    }
}

/// The text of one field of a push body: what [`decode`] followed by [`Fields::text`] gives,
/// read in place from a flat XML body.
pub fn decode_field<'a>(
    format: Format,
    body: &'a [u8],
    name: &str,
) -> Result<Option<Cow<'a, str>>, WireError> {
    match format {
        Format::Xml => parse_xml_field(body, name),
        Format::Json => Ok(parse_json(body)?
            .text(name)
            .map(|text| Cow::Owned(text.to_owned()))),
    }
}

/// Why a push body could not be decoded. Every message says what was wrong and where (a byte
/// offset into the body for XML, a line and column for JSON).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WireError {
    /// The body is not valid UTF-8.
    #[error("invalid UTF-8 at byte {at}")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        at: usize,
    },
    /// The body contains a NUL character, which XML never allows.
    #[error("NUL character at byte {at}")]
    Nul {
        /// Offset of the NUL byte.
        at: usize,
    },
    /// A document type declaration; refused outright so no entity is ever declared or expanded.
    #[error("DOCTYPE is not allowed (byte {at})")]
    Doctype {
        /// Offset of the declaration.
        at: usize,
    },
    /// An entity reference other than the five predefined ones.
    #[error("unknown entity &{name}; at byte {at}")]
    UnknownEntity {
        /// The entity name (shortened when very long).
        name: String,
        /// Offset of the reference.
        at: usize,
    },
    /// A numeric character reference that names no allowed character.
    #[error("invalid character reference &{reference}; at byte {at}")]
    InvalidCharRef {
        /// The reference without `&` and `;` (shortened when very long).
        reference: String,
        /// Offset of the reference.
        at: usize,
    },
    /// Elements (or JSON objects and arrays) nested deeper than [`MAX_DEPTH`].
    #[error("element nesting deeper than {MAX_DEPTH} at byte {at}")]
    TooDeep {
        /// Offset of the element that went too deep.
        at: usize,
    },
    /// More than [`MAX_ELEMENTS`] elements.
    #[error("more than {MAX_ELEMENTS} elements (byte {at})")]
    TooManyElements {
        /// Offset of the element over the limit.
        at: usize,
    },
    /// An end tag that does not close the open element.
    #[error("end tag </{found}> does not match <{expected}> at byte {at}")]
    MismatchedTag {
        /// The open element.
        expected: String,
        /// The end tag found.
        found: String,
        /// Offset of the end tag.
        at: usize,
    },
    /// An end tag with no open element.
    #[error("end tag </{name}> without a start tag at byte {at}")]
    UnexpectedEndTag {
        /// The end tag found.
        name: String,
        /// Offset of the end tag.
        at: usize,
    },
    /// The body ended inside an element: truncated or never closed.
    #[error("document ends before <{name}> is closed")]
    Unclosed {
        /// The innermost open element.
        name: String,
    },
    /// No root element at all (empty body, only whitespace or comments).
    #[error("no root element")]
    NoRoot,
    /// A second top-level element.
    #[error("second root element <{name}> at byte {at}")]
    MultipleRoots {
        /// The second root's name.
        name: String,
        /// Offset of its start tag.
        at: usize,
    },
    /// Text, CDATA or a reference before or after the root element.
    #[error("content outside the root element at byte {at}")]
    OutsideRoot {
        /// Offset of the content.
        at: usize,
    },
    /// An element holding both non-whitespace text and child elements.
    #[error("element <{name}> mixes text with child elements (byte {at})")]
    MixedContent {
        /// The element's name.
        name: String,
        /// Offset where the mix was noticed.
        at: usize,
    },
    /// Any other XML syntax error (unclosed tag, bad markup, stray `&`, ...).
    #[error("malformed XML at byte {at}: {detail}")]
    Syntax {
        /// Offset of the error.
        at: usize,
        /// The parser's description.
        detail: String,
    },
    /// A JSON body whose top level is not an object.
    #[error("expected a JSON object at the top level, found {found}")]
    JsonNotObject {
        /// What was found instead (`an array`, `a string`, `nothing`, ...).
        found: &'static str,
    },
    /// JSON objects and arrays nested deeper than [`MAX_DEPTH`].
    #[error("JSON nesting deeper than {MAX_DEPTH} at line {line}, column {column}")]
    JsonTooDeep {
        /// Line of the container that went too deep (1-based).
        line: usize,
        /// Column of the container that went too deep (1-based).
        column: usize,
    },
    /// Malformed JSON.
    #[error("malformed JSON: {detail}")]
    Json {
        /// The parser's description, with line and column.
        detail: String,
    },
}

/// Shortens untrusted text quoted in an error message, so a hostile body cannot make the error
/// (and the log line it ends up in) arbitrarily long.
fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The body without a leading UTF-8 byte order mark.
fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// Whether XML 1.0 allows `ch` in a document (its `Char` production).
fn is_xml_char(ch: char) -> bool {
    matches!(ch, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
#[path = "wire_test.rs"]
mod tests;
