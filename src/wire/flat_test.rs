//! The fast path for flat documents against the general parser: whatever it reads, it must
//! read as the general parser does; everything else it must leave to it.

use std::borrow::Cow;

use proptest::prelude::*;
use wxgate_handlers::Fields;

use crate::wire::xml::parse_general;
use crate::wire::xml::tests::{err, fields, text, xml_soup};
use crate::wire::{MAX_ELEMENTS, WireError, flat, parse_xml, parse_xml_field};

/// The fast path's answer for `body`, checked against the general parser: when it reads a
/// document at all, it must give exactly the general parser's fields.
/// Reading one field in place agrees with parsing everything and looking the field up, on
/// every body, flat or not, valid or not.
fn flat_agrees(body: &str) -> Option<Fields> {
    let fast = flat::parse(body);
    if let Some(fields) = &fast {
        assert_eq!(parse_general(body).as_ref(), Ok(fields), "{body:?}");
    }
    let general = parse_xml(body.as_bytes());
    for name in ["A", "B", "Encrypt", "xml"] {
        let expected = general
            .as_ref()
            .map(|fields| fields.text(name).map(str::to_owned));
        let field = parse_xml_field(body.as_bytes(), name);
        assert_eq!(
            field.map(|text| text.map(Cow::into_owned)),
            expected.map_err(Clone::clone),
            "{name} of {body:?}"
        );
    }
    fast
}

#[test]
fn flat_documents_take_the_fast_path() {
    for body in [
        "<xml></xml>",
        "<xml>\n  \t\r\n</xml>",
        "<xml><A>1</A></xml>",
        "<xml><A></A><B><![CDATA[]]></B></xml>",
        " \n<xml>\n<ToUserName><![CDATA[gh_1]]></ToUserName>\n<CreateTime>1348831860</CreateTime>\n\
         <Content><![CDATA[a <b> & c ]] > &amp;]]></Content>\n</xml>\n",
        "<Message><A>x > y</A><A> spaced </A><a.b-c:d_1>\r\n</a.b-c:d_1></Message>",
        "<xml><Content><![CDATA[中文 😀]]></Content><Label>上海</Label></xml>",
    ] {
        assert!(
            flat_agrees(body).is_some(),
            "{body:?} should take the fast path"
        );
    }
    assert_eq!(
        flat_agrees("<xml><B>2</B><A><![CDATA[<1>]]></A><B>3</B></xml>"),
        Some(fields(vec![
            text("B", "2"),
            text("A", "<1>"),
            text("B", "3")
        ]))
    );
}

#[test]
fn the_fast_path_steps_aside_for_everything_else() {
    for body in [
        // accepted by the general parser, outside the flat shape
        "<?xml version=\"1.0\"?><xml><A>1</A></xml>",
        "\u{feff}<xml><A>1</A></xml>",
        "<xml a=\"1\"><A>1</A></xml>",
        "<xml ><A>1</A></xml>",
        "<xml><A b='>'>1</A></xml>",
        "<xml><A>&amp;</A></xml>",
        "<xml><A>&#20013;</A></xml>",
        "<xml><A/></xml>",
        "<xml/>",
        "<xml><A>1</A ></xml>",
        "<xml><A>1</A></xml >",
        "<xml><!-- c --><A>1</A></xml>",
        "<xml><A>1</A></xml><!-- c -->",
        "<xml><A><![CDATA[a]]><![CDATA[b]]></A></xml>",
        "<xml><A>a<![CDATA[b]]></A></xml>",
        "<xml><A><![CDATA[a]]>b</A></xml>",
        "<xml><A><B>1</B></A></xml>",
        "<xml><名>1</名></xml>",
        "<xml><A><?pi?>1</A></xml>",
        // refused by the general parser: the fast path must not accept them either
        "<xml><A>1</B></xml>",
        "<xml><A>1</A>",
        "<xml><A>1</A></xml><xml></xml>",
        "<xml>text<A>1</A></xml>",
        "<xml><A>1</A>text</xml>",
        "text<xml></xml>",
        "<xml></xml>text",
        "<xml><A>a]]>b</A></xml>",
        "<xml><A><![CDATA[a</A></xml>",
        "<xml><1a>1</1a></xml>",
        "<xml><>1</></xml>",
        "<xml><A>1",
        "<xml>",
        "",
        "<!DOCTYPE x><xml></xml>",
    ] {
        assert_eq!(flat_agrees(body), None, "{body:?}");
    }
}

