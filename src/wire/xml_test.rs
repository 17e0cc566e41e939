use std::time::{Duration, Instant};

use proptest::prelude::*;
use wxgate_handlers::{Fields, Value};

use super::parse_xml;
use crate::wire::{MAX_DEPTH, MAX_ELEMENTS, WireError};

fn ok(body: &str) -> Fields {
    match parse_xml(body.as_bytes()) {
        Ok(fields) => fields,
        Err(err) => panic!("{body:?} was refused: {err}"),
    }
}

pub(crate) fn err(body: impl AsRef<[u8]>) -> WireError {
    match parse_xml(body.as_ref()) {
        Ok(fields) => panic!("accepted: {fields:?}"),
        Err(err) => err,
    }
}

pub(crate) fn text(name: &str, text: &str) -> (String, Value) {
    (name.to_owned(), Value::Text(text.to_owned()))
}

fn node(name: &str, children: Vec<(String, Value)>) -> (String, Value) {
    (name.to_owned(), Value::Node(children.into_iter().collect()))
}

pub(crate) fn fields(entries: Vec<(String, Value)>) -> Fields {
    entries.into_iter().collect()
}

// ---- what is accepted, and what it becomes ----

#[test]
fn children_of_the_root_in_document_order() {
    let parsed = ok("<xml><B>2</B><A>1</A><B>3</B></xml>");
    assert_eq!(
        parsed,
        fields(vec![text("B", "2"), text("A", "1"), text("B", "3")])
    );
}

#[test]
fn root_may_have_any_name() {
    assert_eq!(
        ok("<Message><A>1</A></Message>"),
        fields(vec![text("A", "1")])
    );
}

#[test]
fn empty_root_gives_no_fields() {
    assert!(ok("<xml/>").is_empty());
    assert!(ok("<xml></xml>").is_empty());
    assert!(ok("<xml>\n  \t\r\n</xml>").is_empty());
}

#[test]
fn nested_elements_become_nodes() {
    let parsed = ok(
        "<xml><Info>\n  <Type>qrcode</Type>\n  <List><item><X>1</X></item><item><X>2</X></item></List>\n</Info></xml>",
    );
    assert_eq!(
        parsed,
        fields(vec![node(
            "Info",
            vec![
                text("Type", "qrcode"),
                node(
                    "List",
                    vec![
                        node("item", vec![text("X", "1")]),
                        node("item", vec![text("X", "2")]),
                    ]
                ),
            ]
        )])
    );
}

#[test]
fn text_and_cdata_are_joined_in_order() {
    let parsed = ok("<xml><A>one <![CDATA[<two>]]> three<![CDATA[ & four]]></A></xml>");
    assert_eq!(parsed.text("A"), Some("one <two> three & four"));
}

#[test]
fn whitespace_around_cdata_is_formatting() {
    // As WeChat's own documentation writes some samples.
    let parsed = ok("<xml><ToUserName> <![CDATA[gh_1]]> </ToUserName>\n\
         <MsgType>\n  <![CDATA[event]]>\n</MsgType><A><![CDATA[ x ]]></A>\
         <B> <![CDATA[p]]> <![CDATA[q]]> </B><C>\t<![CDATA[]]>\t</C></xml>");
    assert_eq!(parsed.text("ToUserName"), Some("gh_1"));
    assert_eq!(parsed.text("MsgType"), Some("event"));
    // A section's own content is kept exactly.
    assert_eq!(parsed.text("A"), Some(" x "));
    assert_eq!(parsed.text("B"), Some("pq"));
    assert_eq!(parsed.text("C"), Some(""));
    // Text that is not whitespace only is data, with its spaces; so is a reference.
    let parsed = ok(
        "<xml><A>one <![CDATA[two]]> three</A><B> &#32;<![CDATA[x]]></B>\
         <C> &amp; <![CDATA[x]]></C></xml>",
    );
    assert_eq!(parsed.text("A"), Some("one two three"));
    assert_eq!(parsed.text("B"), Some("  x"));
    assert_eq!(parsed.text("C"), Some(" & x"));
}

