use super::*;
use clap::Parser;
use wxgate::handlers::{Event, Message, MessageKind};

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
    let fields = wxgate::internals::wire::parse_xml(xml.as_bytes()).unwrap();
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
