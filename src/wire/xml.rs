//! XML push bodies to [`Fields`].
//!
//! Flat documents — nearly every push, and every encrypted envelope — are read by a fast path
//! (`wire::flat`, private) that gives exactly the fields this parser gives; it steps aside for
//! anything else, and everything below applies to what reaches the parser here.
//!
//! This module and `flat` import each other, on purpose. [`parse_xml`] and [`parse_xml_field`]
//! call the fast path first and, when it steps aside (`None`), run the general parser here on
//! the whole document; the fast path never calls the general parser, so the fallback lives in
//! these two functions alone. In the other direction `flat` uses only two character classes
//! from here, the table of name characters (`ASCII_NAME`) and the whitespace test
//! (`is_space`), so that both paths tell element names and whitespace by one definition.
//!
//! The parser is deliberately small and strict. It reads the body in place (no copy of the body;
//! only element names and text are allocated, once each, for the resulting [`Fields`]) with an
//! explicit stack instead of recursion, so nesting depth costs heap, never call stack.
//!
//! Accepted, and what each becomes:
//! - exactly one root element, of any name; its children become the fields, in order;
//! - an element with child elements becomes a [`Value::Node`]; whitespace between its children is
//!   ignored;
//! - an element without children becomes [`Value::Text`]: all its text and CDATA sections joined
//!   in order, exactly as sent (no trimming, no line-end normalization), `""` when empty — but
//!   for whitespace-only text right before or after a CDATA section, which is formatting
//!   (`<MsgType> <![CDATA[event]]> </MsgType>` is `event`, as WeChat's own samples write it);
//!   the CDATA section's own content is kept exactly;
//! - the five predefined entities (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`) and numeric
//!   character references (`&#233;` `&#xE9;`) are resolved;
//! - the XML declaration, processing instructions, comments, attributes and a UTF-8 byte order
//!   mark are ignored.
//!
//! Refused with a [`WireError`]: any `DOCTYPE` (so no entity is ever declared, let alone
//! expanded), any other entity, invalid UTF-8, NUL, nesting deeper than [`MAX_DEPTH`], more than
//! [`MAX_ELEMENTS`] elements, an element name that is not an XML `Name`, mismatched or unclosed
//! tags, a second root, content outside the root, `]]>` outside a CDATA section, and elements
//! that mix non-whitespace text with child elements.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::errors::IllFormedError;
use quick_xml::events::{BytesRef, Event};
use wxgate_handlers::{Fields, Value};

use super::{MAX_DEPTH, MAX_ELEMENTS, WireError, is_xml_char, quote};

/// Parses an XML push body into the fields under its root element.
///
/// See the [module documentation](self) for exactly what is accepted.
pub fn parse_xml(body: &[u8]) -> Result<Fields, WireError> {
    let src = checked(body)?;
    match super::flat::parse(src) {
        Some(fields) => Ok(fields),
        None => parse_general(src),
    }
}

/// The text of the root's first child named `name`, as [`parse_xml`] followed by
/// [`Fields::text`] would give it, but read in place when the document is flat (the encrypted
/// envelope always is: its `Encrypt` is hundreds of bytes that need no copy).
pub fn parse_xml_field<'a>(body: &'a [u8], name: &str) -> Result<Option<Cow<'a, str>>, WireError> {
    let src = checked(body)?;
    let mut found = None;
    let flat = super::flat::visit(src, |child, text| {
        if found.is_none() && child == name {
            found = Some(text);
        }
    });
    match flat {
        Some(()) => Ok(found.map(Cow::Borrowed)),
        None => Ok(parse_general(src)?
            .text(name)
            .map(|text| Cow::Owned(text.to_owned()))),
    }
}

/// `body` as a string, if it is UTF-8 without NUL. Validated with SIMD code; a body it refuses
/// is validated again by `std`, for the position of the first invalid byte.
fn checked(body: &[u8]) -> Result<&str, WireError> {
    let src = simdutf8::basic::from_utf8(body).or_else(|_| {
        std::str::from_utf8(body).map_err(|err| WireError::InvalidUtf8 {
            at: err.valid_up_to(),
        })
    })?;
    match memchr::memchr(0, body) {
        Some(at) => Err(WireError::Nul { at }),
        None => Ok(src),
    }
}