#[test]
fn text_is_kept_exactly_as_sent() {
    let parsed = ok("<xml><A>  padded\r\n line </A><B> </B></xml>");
    assert_eq!(parsed.text("A"), Some("  padded\r\n line "));
    assert_eq!(parsed.text("B"), Some(" "));
}

#[test]
fn cdata_keeps_markup_and_entities_literally() {
    let parsed = ok("<xml><A><![CDATA[<b>&amp;</b> ]] > ]]]]><![CDATA[>]]></A></xml>");
    assert_eq!(parsed.text("A"), Some("<b>&amp;</b> ]] > ]]>"));
}

#[test]
fn empty_elements_are_empty_text() {
    let parsed = ok("<xml><A/><B></B><C><![CDATA[]]></C><D /></xml>");
    assert_eq!(
        parsed,
        fields(vec![
            text("A", ""),
            text("B", ""),
            text("C", ""),
            text("D", "")
        ])
    );
}

#[test]
fn predefined_entities_and_character_references_are_resolved() {
    let parsed = ok(
        "<xml><A>&lt;a href=&quot;x&quot;&gt; &amp; &apos;</A><B>&#65;&#x42;&#x4e2d;&#128512;</B></xml>",
    );
    assert_eq!(parsed.text("A"), Some("<a href=\"x\"> & '"));
    assert_eq!(parsed.text("B"), Some("AB中😀"));
}

#[test]
fn declaration_comments_instructions_attributes_and_bom_are_ignored() {
    let body = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- head -->\n<xml a=\"1\">\
                <?php echo 1; ?><A b='2'>x<!-- inside -->y</A><!-- between --><C/></xml>\n<!-- tail -->\n";
    assert_eq!(ok(body), fields(vec![text("A", "xy"), text("C", "")]));
}

#[test]
fn unicode_names_and_text() {
    let parsed = ok("<xml><名字>微信 🎉</名字></xml>");
    assert_eq!(parsed.text("名字"), Some("微信 🎉"));
}

