use wxgate_handlers::{Article, Fields, Media, Music, Reply, Transfer, Value, Video};

use super::{all_plain, capacity, is_plain_byte, push_cdata, render_encrypted, render_reply};
use crate::wire::parse_xml;

#[path = "render_props_test.rs"]
mod props;

const USER: &str = "oF3PcsnsrMiJzEwalZZbAfWQpxCI";
const ACCOUNT: &str = "gh_3ad31b1e8f7c";
const TIME: u64 = 1_718_004_312;

/// The envelope every reply shares, around `body`.
fn expected(body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{USER}]]></ToUserName><FromUserName><![CDATA[{ACCOUNT}]]></FromUserName>\
         <CreateTime>{TIME}</CreateTime>{body}</xml>"
    )
}

fn render(reply: &Reply) -> String {
    render_reply(reply, USER, ACCOUNT, TIME)
}

/// What a conforming XML parser does before parsing (XML 1.0, section 2.11): every CR LF and
/// every CR not followed by LF become one LF.
fn normalize_line_ends(xml: &str) -> String {
    xml.replace("\r\n", "\n").replace('\r', "\n")
}

fn article(n: u32) -> Article {
    Article {
        title: format!("标题 {n}"),
        description: format!("描述 {n}"),
        pic_url: format!("https://img.example.com/{n}.jpg"),
        url: format!("https://example.com/a/{n}"),
    }
}

#[test]
fn text() {
    assert_eq!(
        render(&Reply::Text("你好".into())),
        expected("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>")
    );
}

#[test]
fn image_and_voice() {
    let media = Media {
        media_id: "MEDIA_ID_1".into(),
    };
    assert_eq!(
        render(&Reply::Image(media.clone())),
        expected(
            "<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[MEDIA_ID_1]]></MediaId></Image>"
        )
    );
    assert_eq!(
        render(&Reply::Voice(media)),
        expected(
            "<MsgType><![CDATA[voice]]></MsgType><Voice><MediaId><![CDATA[MEDIA_ID_1]]></MediaId></Voice>"
        )
    );
}

#[test]
fn video() {
    let reply = Reply::Video(Video {
        media_id: "V1".into(),
        title: "发布会".into(),
        description: "".into(),
    });
    assert_eq!(
        render(&reply),
        expected(
            "<MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[V1]]></MediaId>\
             <Title><![CDATA[发布会]]></Title><Description><![CDATA[]]></Description></Video>"
        )
    );
}

#[test]
fn music() {
    let reply = Reply::Music(Music {
        title: "T".into(),
        description: "D".into(),
        music_url: "http://m.example.com/a.mp3".into(),
        hq_music_url: "http://m.example.com/a-hq.mp3".into(),
        thumb_media_id: "THUMB".into(),
    });
    assert_eq!(
        render(&reply),
        expected(
            "<MsgType><![CDATA[music]]></MsgType><Music><Title><![CDATA[T]]></Title>\
             <Description><![CDATA[D]]></Description><MusicUrl><![CDATA[http://m.example.com/a.mp3]]></MusicUrl>\
             <HQMusicUrl><![CDATA[http://m.example.com/a-hq.mp3]]></HQMusicUrl>\
             <ThumbMediaId><![CDATA[THUMB]]></ThumbMediaId></Music>"
        )
    );
}

#[test]
fn news() {
    let reply = Reply::News(vec![article(1), article(2)]);
    assert_eq!(
        render(&reply),
        expected(
            "<MsgType><![CDATA[news]]></MsgType><ArticleCount>2</ArticleCount><Articles>\
             <item><Title><![CDATA[标题 1]]></Title><Description><![CDATA[描述 1]]></Description>\
             <PicUrl><![CDATA[https://img.example.com/1.jpg]]></PicUrl><Url><![CDATA[https://example.com/a/1]]></Url></item>\
             <item><Title><![CDATA[标题 2]]></Title><Description><![CDATA[描述 2]]></Description>\
             <PicUrl><![CDATA[https://img.example.com/2.jpg]]></PicUrl><Url><![CDATA[https://example.com/a/2]]></Url></item>\
             </Articles>"
        )
    );
}

#[test]
fn news_parses_back_with_repeated_items() {
    let articles: Vec<Article> = (1..=8).map(article).collect();
    let xml = render(&Reply::News(articles.clone()));
    let fields = parse_xml(xml.as_bytes()).expect("well-formed");
    assert_eq!(fields.text("MsgType"), Some("news"));
    assert_eq!(fields.text("ArticleCount"), Some("8"));
    let items: Vec<Article> = fields
        .node("Articles")
        .expect("Articles node")
        .all("item")
        .map(|item| {
            let item = item.as_node().expect("item node");
            Article {
                title: item.text("Title").expect("Title").to_owned(),
                description: item.text("Description").expect("Description").to_owned(),
                pic_url: item.text("PicUrl").expect("PicUrl").to_owned(),
                url: item.text("Url").expect("Url").to_owned(),
            }
        })
        .collect();
    assert_eq!(items, articles);
}

