//! Any bytes as a JSON push body (mini programs): the streaming JSON parser, then the typed
//! message. Oracle: nothing panics, and an accepted body is an object in serde_json's eyes too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxgate::handlers::Message;
use wxgate::internals::wire::{self, Format};
use wxgate_fuzz::exercise;

fuzz_target!(|data: &[u8]| {
    let parsed = wire::parse_json(data);
    assert_eq!(wire::decode(Format::Json, data), parsed);
    let Ok(fields) = parsed else {
        return;
    };
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let value: Result<serde_json::Value, _> = serde_json::from_slice(body);
    assert!(
        matches!(value, Ok(serde_json::Value::Object(_))),
        "accepted, but serde_json reads {value:?}"
    );
    let _ = fields.to_json();
    if let Ok(message) = Message::from_fields(fields) {
        exercise(&message);
    }
});