#[test]
fn depth_limit_is_inclusive() {
    let at_limit = format!("{}x{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
    let mut value = ok(&at_limit);
    for _ in 2..MAX_DEPTH {
        value = value.node("a").expect("nested node").clone();
    }
    assert_eq!(value.text("a"), Some("x"));

    let over = format!(
        "{}x{}",
        "<a>".repeat(MAX_DEPTH + 1),
        "</a>".repeat(MAX_DEPTH + 1)
    );
    assert!(matches!(err(over), WireError::TooDeep { .. }));
    let over_empty = format!(
        "{}<a/>{}",
        "<a>".repeat(MAX_DEPTH),
        "</a>".repeat(MAX_DEPTH)
    );
    assert!(matches!(err(over_empty), WireError::TooDeep { .. }));
}

#[test]
fn element_limit_is_inclusive() {
    // The root counts: root + (MAX_ELEMENTS - 1) children is exactly the limit.
    let at_limit = format!("<xml>{}</xml>", "<a/>".repeat(MAX_ELEMENTS - 1));
    assert_eq!(ok(&at_limit).len(), MAX_ELEMENTS - 1);

    let over = format!("<xml>{}</xml>", "<a/>".repeat(MAX_ELEMENTS));
    let error = err(over);
    assert!(matches!(error, WireError::TooManyElements { .. }));
    assert!(error.to_string().contains("more than 10000 elements"));

    // Nested elements count too.
    let over_nested = format!("<xml>{}</xml>", "<a><b/></a>".repeat(MAX_ELEMENTS / 2));
    assert!(matches!(
        err(over_nested),
        WireError::TooManyElements { .. }
    ));
}

// ---- what is refused ----

#[test]
fn doctype_is_refused() {
    let error = err("<!DOCTYPE xml><xml><A>1</A></xml>");
    assert!(matches!(error, WireError::Doctype { at: 0 }));
    assert_eq!(error.to_string(), "DOCTYPE is not allowed (byte 0)");
    // Also after the declaration, and after the root.
    assert!(matches!(
        err("<?xml version=\"1.0\"?>\n<!DOCTYPE xml>\n<xml/>"),
        WireError::Doctype { .. }
    ));
    assert!(matches!(
        err("<xml/><!DOCTYPE xml>"),
        WireError::Doctype { .. }
    ));
}

#[test]
fn external_entity_is_refused() {
    let body = "<?xml version=\"1.0\"?>\n<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n\
                <xml><Content>&xxe;</Content></xml>";
    assert!(matches!(err(body), WireError::Doctype { .. }));
}

#[test]
fn billion_laughs_is_refused() {
    let mut body =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for level in 1..10 {
        let previous = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        body.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
    }
    body.push_str("]>\n<xml><Content>&lol9;</Content></xml>");
    let started = Instant::now();
    assert!(matches!(err(&body), WireError::Doctype { .. }));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn unknown_entity_is_refused_and_named() {
    let error = err("<xml><A>fish &foo; chips</A></xml>");
    assert!(matches!(&error, WireError::UnknownEntity { name, .. } if name == "foo"));
    assert!(
        error
            .to_string()
            .starts_with("unknown entity &foo; at byte ")
    );
    // Entities HTML knows are still unknown to XML.
    assert!(matches!(
        err("<xml><A>&nbsp;</A></xml>"),
        WireError::UnknownEntity { .. }
    ));
    // Outside text, too.
    assert!(matches!(
        err("<xml>&foo;</xml>"),
        WireError::UnknownEntity { .. }
    ));
}

#[test]
fn bad_character_references_are_refused() {
    for body in [
        "<xml><A>&#0;</A></xml>",
        "<xml><A>&#x0;</A></xml>",
        "<xml><A>&#1;</A></xml>",
        "<xml><A>&#xD800;</A></xml>",
        "<xml><A>&#xFFFF;</A></xml>",
        "<xml><A>&#x110000;</A></xml>",
        "<xml><A>&#99999999999999999999;</A></xml>",
        "<xml><A>&#xZZ;</A></xml>",
        // Only a lowercase `x` introduces a hexadecimal reference.
        "<xml><A>&#X43;</A></xml>",
        "<xml><A>&#;</A></xml>",
    ] {
        assert!(
            matches!(err(body), WireError::InvalidCharRef { .. }),
            "{body}"
        );
    }
}

#[test]
fn dangling_ampersand_is_refused() {
    assert!(matches!(
        err("<xml><A>fish & chips</A></xml>"),
        WireError::Syntax { .. }
    ));
}

#[test]
fn deep_nesting_fails_fast_without_recursion() {
    let depth = 100_000;
    let body = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let started = Instant::now();
    let error = err(&body);
    assert!(matches!(error, WireError::TooDeep { .. }));
    assert_eq!(
        error.to_string(),
        format!("element nesting deeper than 32 at byte {}", 3 * MAX_DEPTH)
    );
    assert!(started.elapsed() < Duration::from_secs(1));

    // Unclosed, too.
    let unclosed = "<a>".repeat(depth);
    assert!(matches!(err(unclosed), WireError::TooDeep { .. }));
}

#[test]
fn too_many_siblings_are_refused() {
    let body = format!("<xml>{}</xml>", "<A>x</A>".repeat(20_000));
    assert!(matches!(err(body), WireError::TooManyElements { .. }));
}

#[test]
fn invalid_utf8_is_refused_with_its_offset() {
    let mut body = b"<xml><A>".to_vec();
    body.extend_from_slice(&[0xE4, 0xBD]); // a truncated three-byte sequence
    body.extend_from_slice(b"</A></xml>");
    let error = err(&body);
    assert_eq!(error, WireError::InvalidUtf8 { at: 8 });
    assert_eq!(error.to_string(), "invalid UTF-8 at byte 8");
    assert!(matches!(
        err(b"<xml><A>\xFF</A></xml>"),
        WireError::InvalidUtf8 { at: 8 }
    ));
    // Latin-1 or GBK bodies are not UTF-8 either.
    assert!(matches!(
        err(b"<xml><A>\xC4\xE3\xBA\xC3</A></xml>"),
        WireError::InvalidUtf8 { .. }
    ));
}

#[test]
fn nul_is_refused() {
    let error = err("<xml><A>a\0b</A></xml>");
    assert_eq!(error, WireError::Nul { at: 9 });
    assert_eq!(error.to_string(), "NUL character at byte 9");
    assert!(matches!(
        err("<xml><A><![CDATA[\0]]></A></xml>"),
        WireError::Nul { .. }
    ));
}

#[test]
fn mismatched_tags_are_refused() {
    let error = err("<xml><A>1</B></xml>");
    assert!(matches!(
        &error,
        WireError::MismatchedTag { expected, found, .. } if expected == "A" && found == "B"
    ));
    assert!(
        error
            .to_string()
            .starts_with("end tag </B> does not match <A>")
    );
    assert!(matches!(
        err("<xml><A><B>1</A></B></xml>"),
        WireError::MismatchedTag { .. }
    ));
    // Close tags are case-sensitive.
    assert!(matches!(
        err("<xml><A>1</a></xml>"),
        WireError::MismatchedTag { .. }
    ));
}

#[test]
fn end_tag_without_start_is_refused() {
    assert!(matches!(err("</xml>"), WireError::UnexpectedEndTag { .. }));
    assert!(matches!(
        err("<xml/></xml>"),
        WireError::UnexpectedEndTag { .. }
    ));
}

#[test]
fn two_roots_are_refused() {
    let error = err("<xml><A>1</A></xml><xml><A>2</A></xml>");
    assert!(matches!(&error, WireError::MultipleRoots { name, at: 19 } if name == "xml"));
    assert_eq!(error.to_string(), "second root element <xml> at byte 19");
    assert!(matches!(err("<a/><b/>"), WireError::MultipleRoots { .. }));
    assert!(matches!(
        err("<a/>\n<b></b>"),
        WireError::MultipleRoots { .. }
    ));
}

#[test]
fn content_outside_the_root_is_refused() {
    for body in [
        "<xml/>trailing",
        "<xml><A>1</A></xml>\n garbage",
        "<xml/><![CDATA[x]]>",
        "<xml/>&amp;",
        "leading<xml/>",
        "<![CDATA[x]]><xml/>",
    ] {
        assert!(matches!(err(body), WireError::OutsideRoot { .. }), "{body}");
    }
    // Whitespace and comments around the root are fine.
    assert!(ok(" \r\n<xml/>\n\n<!-- x -->\t").is_empty());
}

#[test]
fn trailing_garbage_markup_is_refused() {
    for body in ["<xml/><", "<xml/></", "<xml/><!", "<xml/><!-- open"] {
        assert!(parse_xml(body.as_bytes()).is_err(), "{body}");
    }
}

#[test]
fn mixed_content_is_refused() {
    for body in [
        "<xml><A>text<B/></A></xml>",
        "<xml><A><B/>text</A></xml>",
        "<xml><A><![CDATA[x]]><B/></A></xml>",
        "<xml><A><B/><![CDATA[x]]></A></xml>",
        "<xml><A><B/>&amp;</A></xml>",
        "<xml>loose text<A/></xml>",
        "<xml>loose text</xml>",
        "<xml><A/>after</xml>",
    ] {
        let error = err(body);
        assert!(
            matches!(error, WireError::MixedContent { .. }),
            "{body}: {error}"
        );
    }
    assert!(
        err("<xml><Info>text<B/></Info></xml>")
            .to_string()
            .starts_with("element <Info> mixes text with child elements")
    );
}

#[test]
fn empty_and_rootless_bodies_are_refused() {
    for body in [
        "",
        "   \n",
        "<!-- only a comment -->",
        "<?xml version=\"1.0\"?>",
    ] {
        assert_eq!(err(body), WireError::NoRoot, "{body:?}");
    }
    assert_eq!(WireError::NoRoot.to_string(), "no root element");
}

#[test]
fn truncated_documents_are_refused() {
    let body = include_str!("../../tests/fixtures/xml/event_pic_weixin.xml");
    let end = body.rfind('>').expect("closing bracket");
    for cut in (0..end).filter(|&cut| body.is_char_boundary(cut)) {
        assert!(
            parse_xml(&body.as_bytes()[..cut]).is_err(),
            "prefix of {cut} bytes accepted"
        );
    }
    let error = err("<xml><A>1</A><B>2");
    assert_eq!(error, WireError::Unclosed { name: "B".into() });
    assert_eq!(error.to_string(), "document ends before <B> is closed");
    assert!(matches!(err("<xml><A"), WireError::Syntax { .. }));
    assert!(matches!(
        err("<xml><A><![CDATA[abc"),
        WireError::Syntax { .. }
    ));
}

#[test]
fn long_names_are_shortened_in_errors() {
    let name = "N".repeat(10_000);
    let error = err(format!("<xml><{name}>x</xml>"));
    assert!(error.to_string().len() < 300, "{error}");
    let error = err(format!("<xml><A>&{name};</A></xml>"));
    assert!(error.to_string().len() < 300, "{error}");
}

// Found by the xml_message fuzz target: the reader takes everything up to whitespace or `>` as
// an element's name, so `<>` opened a root with an empty name and `<A</` an element called
// `A</`; written back out, such fields no longer parse.
#[test]
fn element_names_must_be_xml_names() {
    for body in [
        "<></>",
        "<xml><></></xml>",
        "<xml><A</\nq/></xml>",
        "<xml><a/b>x</a/b></xml>",
        "<xml><1a>x</1a></xml>",
        "<xml><-a>x</-a></xml>",
        "<xml><.a/></xml>",
        "<xml><a&b>x</a&b></xml>",
        "<xml><a=b/></xml>",
        "<xml><a\u{1}b/></xml>",
        "<xml><\u{FFFE}/></xml>",
        "<1xml></1xml>",
    ] {
        assert!(
            matches!(err(body), WireError::Syntax { ref detail, .. } if detail.contains("invalid element name")),
            "{body:?}: {}",
            err(body)
        );
    }
    // Every name WeChat uses, and the odd but valid ones, are still fine.
    let parsed = ok(
        "<xml><Location_X>1</Location_X><a-b.c>2</a-b.c><ns:x>3</ns:x><_a1>4</_a1>\
         <名字>5</名字><é·̀‿>6</é·̀‿><x attr=\"1\" b='2'>7</x><y /></xml>",
    );
    let names: Vec<&str> = parsed.iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "Location_X",
            "a-b.c",
            "ns:x",
            "_a1",
            "名字",
            "é·̀‿",
            "x",
            "y"
        ]
    );
}