#[test]
fn empty_news_still_renders() {
    assert_eq!(
        render(&Reply::News(Vec::new())),
        expected(
            "<MsgType><![CDATA[news]]></MsgType><ArticleCount>0</ArticleCount><Articles></Articles>"
        )
    );
}

#[test]
fn transfer_customer_service() {
    assert_eq!(
        render(&Reply::TransferCustomerService(Transfer::default())),
        expected("<MsgType><![CDATA[transfer_customer_service]]></MsgType>")
    );
    let to_agent = Reply::TransferCustomerService(Transfer {
        kf_account: Some("kf2001@gh_3ad31b1e8f7c".into()),
    });
    assert_eq!(
        render(&to_agent),
        expected(
            "<MsgType><![CDATA[transfer_customer_service]]></MsgType>\
             <TransInfo><KfAccount><![CDATA[kf2001@gh_3ad31b1e8f7c]]></KfAccount></TransInfo>"
        )
    );
}

#[test]
fn create_time_extremes() {
    for time in [0, 9, 10, u64::MAX] {
        let xml = render_reply(&Reply::Text(String::new()), USER, ACCOUNT, time);
        assert!(
            xml.contains(&format!("<CreateTime>{time}</CreateTime>")),
            "{xml}"
        );
    }
}

#[test]
fn plain_bytes_are_exactly_those_needing_no_closer_look() {
    for byte in 0..=u8::MAX {
        let expected = !matches!(byte, 0x00..=0x08 | 0x0B..=0x1F | b']' | 0xEF);
        assert_eq!(is_plain_byte(byte), expected, "{byte:#04x}");
    }
    let long = "a".repeat(200);
    assert!(all_plain(&long));
    for at in [0, 63, 64, 150, 199] {
        let mut bad = long.clone().into_bytes();
        bad[at] = b']';
        assert!(!all_plain(std::str::from_utf8(&bad).unwrap()), "{at}");
    }
}

fn cdata(text: &str) -> String {
    let mut out = String::new();
    push_cdata(&mut out, text);
    out
}

#[test]
fn cdata_splits_every_section_end() {
    assert_eq!(cdata(""), "<![CDATA[]]>");
    assert_eq!(cdata("a<b>&c"), "<![CDATA[a<b>&c]]>");
    assert_eq!(cdata("]]>"), "<![CDATA[]]]]><![CDATA[>]]>");
    assert_eq!(
        cdata("x]]>y]]>"),
        "<![CDATA[x]]]]><![CDATA[>y]]]]><![CDATA[>]]>"
    );
    assert_eq!(cdata("]]]>"), "<![CDATA[]]]]]><![CDATA[>]]>");
    assert_eq!(cdata("] ]> ]>"), "<![CDATA[] ]> ]>]]>");
    assert_eq!(cdata("，全角"), "<![CDATA[，全角]]>");
}

#[test]
fn cdata_replaces_characters_xml_cannot_carry() {
    assert_eq!(
        cdata("a\0b\u{1}c\u{1F}"),
        "<![CDATA[a\u{FFFD}b\u{FFFD}c\u{FFFD}]]>"
    );
    assert_eq!(cdata("\u{FFFE}\u{FFFF}"), "<![CDATA[\u{FFFD}\u{FFFD}]]>");
    assert_eq!(cdata("\t\n"), "<![CDATA[\t\n]]>");
    // A replaced character between `]]` and `>` cannot form a section end.
    assert_eq!(cdata("]]\u{1}>"), "<![CDATA[]]\u{FFFD}>]]>");
}

#[test]
fn cdata_writes_carriage_returns_as_references() {
    assert_eq!(cdata("\r"), "<![CDATA[]]>&#13;<![CDATA[]]>");
    assert_eq!(cdata("a\r\nb"), "<![CDATA[a]]>&#13;<![CDATA[\nb]]>");
    assert_eq!(
        cdata("\r\r"),
        "<![CDATA[]]>&#13;<![CDATA[]]>&#13;<![CDATA[]]>"
    );
    // A CR between `]]` and `>` leaves no section end to split.
    assert_eq!(cdata("]]\r>"), "<![CDATA[]]]]>&#13;<![CDATA[>]]>");
    assert_eq!(
        cdata("\r]]>"),
        "<![CDATA[]]>&#13;<![CDATA[]]]]><![CDATA[>]]>"
    );
}