/// The general parser alone, without the fast path for flat documents ([`super::flat`]).
pub(super) fn parse_general(src: &str) -> Result<Fields, WireError> {
    Parser::new(src).run()
}

/// One open element.
struct Frame<'a> {
    /// The element's name, borrowed from the body.
    name: &'a str,
    /// Its character data so far; dropped (it must be whitespace) once a child appears.
    text: String,
    /// The run of plain text (and resolved references) read last, if the last thing read was
    /// not a CDATA section: where it starts in `text`, whether it is all whitespace so far, and
    /// whether a CDATA section came right before it. A whitespace-only run next to a section
    /// is dropped when the run ends (at the next section, or at the end tag).
    run: Option<Run>,
    /// Whether the last thing read was a CDATA section.
    after_cdata: bool,
    /// Its children, once the first one has appeared.
    children: Option<Fields>,
}

/// See [`Frame::run`].
#[derive(Clone, Copy)]
struct Run {
    start: usize,
    blank: bool,
    after_cdata: bool,
}

impl<'a> Frame<'a> {
    fn new(name: &'a str) -> Self {
        Frame {
            name,
            text: String::new(),
            run: None,
            after_cdata: false,
            children: None,
        }
    }

    /// Appends plain text (or a resolved reference, with `blank` false), which must be
    /// whitespace once the element has children.
    fn push_text(&mut self, text: &str, blank: bool, at: usize) -> Result<(), WireError> {
        if self.children.is_some() {
            return self.between_children(text, at);
        }
        match &mut self.run {
            Some(run) => run.blank &= blank,
            None => {
                self.run = Some(Run {
                    start: self.text.len(),
                    blank,
                    after_cdata: self.after_cdata,
                });
            }
        }
        self.after_cdata = false;
        self.text.push_str(text);
        Ok(())
    }

    /// Appends a CDATA section's content, dropping the whitespace-only text right before it.
    fn push_cdata(&mut self, text: &str, at: usize) -> Result<(), WireError> {
        if self.children.is_some() {
            return self.between_children(text, at);
        }
        if let Some(Run {
            start, blank: true, ..
        }) = self.run
        {
            self.text.truncate(start);
        }
        self.run = None;
        self.after_cdata = true;
        self.text.push_str(text);
        Ok(())
    }

    /// Character data once the element has children: whitespace is formatting, anything else
    /// is mixed content.
    fn between_children(&self, text: &str, at: usize) -> Result<(), WireError> {
        if is_whitespace(text) {
            Ok(())
        } else {
            Err(self.mixed(at))
        }
    }

    /// Appends a finished child element.
    fn push_child(&mut self, name: &str, value: Value, at: usize) -> Result<(), WireError> {
        let children = match &mut self.children {
            Some(children) => children,
            None => {
                if !is_whitespace(&self.text) {
                    return Err(self.mixed(at));
                }
                self.text = String::new();
                self.children.insert(Fields::new())
            }
        };
        children.push(name, value);
        Ok(())
    }

    fn into_value(mut self) -> Value {
        match self.children {
            Some(children) => Value::Node(children),
            None => {
                if let Some(Run {
                    start,
                    blank: true,
                    after_cdata: true,
                }) = self.run
                {
                    self.text.truncate(start);
                }
                Value::Text(self.text)
            }
        }
    }