/// Writes `fields` as the children of `<xml>`, text escaped (`&`, `<`, `>`, and CR as `&#13;`).
fn write_xml(fields: &Fields) -> String {
    fn write(out: &mut String, fields: &Fields) {
        for (name, value) in fields.iter() {
            out.push_str(&format!("<{name}>"));
            match value {
                Value::Text(text) => {
                    for ch in text.chars() {
                        match ch {
                            '&' => out.push_str("&amp;"),
                            '<' => out.push_str("&lt;"),
                            '>' => out.push_str("&gt;"),
                            '\r' => out.push_str("&#13;"),
                            _ => out.push(ch),
                        }
                    }
                }
                Value::Node(children) => write(out, children),
            }
            out.push_str(&format!("</{name}>"));
        }
    }
    let mut out = String::from("<xml>");
    write(&mut out, fields);
    out.push_str("</xml>");
    out
}

/// Up to `max_parts` pieces of XML markup, text and whitespace run together: mostly not XML,
/// often nearly so.
pub(crate) fn xml_soup(max_parts: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("<xml>"),
            Just("</xml>"),
            Just("<A>"),
            Just("</A>"),
            Just("<B>"),
            Just("</B>"),
            Just("<B/>"),
            Just("<A "),
            Just("</A >"),
            Just("</"),
            Just("<![CDATA["),
            Just("]]>"),
            Just("]]"),
            Just("&amp;"),
            Just("&#x4e2d;"),
            Just("&"),
            Just("<!--"),
            Just("-->"),
            Just("<?pi?>"),
            Just("<!DOCTYPE x>"),
            Just("text"),
            Just(" "),
            Just("\n"),
            Just("\r"),
            Just("\t"),
            Just("<"),
            Just(">"),
            Just("中"),
            Just("\""),
        ],
        0..max_parts,
    )
    .prop_map(|parts| parts.concat())
}

