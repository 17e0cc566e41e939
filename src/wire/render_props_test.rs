//! Properties of rendering: any reply and any text render to XML that parses back to what
//! they carry (exact outputs are in the parent module).

use proptest::prelude::*;

use super::*;

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
        Just("\r".to_owned()),
        Just("\t".to_owned()),
        Just("\u{1}\u{1F}\u{7F}".to_owned()),
        Just("\u{FFFE}\u{FFFF}".to_owned()),
        Just("&#13;".to_owned()),
        "\\PC{0,8}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// Any reply, every string in it [`tricky_text`].
fn any_reply() -> impl Strategy<Value = Reply> {
    let article = (tricky_text(), tricky_text(), tricky_text(), tricky_text()).prop_map(
        |(title, description, pic_url, url)| Article {
            title,
            description,
            pic_url,
            url,
        },
    );
    prop_oneof![
        tricky_text().prop_map(Reply::Text),
        tricky_text().prop_map(|media_id| Reply::Image(Media { media_id })),
        tricky_text().prop_map(|media_id| Reply::Voice(Media { media_id })),
        (tricky_text(), tricky_text(), tricky_text()).prop_map(|(media_id, title, description)| {
            Reply::Video(Video {
                media_id,
                title,
                description,
            })
        }),
        (
            tricky_text(),
            tricky_text(),
            tricky_text(),
            tricky_text(),
            tricky_text()
        )
            .prop_map(
                |(title, description, music_url, hq_music_url, thumb_media_id)| {
                    Reply::Music(Music {
                        title,
                        description,
                        music_url,
                        hq_music_url,
                        thumb_media_id,
                    })
                }
            ),
        proptest::collection::vec(article, 0..9).prop_map(Reply::News),
        proptest::option::of(tricky_text())
            .prop_map(|kf_account| Reply::TransferCustomerService(Transfer { kf_account })),
    ]
}

/// The reply with every string as XML carries it.
fn carried_reply(reply: &Reply) -> Reply {
    let media = |m: &Media| Media {
        media_id: carried(&m.media_id),
    };
    match reply {
        Reply::Text(text) => Reply::Text(carried(text)),
        Reply::Image(m) => Reply::Image(media(m)),
        Reply::Voice(m) => Reply::Voice(media(m)),
        Reply::Video(v) => Reply::Video(Video {
            media_id: carried(&v.media_id),
            title: carried(&v.title),
            description: carried(&v.description),
        }),
        Reply::Music(m) => Reply::Music(Music {
            title: carried(&m.title),
            description: carried(&m.description),
            music_url: carried(&m.music_url),
            hq_music_url: carried(&m.hq_music_url),
            thumb_media_id: carried(&m.thumb_media_id),
        }),
        Reply::News(articles) => Reply::News(
            articles
                .iter()
                .map(|a| Article {
                    title: carried(&a.title),
                    description: carried(&a.description),
                    pic_url: carried(&a.pic_url),
                    url: carried(&a.url),
                })
                .collect(),
        ),
        Reply::TransferCustomerService(t) => Reply::TransferCustomerService(Transfer {
            kf_account: t.kf_account.as_deref().map(carried),
        }),
    }
}

