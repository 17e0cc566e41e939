use proptest::prelude::*;
use wxgate_handlers::{Article, Media, Music, Reply, Transfer, Video};

use super::render::{capacity, push_cdata};
use super::{parse_xml, render_encrypted, render_reply};

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
    assert_eq!(cdata("\t\n\r"), "<![CDATA[\t\n\r]]>");
    // A replaced character between `]]` and `>` cannot form a section end.
    assert_eq!(cdata("]]\u{1}>"), "<![CDATA[]]\u{FFFD}>]]>");
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

/// Text of every kind that needs care, plus anything at all.
fn tricky_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("]]>".to_owned()),
        Just("]]".to_owned()),
        Just("]".to_owned()),
        Just(">".to_owned()),
        Just("<".to_owned()),
        Just("&".to_owned()),
        Just("&amp;".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("</Content></xml>".to_owned()),
        Just("中文".to_owned()),
        Just("😀👍🏽".to_owned()),
        Just("\r\n".to_owned()),
        "\\PC{0,8}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// What XML can carry of `text`: [`push_cdata`] swaps the rest for U+FFFD.
fn carried(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if super::is_xml_char(ch) {
                ch
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn text_reply_parses_back_to_the_same_content(content in tricky_text()) {
        let xml = render(&Reply::Text(content.clone()));
        let fields = parse_xml(xml.as_bytes());
        prop_assert!(fields.is_ok(), "{:?} rendered to malformed {:?}: {:?}", content, xml, fields);
        let fields = fields.unwrap_or_default();
        prop_assert_eq!(fields.text("Content").map(str::to_owned), Some(carried(&content)));
        prop_assert_eq!(fields.text("ToUserName"), Some(USER));
        prop_assert_eq!(fields.text("FromUserName"), Some(ACCOUNT));
        prop_assert_eq!(fields.text("MsgType"), Some("text"));
    }

    #[test]
    fn every_string_of_a_news_reply_parses_back(
        titles in proptest::collection::vec(tricky_text(), 1..9),
        url in tricky_text(),
    ) {
        let articles: Vec<Article> = titles
            .iter()
            .map(|title| Article {
                title: title.clone(),
                description: title.chars().rev().collect(),
                pic_url: url.clone(),
                url: url.clone(),
            })
            .collect();
        let xml = render(&Reply::News(articles.clone()));
        let fields = parse_xml(xml.as_bytes());
        prop_assert!(fields.is_ok(), "malformed: {:?}", xml);
        let fields = fields.unwrap_or_default();
        let items: Vec<_> = fields
            .node("Articles")
            .map(|articles| articles.all("item").filter_map(|item| item.as_node()).collect())
            .unwrap_or_default();
        prop_assert_eq!(items.len(), articles.len());
        for (item, article) in items.iter().zip(&articles) {
            prop_assert_eq!(item.text("Title").map(str::to_owned), Some(carried(&article.title)));
            prop_assert_eq!(item.text("Description").map(str::to_owned), Some(carried(&article.description)));
            prop_assert_eq!(item.text("Url").map(str::to_owned), Some(carried(&article.url)));
        }
    }

    #[test]
    fn one_allocation_when_no_section_end_needs_splitting(
        text in "[^\\]\\p{Cc}]{0,64}",
        user in "o[A-Za-z0-9_-]{27}",
        count in 0usize..9,
    ) {
        let media = Media { media_id: text.clone() };
        let replies = [
            Reply::Text(text.clone()),
            Reply::Image(media.clone()),
            Reply::Voice(media),
            Reply::Video(Video { media_id: text.clone(), title: text.clone(), description: text.clone() }),
            Reply::Music(Music {
                title: text.clone(),
                description: text.clone(),
                music_url: text.clone(),
                hq_music_url: text.clone(),
                thumb_media_id: text.clone(),
            }),
            Reply::News(vec![
                Article { title: text.clone(), description: text.clone(), pic_url: text.clone(), url: text.clone() };
                count
            ]),
            Reply::TransferCustomerService(Transfer { kf_account: Some(text.clone()) }),
        ];
        for reply in &replies {
            let xml = render_reply(reply, &user, ACCOUNT, u64::MAX);
            prop_assert!(capacity(reply, &user, ACCOUNT) >= xml.len(), "{}", xml);
        }
    }
}