#[test]
fn one_field_is_read_in_place_from_a_flat_document() {
    let body = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\n\
                <Encrypt><![CDATA[bG9yZW0=]]></Encrypt><Encrypt>second</Encrypt></xml>";
    assert!(flat_agrees(body).is_some());
    let encrypt = parse_xml_field(body.as_bytes(), "Encrypt");
    assert!(
        matches!(encrypt, Ok(Some(Cow::Borrowed("bG9yZW0=")))),
        "{encrypt:?}"
    );
    assert_eq!(parse_xml_field(body.as_bytes(), "Nonce"), Ok(None));
    // Not flat: read by the general parser, with its errors.
    assert_eq!(
        parse_xml_field(b"<xml><Encrypt>a&amp;b</Encrypt></xml>", "Encrypt"),
        Ok(Some(Cow::Owned("a&b".to_owned())))
    );
    assert_eq!(
        parse_xml_field(b"<xml><Encrypt><A>1</A></Encrypt></xml>", "Encrypt"),
        Ok(None)
    );
    assert!(matches!(
        parse_xml_field(b"<xml><Encrypt>x</Encrypt>", "Encrypt"),
        Err(WireError::Unclosed { .. })
    ));
    assert!(matches!(
        parse_xml_field(b"<xml><A>\0</A></xml>", "Encrypt"),
        Err(WireError::Nul { at: 8 })
    ));
}

#[test]
fn the_fast_path_leaves_the_element_limit_to_the_general_parser() {
    let under: String = "<A>1</A>".repeat(MAX_ELEMENTS - 1);
    assert!(flat_agrees(&format!("<xml>{under}</xml>")).is_some());
    let over = "<A>1</A>".repeat(MAX_ELEMENTS);
    let body = format!("<xml>{over}</xml>");
    assert_eq!(flat_agrees(&body), None);
    assert!(matches!(err(&body), WireError::TooManyElements { .. }));
}

proptest! {
    #[test]
    fn flat_path_agrees_with_the_general_parser(body in xml_soup(24)) {
        let _ = flat_agrees(&body);
    }

    #[test]
    fn any_flat_document_takes_the_fast_path(
        children in proptest::collection::vec(
            (
                "[A-Za-z_:][A-Za-z0-9_.:-]{0,8}",
                prop_oneof![
                    "[^\\x00<&]{0,12}".prop_filter("no ]]>", |t: &String| !t.contains("]]>"))
                        .prop_map(|t| (t, false)),
                    "[^\\x00]{0,12}".prop_filter("no ]]>", |t: &String| !t.contains("]]>"))
                        .prop_map(|t| (t, true)),
                ],
                "[ \\t\\r\\n]{0,2}",
            ),
            0..10,
        ),
        root in "[A-Za-z_][A-Za-z0-9]{0,4}",
    ) {
        let mut body = format!("<{root}>");
        let mut expected = Vec::new();
        for (name, (content, cdata), space) in &children {
            if *cdata {
                body.push_str(&format!("{space}<{name}><![CDATA[{content}]]></{name}>"));
            } else {
                body.push_str(&format!("{space}<{name}>{content}</{name}>"));
            }
            expected.push(text(name, content));
        }
        body.push_str(&format!("</{root}>"));
        prop_assert_eq!(flat_agrees(&body), Some(fields(expected)), "{}", body);
    }
}