/// Any fields tree the parser can produce: XML names, any text without NUL, nodes with at least
/// one child, at most four levels below the root.
fn any_fields() -> impl Strategy<Value = Fields> {
    let name = prop_oneof![
        "[A-Za-z_][A-Za-z0-9_.-]{0,8}",
        "[\\p{Han}][\\p{Han}0-9]{0,3}",
        Just("item".to_owned()),
    ];
    let leaf = prop_oneof!["[^\\x00]{0,12}", "[ \\t\\r\\n]{0,3}", "[<>&\\]\\r]{0,6}"]
        .prop_map(Value::Text);
    let value = leaf.prop_recursive(4, 48, 6, move |inner| {
        proptest::collection::vec(("[A-Za-z_][A-Za-z0-9_]{0,6}", inner), 1..6)
            .prop_map(|children| Value::Node(children.into_iter().collect()))
    });
    proptest::collection::vec((name, value), 0..8).prop_map(|entries| entries.into_iter().collect())
}

proptest! {
    // What the xml_message fuzz target checks on every input it accepts: fields written back
    // out parse to the same fields.
    #[test]
    fn written_fields_parse_back_to_the_same_fields(fields in any_fields()) {
        let xml = write_xml(&fields);
        prop_assert_eq!(parse_xml(xml.as_bytes()), Ok(fields), "{}", xml);
    }

    #[test]
    fn utf8_is_checked_as_std_checks_it(
        text in ".{0,80}",
        noise in proptest::collection::vec(any::<u8>(), 0..4),
        at in any::<prop::sample::Index>(),
    ) {
        // Valid text of any script with a few arbitrary bytes spliced in somewhere: refused at
        // the very position `std` names, or not refused for its encoding at all.
        let mut body = b"<xml><Content>".to_vec();
        let mut content = text.into_bytes();
        let splice = at.index(content.len() + 1);
        content.splice(splice..splice, noise);
        body.extend_from_slice(&content);
        body.extend_from_slice(b"</Content></xml>");
        let parsed = parse_xml(&body);
        match std::str::from_utf8(&body) {
            Err(err) => prop_assert_eq!(parsed, Err(WireError::InvalidUtf8 { at: err.valid_up_to() })),
            Ok(_) => {
                let refused = matches!(parsed, Err(WireError::InvalidUtf8 { .. }));
                prop_assert!(!refused);
            }
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_xml(&body);
    }

    #[test]
    fn never_panics_on_xml_like_input(body in xml_soup(40)) {
        let _ = parse_xml(body.as_bytes());
    }

    #[test]
    fn text_content_round_trips_through_escaping(content in "\\PC*") {
        let escaped = content
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let body = format!("<xml><A>{escaped}</A></xml>");
        let parsed = parse_xml(body.as_bytes());
        prop_assert_eq!(parsed.ok().and_then(|f| f.text("A").map(str::to_owned)), Some(content));
    }
}

/// The ASCII table behind the name check agrees with the grammar's character classes.
#[test]
fn the_ascii_name_table_follows_the_grammar() {
    use super::{ASCII_NAME, is_name_char, is_name_start_char, is_xml_name};
    for b in 0u8..128 {
        let ch = char::from(b);
        let expected = if is_name_start_char(ch) {
            2
        } else if is_name_char(ch) {
            1
        } else {
            0
        };
        assert_eq!(ASCII_NAME[usize::from(b)], expected, "{ch:?}");
        let alone = ch.to_string();
        assert_eq!(is_xml_name(&alone), is_name_start_char(ch), "{ch:?}");
        let after = format!("a{ch}");
        assert_eq!(is_xml_name(&after), is_name_char(ch), "{ch:?}");
    }
    assert!(!is_xml_name(""));
    assert!(is_xml_name("中文") && is_xml_name("a中") && !is_xml_name("1中"));
}
