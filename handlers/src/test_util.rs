//! Test helpers: build [`Fields`] from realistic XML and JSON pushes, decoded the way the gateway
//! decodes them (XML: CDATA and text joined, repeated elements kept; JSON: arrays become repeated
//! entries, numbers and booleans keep their literal text, null is empty).

use crate::fields::{Fields, Value};
use crate::message::Message;

/// Decodes a `<xml>...</xml>` push (elements, text and CDATA only).
pub(crate) fn xml(input: &str) -> Fields {
    let mut parser = XmlParser { rest: input.trim() };
    parser.eat("<xml>");
    parser.children("xml")
}

/// Decodes a JSON object push.
pub(crate) fn json(input: &str) -> Fields {
    let value: serde_json::Value = serde_json::from_str(input).expect("valid JSON");
    let serde_json::Value::Object(map) = value else {
        panic!("a push is a JSON object");
    };
    object(map)
}

/// Parses an XML push into a message, failing the test on error.
pub(crate) fn xml_message(input: &str) -> Message {
    Message::from_fields(xml(input)).expect("valid message")
}

/// Parses a JSON push into a message, failing the test on error.
pub(crate) fn json_message(input: &str) -> Message {
    Message::from_fields(json(input)).expect("valid message")
}

/// A push with the common fields and the given extra text fields.
pub(crate) fn push(msg_type: &str, extra: &[(&str, &str)]) -> Fields {
    let mut fields = Fields::new();
    fields.push_text("ToUserName", "gh_123456789abc");
    fields.push_text("FromUserName", "oUser");
    fields.push_text("CreateTime", "1348831860");
    fields.push_text("MsgType", msg_type);
    for (name, text) in extra {
        fields.push_text(*name, *text);
    }
    fields
}

/// An event push with the given `Event` and extra text fields.
pub(crate) fn event_push(event: &str, extra: &[(&str, &str)]) -> Fields {
    let mut fields = push("event", &[("Event", event)]);
    for (name, text) in extra {
        fields.push_text(*name, *text);
    }
    fields
}

fn object(map: serde_json::Map<String, serde_json::Value>) -> Fields {
    let mut fields = Fields::new();
    for (name, value) in map {
        match value {
            serde_json::Value::Array(items) => {
                for item in items {
                    fields.push(name.clone(), scalar_or_node(item));
                }
            }
            other => fields.push(name, scalar_or_node(other)),
        }
    }
    fields
}

fn scalar_or_node(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Text(String::new()),
        serde_json::Value::String(text) => Value::Text(text),
        serde_json::Value::Object(map) => Value::Node(object(map)),
        serde_json::Value::Array(_) => panic!("nested arrays are not used by WeChat"),
        number_or_bool => Value::Text(number_or_bool.to_string()),
    }
}

struct XmlParser<'a> {
    rest: &'a str,
}

impl<'a> XmlParser<'a> {
    fn eat(&mut self, token: &str) {
        self.rest = self
            .rest
            .strip_prefix(token)
            .unwrap_or_else(|| panic!("expected {token:?} at {:?}", self.rest));
    }

    fn skip_whitespace(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn starts_child(&self) -> bool {
        self.rest.starts_with('<')
            && !self.rest.starts_with("</")
            && !self.rest.starts_with("<![CDATA[")
    }

    fn children(&mut self, parent: &str) -> Fields {
        let mut fields = Fields::new();
        loop {
            self.skip_whitespace();
            if self.rest.starts_with("</") {
                self.eat(&format!("</{parent}>"));
                return fields;
            }
            self.eat("<");
            let end = self.rest.find('>').expect("tag closes");
            let name = &self.rest[..end];
            self.rest = &self.rest[end + 1..];
            let before_content = self.rest;
            self.skip_whitespace();
            if self.starts_child() {
                let nested = self.children(name);
                fields.push(name, Value::Node(nested));
            } else {
                self.rest = before_content;
                let text = self.text(name);
                fields.push_text(name, text);
            }
        }
    }

    /// Text and CDATA sections joined; whitespace-only text next to a section is formatting,
    /// as the gateway's decoder has it.
    fn text(&mut self, name: &str) -> String {
        // (is CDATA, content) in order.
        let mut pieces: Vec<(bool, &str)> = Vec::new();
        loop {
            if let Some(after) = self.rest.strip_prefix("<![CDATA[") {
                let end = after.find("]]>").expect("CDATA closes");
                pieces.push((true, &after[..end]));
                self.rest = &after[end + 3..];
            } else if self.rest.starts_with("</") {
                self.eat(&format!("</{name}>"));
                break;
            } else {
                let end = self.rest.find('<').expect("element closes");
                pieces.push((false, &self.rest[..end]));
                self.rest = &self.rest[end..];
            }
        }
        let cdata_at = |i: usize| pieces.get(i).is_some_and(|(cdata, _)| *cdata);
        pieces
            .iter()
            .enumerate()
            .filter(|(i, (cdata, text))| {
                *cdata
                    || !text.trim().is_empty()
                    || !(cdata_at(i + 1) || i.checked_sub(1).is_some_and(cdata_at))
            })
            .map(|(_, (_, text))| *text)
            .collect()
    }
}

#[test]
fn xml_helper_decodes_nested_and_repeated_elements() {
    let fields = xml(
        "<xml><A><![CDATA[x]]></A><B>1</B><N><item><C>2</C></item><item><C>3</C></item></N><E></E></xml>",
    );
    assert_eq!(fields.text("A"), Some("x"));
    assert_eq!(fields.text("B"), Some("1"));
    assert_eq!(fields.text("E"), Some(""));
    let items: Vec<_> = fields
        .node("N")
        .expect("node")
        .all("item")
        .map(|item| item.as_node().and_then(|n| n.text("C")))
        .collect();
    assert_eq!(items, vec![Some("2"), Some("3")]);
}

#[test]
fn json_helper_repeats_array_entries() {
    let fields = json(r#"{"A":"x","N":5,"L":[{"C":"1"},{"C":"2"}],"Z":null}"#);
    assert_eq!(fields.text("A"), Some("x"));
    assert_eq!(fields.text("N"), Some("5"));
    assert_eq!(fields.text("Z"), Some(""));
    assert_eq!(fields.all("L").count(), 2);
}