/// Reads a parsed passive reply back into `(reply, to_user, from_user, create_time)`, checking
/// that it holds exactly the elements [`render_reply`] writes, in order.
fn read_reply(fields: &Fields) -> Result<(Reply, String, String, u64), String> {
    fn names(fields: &Fields) -> Vec<&str> {
        fields.iter().map(|(name, _)| name).collect()
    }
    fn text(fields: &Fields, name: &str) -> Result<String, String> {
        fields
            .text(name)
            .map(str::to_owned)
            .ok_or_else(|| format!("no text <{name}> in {fields:?}"))
    }
    fn node<'f>(fields: &'f Fields, name: &str, expected: &[&str]) -> Result<&'f Fields, String> {
        let node = fields
            .node(name)
            .ok_or_else(|| format!("no <{name}> node in {fields:?}"))?;
        if names(node) != expected {
            return Err(format!("<{name}> holds {:?}", names(node)));
        }
        Ok(node)
    }
    let head = ["ToUserName", "FromUserName", "CreateTime", "MsgType"];
    let to_user = text(fields, "ToUserName")?;
    let from_user = text(fields, "FromUserName")?;
    let create_time = text(fields, "CreateTime")?
        .parse::<u64>()
        .map_err(|e| e.to_string())?;
    let msg_type = text(fields, "MsgType")?;
    let rest: Vec<&str> = names(fields).into_iter().skip(head.len()).collect();
    if names(fields)[..head.len().min(fields.len())] != head {
        return Err(format!("reply starts with {:?}", names(fields)));
    }
    let media = |name: &str| -> Result<Media, String> {
        Ok(Media {
            media_id: text(node(fields, name, &["MediaId"])?, "MediaId")?,
        })
    };
    let (reply, expected_rest): (Reply, &[&str]) = match msg_type.as_str() {
        "text" => (Reply::Text(text(fields, "Content")?), &["Content"]),
        "image" => (Reply::Image(media("Image")?), &["Image"]),
        "voice" => (Reply::Voice(media("Voice")?), &["Voice"]),
        "video" => {
            let v = node(fields, "Video", &["MediaId", "Title", "Description"])?;
            let video = Video {
                media_id: text(v, "MediaId")?,
                title: text(v, "Title")?,
                description: text(v, "Description")?,
            };
            (Reply::Video(video), &["Video"])
        }
        "music" => {
            let m = node(
                fields,
                "Music",
                &[
                    "Title",
                    "Description",
                    "MusicUrl",
                    "HQMusicUrl",
                    "ThumbMediaId",
                ],
            )?;
            let music = Music {
                title: text(m, "Title")?,
                description: text(m, "Description")?,
                music_url: text(m, "MusicUrl")?,
                hq_music_url: text(m, "HQMusicUrl")?,
                thumb_media_id: text(m, "ThumbMediaId")?,
            };
            (Reply::Music(music), &["Music"])
        }
        "news" => {
            let count: usize = text(fields, "ArticleCount")?
                .parse()
                .map_err(|e: std::num::ParseIntError| e.to_string())?;
            // An empty <Articles></Articles> reads as empty text, not as a node.
            let articles = match fields.get("Articles") {
                Some(Value::Node(items)) => items
                    .iter()
                    .map(|(name, item)| {
                        let item = match (name, item) {
                            ("item", Value::Node(item)) => item,
                            _ => return Err(format!("<{name}> in <Articles>")),
                        };
                        if names(item) != ["Title", "Description", "PicUrl", "Url"] {
                            return Err(format!("<item> holds {:?}", names(item)));
                        }
                        Ok(Article {
                            title: text(item, "Title")?,
                            description: text(item, "Description")?,
                            pic_url: text(item, "PicUrl")?,
                            url: text(item, "Url")?,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                Some(Value::Text(empty)) if empty.is_empty() => Vec::new(),
                other => return Err(format!("<Articles> is {other:?}")),
            };
            if count != articles.len() {
                return Err(format!("ArticleCount {count}, {} items", articles.len()));
            }
            (Reply::News(articles), &["ArticleCount", "Articles"])
        }
        "transfer_customer_service" => match fields.get("TransInfo") {
            Some(_) => {
                let info = node(fields, "TransInfo", &["KfAccount"])?;
                let transfer = Transfer {
                    kf_account: Some(text(info, "KfAccount")?),
                };
                (Reply::TransferCustomerService(transfer), &["TransInfo"])
            }
            None => (Reply::TransferCustomerService(Transfer::default()), &[]),
        },
        other => return Err(format!("unknown MsgType {other:?}")),
    };
    if rest != expected_rest {
        return Err(format!("{msg_type} reply holds {rest:?} after the head"));
    }
    Ok((reply, to_user, from_user, create_time))
}

/// What XML can carry of `text`: [`push_cdata`] swaps the rest for U+FFFD.
fn carried(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if crate::wire::is_xml_char(ch) {
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
    fn every_reply_parses_back_to_itself(
        reply in any_reply(),
        to_user in tricky_text(),
        from_user in tricky_text(),
        create_time in any::<u64>(),
    ) {
        let xml = render_reply(&reply, &to_user, &from_user, create_time);
        prop_assert!(!xml.contains('\r'), "raw CR in {:?}", xml);
        let fields = parse_xml(xml.as_bytes());
        prop_assert!(fields.is_ok(), "{:?} rendered to malformed {:?}: {:?}", reply, xml, fields);
        let read = read_reply(&fields.unwrap_or_default());
        prop_assert_eq!(
            read,
            Ok((carried_reply(&reply), carried(&to_user), carried(&from_user), create_time)),
            "{}", xml
        );
    }

    #[test]
    fn line_end_normalization_changes_nothing(reply in any_reply()) {
        // What a conforming parser (WeChat's) reads is what ours reads.
        let xml = render(&reply);
        prop_assert_eq!(normalize_line_ends(&xml), xml);
    }

    #[test]
    fn encrypted_envelope_parses_back(
        encrypt in tricky_text(),
        signature in tricky_text(),
        timestamp in prop_oneof!["[0-9]{1,20}", tricky_text()],
        nonce in tricky_text(),
    ) {
        let xml = render_encrypted(&encrypt, &signature, &timestamp, &nonce);
        prop_assert!(!xml.contains('\r'));
        let fields = parse_xml(xml.as_bytes());
        prop_assert!(fields.is_ok(), "malformed: {:?}", xml);
        let fields = fields.unwrap_or_default();
        let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
        prop_assert_eq!(names, ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]);
        prop_assert_eq!(fields.text("Encrypt").map(str::to_owned), Some(carried(&encrypt)));
        prop_assert_eq!(fields.text("MsgSignature").map(str::to_owned), Some(carried(&signature)));
        prop_assert_eq!(fields.text("TimeStamp").map(str::to_owned), Some(carried(&timestamp)));
        prop_assert_eq!(fields.text("Nonce").map(str::to_owned), Some(carried(&nonce)));
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
