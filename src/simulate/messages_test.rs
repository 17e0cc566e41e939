use super::*;
use clap::Parser;
use wxgate_handlers::{Event, Message, MessageKind};

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    kind: Kind,
}

fn parse(args: &[&str]) -> Message {
    let cli = Cli::try_parse_from(std::iter::once("simulate").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let env = Envelope {
        to: "gh_test",
        from: "o_user",
        create_time: 1_700_000_000,
        msg_id: 99,
    };
    let xml = cli.kind.xml(env).unwrap().render();
    let fields = crate::wire::parse_xml(xml.as_bytes()).unwrap();
    Message::from_fields(fields).unwrap_or_else(|e| panic!("{args:?}: {e}\n{xml}"))
}

#[test]
fn every_message_type_parses_into_its_typed_message() {
    for (args, msg_type) in [
        (&["text", "hi"][..], "text"),
        (&["image"], "image"),
        (&["voice", "--recognition", "hello"], "voice"),
        (&["video"], "video"),
        (&["shortvideo"], "shortvideo"),
        (&["location", "--lat", "-33.5"], "location"),
        (&["link", "https://example.com"], "link"),
    ] {
        let message = parse(args);
        assert_eq!(message.msg_type(), msg_type, "{args:?}");
        assert_eq!(message.msg_id(), Some("99"), "{args:?}");
        assert_eq!(message.from_user, "o_user");
    }
    let MessageKind::Text(text) = parse(&["text", "hello"]).kind else {
        panic!("text")
    };
    assert_eq!(text.content, "hello");
}

#[test]
fn every_known_event_parses_into_its_own_variant() {
    for name in EVENTS {
        let message = parse(&["event", &name.to_lowercase()]);
        let event = message.event().unwrap();
        assert_eq!(event.name(), *name);
        assert!(
            !matches!(event, Event::Unknown { .. }),
            "{name} parsed as unknown"
        );
    }
}

#[test]
fn event_keys_are_carried() {
    let message = parse(&["event", "subscribe", "--key", "qrscene_42"]);
    assert_eq!(message.event().unwrap().qr_scene(), Some("42"));
    let message = parse(&["event", "click", "--key", "MENU_NEWS"]);
    assert_eq!(message.event_key(), Some("MENU_NEWS"));
    assert_eq!(message.event_name(), Some("CLICK"));
    let message = parse(&["event", "my_future_event", "--key", "k"]);
    assert_eq!(message.event_name(), Some("my_future_event"));
}

#[test]
fn forms_name_every_message_type_and_event() {
    for type_name in MESSAGE_TYPES {
        let kind = Kind::from_form(type_name, "https://example.com/x", "").unwrap();
        let env = Envelope {
            to: "gh_test",
            from: "o_user",
            create_time: 1_700_000_000,
            msg_id: 7,
        };
        let xml = kind.xml(env).unwrap().render();
        let fields = crate::wire::parse_xml(xml.as_bytes()).unwrap();
        let message = Message::from_fields(fields).unwrap();
        assert_eq!(message.msg_type(), *type_name);
    }
    let Kind::Text { content } = Kind::from_form("text", "你好", "").unwrap() else {
        panic!("text")
    };
    assert_eq!(content, "你好");
    let Kind::Event(event) = Kind::from_form("event:CLICK", "", "MENU_NEWS").unwrap() else {
        panic!("event")
    };
    assert_eq!(
        (event.name.as_str(), event.key.as_deref()),
        ("CLICK", Some("MENU_NEWS"))
    );
    let Kind::Event(event) = Kind::from_form("event:subscribe", "", "").unwrap() else {
        panic!("event")
    };
    assert_eq!(event.key, None, "an empty key is no key");
    for bad in ["", "event:", "event:a<b", "handshake", "TEXT"] {
        assert_eq!(
            Kind::from_form(bad, "", "").unwrap_err(),
            UnknownType(bad.to_owned())
        );
    }
}

#[test]
fn the_command_line_and_the_forms_default_alike() {
    let cli = Cli::try_parse_from(["simulate", "location"]).unwrap();
    let Kind::Location(location) = cli.kind else {
        panic!("location")
    };
    assert_eq!(location, LocationArgs::default());
    let cli = Cli::try_parse_from(["simulate", "event", "CLICK", "--key", "k"]).unwrap();
    let Kind::Event(event) = cli.kind else {
        panic!("event")
    };
    assert_eq!(event, EventArgs::new("CLICK", Some("k".to_owned())));
    let cli = Cli::try_parse_from(["simulate", "video"]).unwrap();
    let Kind::Video(video) = cli.kind else {
        panic!("video")
    };
    assert_eq!(video, VideoArgs::default());
}