#[test]
fn carriage_returns_survive_line_end_normalization() {
    for content in [
        "\r",
        "\r\n",
        "a\rb",
        "line 1\r\nline 2\r\n",
        "]]\r>",
        "\n\r\n\r",
    ] {
        let xml = render(&Reply::Text(content.to_owned()));
        assert!(!xml.contains('\r'), "raw CR in {xml:?}");
        let fields = parse_xml(xml.as_bytes()).expect("well-formed");
        assert_eq!(fields.text("Content"), Some(content), "{xml:?}");
        let normalized = normalize_line_ends(&xml);
        let fields = parse_xml(normalized.as_bytes()).expect("well-formed");
        assert_eq!(fields.text("Content"), Some(content), "{normalized:?}");
    }
}

#[test]
fn every_character_round_trips() {
    // Every Unicode scalar value, in one text: the XML characters exactly, the rest as U+FFFD.
    let all: String = (0..=u32::from(char::MAX))
        .filter_map(char::from_u32)
        .collect();
    let xml = render(&Reply::Text(all.clone()));
    assert!(!xml.contains('\r'));
    let fields = parse_xml(xml.as_bytes()).expect("well-formed");
    let content = fields.text("Content").expect("Content");
    assert_eq!(content.chars().count(), all.chars().count());
    for (got, sent) in content.chars().zip(all.chars()) {
        let expected = if crate::wire::is_xml_char(sent) {
            sent
        } else {
            char::REPLACEMENT_CHARACTER
        };
        assert_eq!(got, expected, "U+{:04X}", u32::from(sent));
    }
    // Exactly the C0 controls other than TAB, LF and CR, and U+FFFE and U+FFFF, are replaced.
    let replaced: Vec<u32> = all
        .chars()
        .filter(|&ch| !crate::wire::is_xml_char(ch))
        .map(u32::from)
        .collect();
    let mut illegal: Vec<u32> = (0..0x20).filter(|c| ![0x9, 0xA, 0xD].contains(c)).collect();
    illegal.extend([0xFFFE, 0xFFFF]);
    assert_eq!(replaced, illegal);
}

#[test]
fn encrypted_envelope() {
    assert_eq!(
        render_encrypted("QUJDRA==", "1e2b3c4d", "1718004312", "nonce123"),
        "<xml><Encrypt><![CDATA[QUJDRA==]]></Encrypt><MsgSignature><![CDATA[1e2b3c4d]]></MsgSignature>\
         <TimeStamp>1718004312</TimeStamp><Nonce><![CDATA[nonce123]]></Nonce></xml>"
    );
}

#[test]
fn encrypted_envelope_stays_well_formed_for_any_timestamp() {
    let xml = render_encrypted("e", "s", "<1&2>", "n");
    assert!(
        xml.contains("<TimeStamp><![CDATA[<1&2>]]></TimeStamp>"),
        "{xml}"
    );
    let fields = parse_xml(xml.as_bytes()).expect("well-formed");
    assert_eq!(fields.text("TimeStamp"), Some("<1&2>"));
    assert_eq!(fields.text("Encrypt"), Some("e"));
    assert_eq!(fields.text("MsgSignature"), Some("s"));
    assert_eq!(fields.text("Nonce"), Some("n"));
}

#[test]
fn an_envelope_of_plain_values_fills_its_allocation_exactly() {
    // Base64, hex, digits: what the envelope carries. Growing would copy it all once more, and
    // spare capacity would cost the response body an allocation of its own.
    let (encrypt, signature) = ("QUJD".repeat(120), "0123456789abcdef01234567".repeat(2));
    let (timestamp, nonce) = ("1718004312", "1234567890");
    let xml = render_encrypted(&encrypt, &signature, timestamp, nonce);
    let markup = xml.len() - encrypt.len() - signature.len() - timestamp.len() - nonce.len();
    assert_eq!(markup, 133);
    assert_eq!(xml.capacity(), xml.len(), "{xml}");
}

#[test]
fn decimal_writes_what_to_string_writes() {
    let mut buf = [0; 20];
    for n in [
        0,
        7,
        9,
        10,
        99,
        100,
        1_700_000_000,
        9_999_999_999,
        u64::MAX - 1,
        u64::MAX,
    ] {
        assert_eq!(super::decimal(n, &mut buf), n.to_string());
    }
    let mut n = 1u64;
    while let Some(next) = n.checked_mul(3) {
        assert_eq!(super::decimal(n - 1, &mut buf), (n - 1).to_string());
        n = next;
    }
}
