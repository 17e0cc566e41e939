//! Every catalogued event, from a real sample (`handlers/fixtures/events/<event>.xml` or
//! `.json`, its source in `SOURCES.md` beside them): it parses into its own variant (never
//! [`Event::Unknown`]) and reaches its own `on_event_*` method, never `on_event_unknown`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::handler::{Context, Handler};
use crate::message::event::*;
use crate::message::{Message, MessageKind};
use crate::registry::dispatch_one;
use crate::reply::{Outcome, Reply};
use crate::test_util::{json, xml};

/// The fixtures folder.
fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/events")
}

/// Every fixture: (event name, format, push).
fn fixtures() -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = std::fs::read_dir(folder())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "xml" || ext == "json")
        })
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let format = path.extension().unwrap().to_string_lossy().into_owned();
            (name, format, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    found.sort();
    found
}

/// Generates [`Recorder`]: a plugin whose every `on_event_*` method answers its own name.
macro_rules! define_recorder {
    ($( $(#[doc = $doc:literal])* $name:literal => $variant:ident($payload:ty), $method:ident $(, id [$($id:literal),+])?; )*) => {
        /// Answers every event with the name of the method it reached.
        struct Recorder;

        #[async_trait::async_trait]
        impl Handler for Recorder {
            $(
                async fn $method(&self, _: &Context<'_>, _: &$payload) -> Outcome {
                    Outcome::Reply(Reply::Text(stringify!($method).to_owned()))
                }
            )*

            async fn on_event_unknown(&self, _: &Context<'_>, name: &str) -> Outcome {
                Outcome::Reply(Reply::Text(format!("on_event_unknown({name})")))
            }
        }

        /// Each catalogued wire name with the method it must reach.
        const METHODS: &[(&str, &str)] = &[$( ($name, stringify!($method)), )*];
    };
}

crate::for_each_event!(define_recorder);

fn message(format: &str, push: &str) -> Message {
    let fields = match format {
        "xml" => xml(push),
        "json" => json(push),
        other => panic!("unknown fixture format {other}"),
    };
    Message::from_fields(fields).unwrap_or_else(|e| panic!("{push}: {e}"))
}

#[test]
fn every_catalogued_event_has_a_fixture() {
    let covered: BTreeSet<String> = fixtures()
        .iter()
        .map(|(name, ..)| name.to_lowercase())
        .collect();
    let missing: Vec<&str> = Event::known_names()
        .filter(|name| !covered.contains(&name.to_lowercase()))
        .collect();
    assert!(missing.is_empty(), "events without a fixture: {missing:?}");
}

#[test]
fn every_fixture_parses_into_its_own_variant_and_reaches_its_own_method() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let sources = std::fs::read_to_string(folder().join("SOURCES.md")).unwrap();
    for (name, format, push) in fixtures() {
        let source = format!("{name}.{format}");
        assert!(
            sources.contains(&format!("`{source}`")),
            "{source} has no line in SOURCES.md"
        );
        let name = name.as_str();
        let message = message(&format, &push);
        let MessageKind::Event(event) = &message.kind else {
            panic!("{name} ({source}): not an event: {:?}", message.kind);
        };
        assert!(
            !matches!(**event, Event::Unknown { .. }),
            "{name} ({source}) did not parse into its own variant"
        );
        assert!(
            event.name().eq_ignore_ascii_case(name),
            "{name}: {}",
            event.name()
        );
        let (_, method) = METHODS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("{name} is not catalogued"));
        // The catalogue's id fields name real fields: each is in the sample (user_authorize_invoice
        // carries one of its two, SuccOrderId or FailOrderId).
        let ids = event.id_fields();
        let present = ids
            .iter()
            .filter(|path| message.raw.text_at(path).is_some())
            .count();
        let alternatives = name.eq_ignore_ascii_case("user_authorize_invoice");
        assert!(
            present == ids.len() || (alternatives && present == 1),
            "{name}: id fields {ids:?}, {present} in the sample"
        );
        let ctx = Context::new("demo", &message);
        let outcome = runtime.block_on(dispatch_one(&Recorder, &ctx));
        assert_eq!(
            outcome,
            Outcome::Reply(Reply::Text((*method).to_owned())),
            "{name} ({source})"
        );
    }
}
