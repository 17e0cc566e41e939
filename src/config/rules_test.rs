//! Whole-file tests of `[[accounts.rules]]`: every reply kind, every rule problem.

use wxgate_handlers::RuleAction;
use wxgate_handlers::reply::{Media, Music, Reply, Transfer, Video};

use super::tests::{hint_of, keys_and_messages, parse_err, parse_ok};

fn one_rule(rule: &str) -> String {
    format!(
        "[[accounts]]\nname = \"a\"\nappid = \"wx1\"\ntoken = \"abc\"\n[[accounts.rules]]\n{rule}\n"
    )
}

#[test]
fn every_reply_kind_parses() {
    let replies = [
        (
            "{ image = { media_id = \"m1\" } }",
            Reply::Image(Media {
                media_id: "m1".into(),
            }),
        ),
        (
            "{ voice = { media_id = \"m2\" } }",
            Reply::Voice(Media {
                media_id: "m2".into(),
            }),
        ),
        (
            "{ video = { media_id = \"m3\", title = \"t\", description = \"d\" } }",
            Reply::Video(Video {
                media_id: "m3".into(),
                title: "t".into(),
                description: "d".into(),
            }),
        ),
        (
            "{ music = { thumb_media_id = \"m4\", music_url = \"https://m\" } }",
            Reply::Music(Music {
                title: String::new(),
                description: String::new(),
                music_url: "https://m".into(),
                hq_music_url: String::new(),
                thumb_media_id: "m4".into(),
            }),
        ),
        (
            "{ transfer_customer_service = {} }",
            Reply::TransferCustomerService(Transfer::default()),
        ),
    ];
    for (written, expected) in replies {
        let config = parse_ok(&one_rule(&format!("reply = {written}")));
        assert_eq!(
            config.accounts[0].rules[0].action,
            RuleAction::Reply(expected),
            "{written}"
        );
        assert_eq!(config.accounts[0].rules[0].keyword, None);
    }
}

#[test]
fn rules_are_checked() {
    let text = format!(
        "{}\
         [[accounts.rules]]\nkeyword = \"a\"\nregex = \"b\"\nevent = \"click\"\nreply = {{ text = \"x\" }}\n\
         [[accounts.rules]]\nkeyword = \"\"\n\
         [[accounts.rules]]\nreply = {{ txt = \"x\" }}\n\
         [[accounts.rules]]\nreply = {{ image = {{ media_id = \"\" }} }}\n\
         [[accounts.rules]]\nreply = {{ news = [ {{ title = \"\" }} ] }}\n\
         [[accounts.rules]]\nreply = {{ news = [] }}\n\
         [[accounts.rules]]\nregex = \"^hi (?P<who>.*)$\"\nreply = {{ text = \"hi $who, $2\" }}\n",
        one_rule("keyword = \"ok\"\nreply = { text = \"\" }"),
    );
    let errors = parse_err(&text);
    assert_eq!(
        keys_and_messages(&errors),
        vec![
            ("accounts[0].rules[0].reply.text", "must not be empty"),
            ("accounts[0].rules[1]", "`keyword` and `regex` are both set"),
            (
                "accounts[0].rules[1]",
                "`keyword`, `regex` (for text messages) and `event` (for events) cannot both hold"
            ),
            ("accounts[0].rules[2].keyword", "must not be empty"),
            ("accounts[0].rules[2].reply", "missing required key"),
            (
                "accounts[0].rules[3].reply",
                "unknown variant `txt`, expected one of `text`, `image`, `voice`, `video`, \
                 `music`, `news`, `transfer_customer_service`"
            ),
            (
                "accounts[0].rules[4].reply.image.media_id",
                "must not be empty"
            ),
            (
                "accounts[0].rules[5].reply.news[0].title",
                "must not be empty"
            ),
            ("accounts[0].rules[6].reply.news", "holds no articles"),
            (
                "accounts[0].rules[7].reply.text",
                "`$2` refers to group 2, but the regex has 1 capture group"
            ),
        ]
    );
    assert!(hint_of(&errors, "accounts[0].rules[3].reply").contains("{ text = \"..\" }"));
}
