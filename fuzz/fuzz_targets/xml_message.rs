//! Any bytes as an XML push body: the envelope parser, then the typed message.
//!
//! Oracles: nothing panics; a body that parses, written back out as XML, parses to the same
//! fields (so text, CDATA, entities and character references are read consistently).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate::handlers::Message;
use wxgate::internals::wire::{self, Format};
use wxgate_fuzz::{exercise, to_xml};

fuzz_target!(|data: &[u8]| {
    let parsed = wire::parse_xml(data);
    if wire::detect(None, data) == Format::Xml {
        assert_eq!(wire::decode(Format::Xml, data), parsed);
    }
    let Ok(fields) = parsed else {
        return;
    };
    let written = to_xml(&fields);
    match wire::parse_xml(written.as_bytes()) {
        Ok(again) => assert_eq!(again, fields, "re-parsing {written:?}"),
        Err(err) => panic!("fields written back do not parse: {err}\n{written:?}"),
    }
    let _ = fields.to_json();
    if let Ok(message) = Message::from_fields(fields) {
        exercise(&message);
    }
});