    fn mixed(&self, at: usize) -> WireError {
        WireError::MixedContent {
            name: quote(self.name),
            at,
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    reader: Reader<&'a [u8]>,
    /// Open elements, the root at the bottom. The root's frame always has `children` set, so
    /// text directly inside it is refused as mixed content.
    stack: Vec<Frame<'a>>,
    elements: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        let mut reader = Reader::from_str(src);
        let config = reader.config_mut();
        // The reader matches every end tag with its start tag, so a popped frame is always the
        // element being closed.
        config.check_end_names = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Parser {
            src,
            reader,
            stack: Vec::with_capacity(8),
            elements: 0,
        }
    }

    fn run(mut self) -> Result<Fields, WireError> {
        // The root's fields, once the root element has ended.
        let mut done: Option<Fields> = None;
        loop {
            let at = position(&self.reader);
            let event = self
                .reader
                .read_event()
                .map_err(|err| syntax_error(err, position_of_error(&self.reader)))?;
            match event {
                Event::Start(start) => {
                    let name = self.name(start.name().as_ref(), at)?;
                    if done.is_some() {
                        return Err(second_root(name, at));
                    }
                    self.count_element(at)?;
                    let mut frame = Frame::new(name);
                    if self.stack.is_empty() {
                        frame.children = Some(Fields::new());
                    }
                    self.stack.push(frame);
                }
                Event::Empty(start) => {
                    let name = self.name(start.name().as_ref(), at)?;
                    if done.is_some() {
                        return Err(second_root(name, at));
                    }
                    self.count_element(at)?;
                    match self.stack.last_mut() {
                        Some(parent) => parent.push_child(name, Value::Text(String::new()), at)?,
                        None => done = Some(Fields::new()),
                    }
                }
                Event::End(_) => {
                    // The reader has checked the name and refused unmatched end tags.
                    let Some(frame) = self.stack.pop() else {
                        return Err(WireError::Syntax {
                            at,
                            detail: "end tag without a start tag".to_owned(),
                        });
                    };
                    match self.stack.last_mut() {
                        Some(parent) => parent.push_child(frame.name, frame.into_value(), at)?,
                        None => done = Some(frame.children.unwrap_or_default()),
                    }
                }
                Event::Text(text) => {
                    let text = self.slice(&text, at)?;
                    // XML forbids `]]>` in character data: it ends a CDATA section only.
                    if text.contains("]]>") {
                        return Err(WireError::Syntax {
                            at,
                            detail: "`]]>` outside a CDATA section".to_owned(),
                        });
                    }
                    self.text(text, at)?;
                }
                Event::CData(cdata) => {
                    let text = self.slice(&cdata, at)?;
                    self.innermost(at)?.push_cdata(text, at)?;
                }
                Event::GeneralRef(reference) => {
                    let resolved = resolve(&reference, at)?;
                    let mut buf = [0; 4];
                    self.innermost(at)?
                        .push_text(resolved.encode_utf8(&mut buf), false, at)?;
                }
                Event::DocType(_) => return Err(WireError::Doctype { at }),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::Eof => {
                    return match (self.stack.last(), done) {
                        (Some(open), _) => Err(WireError::Unclosed {
                            name: quote(open.name),
                        }),
                        (None, Some(fields)) => Ok(fields),
                        (None, None) => Err(WireError::NoRoot),
                    };
                }
            }
        }
    }

    /// Plain text: whitespace is fine anywhere, anything else only inside an element.
    fn text(&mut self, text: &str, at: usize) -> Result<(), WireError> {
        let blank = is_whitespace(text);
        if self.stack.is_empty() && blank {
            return Ok(());
        }
        self.innermost(at)?.push_text(text, blank, at)
    }

    /// The innermost open element, which character data belongs to.
    fn innermost(&mut self, at: usize) -> Result<&mut Frame<'a>, WireError> {
        self.stack.last_mut().ok_or(WireError::OutsideRoot { at })
    }

