//! Any reply, rendered: the XML must parse and read back as the same reply (every string as
//! XML carries it: exact for every character XML allows, U+FFFD for the others), and must hold
//! no raw carriage return, which a conforming parser would turn into a line feed. The same for
//! the encrypted-reply envelope.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wxgate::handlers::{Article, Media, Music, Reply, Transfer, Video};
use wxgate::internals::wire;
use wxgate_fuzz::{ReadReply, carried, carried_reply, read_reply};

#[derive(Arbitrary, Debug)]
enum AnyReply {
    Text(String),
    Image(String),
    Voice(String),
    Video(String, String, String),
    Music(String, String, String, String, String),
    News(Vec<(String, String, String, String)>),
    Transfer(Option<String>),
}

impl AnyReply {
    fn into_reply(self) -> Reply {
        match self {
            AnyReply::Text(text) => Reply::Text(text),
            AnyReply::Image(media_id) => Reply::Image(Media { media_id }),
            AnyReply::Voice(media_id) => Reply::Voice(Media { media_id }),
            AnyReply::Video(media_id, title, description) => Reply::Video(Video {
                media_id,
                title,
                description,
            }),
            AnyReply::Music(title, description, music_url, hq_music_url, thumb_media_id) => {
                Reply::Music(Music {
                    title,
                    description,
                    music_url,
                    hq_music_url,
                    thumb_media_id,
                })
            }
            AnyReply::News(articles) => Reply::News(
                articles
                    .into_iter()
                    .map(|(title, description, pic_url, url)| Article {
                        title,
                        description,
                        pic_url,
                        url,
                    })
                    .collect(),
            ),
            AnyReply::Transfer(kf_account) => {
                Reply::TransferCustomerService(Transfer { kf_account })
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    reply: AnyReply,
    to_user: String,
    from_user: String,
    create_time: u64,
    envelope: (String, String, String, String),
}

fuzz_target!(|input: Input| {
    let reply = input.reply.into_reply();
    let xml = wire::render_reply(&reply, &input.to_user, &input.from_user, input.create_time);
    assert!(!xml.contains('\r'), "raw CR in {xml:?}");
    let fields = match wire::parse_xml(xml.as_bytes()) {
        Ok(fields) => fields,
        Err(err) => panic!("rendered reply does not parse: {err}\n{xml:?}"),
    };
    let expected = ReadReply {
        to_user: carried(&input.to_user),
        from_user: carried(&input.from_user),
        create_time: input.create_time,
        reply: carried_reply(&reply),
    };
    assert_eq!(read_reply(&fields), Ok(expected), "{xml:?}");

    let (encrypt, signature, timestamp, nonce) = &input.envelope;
    let xml = wire::render_encrypted(encrypt, signature, timestamp, nonce);
    assert!(!xml.contains('\r'), "raw CR in {xml:?}");
    let fields = match wire::parse_xml(xml.as_bytes()) {
        Ok(fields) => fields,
        Err(err) => panic!("rendered envelope does not parse: {err}\n{xml:?}"),
    };
    let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]);
    for (name, sent) in [
        ("Encrypt", encrypt),
        ("MsgSignature", signature),
        ("TimeStamp", timestamp),
        ("Nonce", nonce),
    ] {
        assert_eq!(fields.text(name), Some(carried(sent).as_str()), "{xml:?}");
    }
});