    fn count_element(&mut self, at: usize) -> Result<(), WireError> {
        // The element being opened is one level below the open ones.
        if self.stack.len() >= MAX_DEPTH {
            return Err(WireError::TooDeep { at });
        }
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(WireError::TooManyElements { at });
        }
        Ok(())
    }

    /// An element's name, which must be an XML `Name`. The reader takes everything up to the
    /// first whitespace, `/>` or `>` as the name, so `<>` or `<a</b>` would otherwise open
    /// elements no XML parser (WeChat's included) would accept.
    fn name(&self, raw: &[u8], at: usize) -> Result<&'a str, WireError> {
        let name = self.slice(raw, at)?;
        if is_xml_name(name) {
            Ok(name)
        } else {
            Err(WireError::Syntax {
                at,
                detail: format!("invalid element name {:?}", quote(name)),
            })
        }
    }

    /// The part of the body that `part` borrows, as `&str` with the body's lifetime.
    ///
    /// The reader hands out sub-slices of the body, which was checked to be UTF-8 once, up
    /// front; locating the sub-slice by its offset avoids checking those bytes a second time.
    /// `str::get` still checks that both ends fall on character boundaries.
    fn slice(&self, part: &[u8], at: usize) -> Result<&'a str, WireError> {
        let start = (part.as_ptr() as usize).wrapping_sub(self.src.as_ptr() as usize);
        start
            .checked_add(part.len())
            .and_then(|end| self.src.get(start..end))
            .ok_or_else(|| WireError::Syntax {
                at,
                detail: "unexpected markup".to_owned(),
            })
    }
}

/// Resolves `&name;`: the five predefined entities and numeric character references only.
fn resolve(reference: &BytesRef<'_>, at: usize) -> Result<char, WireError> {
    let raw = || quote(&String::from_utf8_lossy(reference.as_ref()));
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(ch)) if is_xml_char(ch) => Ok(ch),
            _ => Err(WireError::InvalidCharRef {
                reference: raw(),
                at,
            }),
        };
    }
    let name: &[u8] = reference;
    match name {
        b"lt" => Ok('<'),
        b"gt" => Ok('>'),
        b"amp" => Ok('&'),
        b"apos" => Ok('\''),
        b"quot" => Ok('"'),
        _ => Err(WireError::UnknownEntity { name: raw(), at }),
    }
}

/// Maps the reader's errors, giving tag mismatches their own, clearer variants.
fn syntax_error(err: quick_xml::Error, at: usize) -> WireError {
    match err {
        quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            WireError::MismatchedTag {
                expected: quote(&expected),
                found: quote(&found),
                at,
            }
        }
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            WireError::UnexpectedEndTag {
                name: quote(&name),
                at,
            }
        }
        other => WireError::Syntax {
            at,
            detail: other.to_string(),
        },
    }
}

/// Whether `name` matches XML 1.0's `Name` production (letters, digits, `_`, `-`, `.`, `:` and
/// the Unicode ranges the specification lists; not starting with a digit, `-` or `.`).
pub(super) fn is_xml_name(name: &str) -> bool {
    // Element names are nearly always ASCII: one table lookup a byte.
    if name.is_ascii() {
        return match name.as_bytes() {
            [first, rest @ ..] => {
                ASCII_NAME[usize::from(*first)] == 2
                    && rest.iter().all(|&b| ASCII_NAME[usize::from(b)] != 0)
            }
            [] => false,
        };
    }
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// ASCII bytes in names: 2 may start one (`NameStartChar`), 1 may follow (`NameChar`), 0 not.
pub(super) const ASCII_NAME: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let ch = b as u8 as char;
        table[b] = if matches!(ch, ':' | 'A'..='Z' | '_' | 'a'..='z') {
            2
        } else if matches!(ch, '-' | '.' | '0'..='9') {
            1
        } else {
            0
        };
        b += 1;
    }
    table
};

pub(super) fn is_name_start_char(ch: char) -> bool {
    matches!(ch,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

pub(super) fn is_name_char(ch: char) -> bool {
    is_name_start_char(ch)
        || matches!(ch,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `text` is all XML whitespace.
fn is_whitespace(text: &str) -> bool {
    text.bytes().all(is_space)
}

/// XML whitespace: space, tab, line feed, carriage return.
pub(super) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn second_root(name: &str, at: usize) -> WireError {
    WireError::MultipleRoots {
        name: quote(name),
        at,
    }
}

/// Where the next event starts.
fn position(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

/// Where the last error was found.
fn position_of_error(reader: &Reader<&[u8]>) -> usize {
    usize::try_from(reader.error_position()).unwrap_or(usize::MAX)
}

#[cfg(test)]
#[path = "xml_test.rs"]
pub(super) mod tests;
