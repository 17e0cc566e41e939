//! Tests of `[[accounts.rules]]`: capture references, regex errors and news limits on their own,
//! then whole files with every reply kind and every rule problem.

use wxgate_handlers::RuleAction;
use wxgate_handlers::reply::{Media, Music, Reply, Transfer, Video};

use super::*;
use crate::config::tests::{hint_of, keys_and_messages, parse_err, parse_ok};

fn regex(source: &str) -> Regex {
    match Regex::new(source) {
        Ok(regex) => regex,
        Err(e) => panic!("bad test regex: {e}"),
    }
}

fn problems_for(text: &str, source: &str) -> Vec<(String, String)> {
    let mut p = Problems::default();
    check_references("k", text, &regex(source), &mut p);
    p.into_vec()
        .into_iter()
        .map(|problem| (problem.message, problem.hint))
        .collect()
}

#[test]
fn references_parse_like_regex_expand() {
    use Reference::*;
    let found = |text| {
        references(text)
            .into_iter()
            .map(|(_, r)| r)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found("$1 ${2} $name ${x y}"),
        vec![Number(1), Number(2), Name("name"), Name("x y")]
    );
    assert_eq!(found("$$1 $ ${unclosed $"), vec![]);
    assert_eq!(found("${a $b"), vec![Name("b")]);
    assert_eq!(found("$1a"), vec![Name("1a")]);
    assert_eq!(found("${1}a"), vec![Number(1)]);
    assert_eq!(found("cost: 5$"), vec![]);
    assert_eq!(found("é$1é"), vec![Number(1)]);
    assert_eq!(
        references("x ${10}y")
            .into_iter()
            .map(|(w, _)| w)
            .collect::<Vec<_>>(),
        vec!["${10}"]
    );
}

#[test]
fn references_agree_with_regex_expand() {
    // Whatever `references` calls group 1 must expand to group 1's text, and nothing else.
    let re = regex("^(?P<first>a)(b)$");
    let Some(caps) = re.captures("ab") else {
        panic!("no match")
    };
    for (template, expected) in [
        ("$1", "a"),
        ("${1}", "a"),
        ("$first", "a"),
        ("${first}", "a"),
        ("$2", "b"),
        ("$$1", "$1"),
        ("$1a", ""),
        ("${1}a", "aa"),
        ("$", "$"),
        ("${1", "${1"),
    ] {
        let mut out = String::new();
        caps.expand(template, &mut out);
        assert_eq!(out, expected, "template {template}");
    }
    assert_eq!(references("$1a"), vec![("$1a", Reference::Name("1a"))]);
    assert_eq!(references("${1"), vec![]);
}

#[test]
fn missing_groups_are_reported_once() {
    assert!(problems_for("$0 $1 ${1} $$5", "^echo (.*)$").is_empty());
    let found = problems_for("$2 and $2", "^echo (.*)$");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].0,
        "`$2` refers to group 2, but the regex has 1 capture group"
    );
    let found = problems_for("$1", "^hello$");
    assert_eq!(
        found[0].0,
        "`$1` refers to group 1, but the regex has no capture groups"
    );
}

#[test]
fn named_groups_are_checked() {
    assert!(problems_for("$who ${who}", "^hi (?P<who>.*)$").is_empty());
    let found = problems_for("$whom", "^hi (?P<who>.*)$");
    assert_eq!(
        found[0].0,
        "`$whom` refers to a group named `whom`, which the regex does not have"
    );
    assert_eq!(found[0].1, "the regex's named groups are `who`");
    let found = problems_for("$1st", "^(.*)$");
    assert!(found[0].1.contains("write `${1}st`"), "{}", found[0].1);
}

#[test]
#[allow(clippy::invalid_regex)]
fn regex_errors_are_one_line_with_position() {
    let Err(e) = Regex::new("^echo (.*$") else {
        panic!("compiled")
    };
    assert_eq!(regex_error(&e), "unclosed group at character 7");
    let Err(e) = Regex::new("a\nb(") else {
        panic!("compiled")
    };
    assert_eq!(regex_error(&e), "unclosed group");
}

#[test]
fn news_limits() {
    let article = |title: &str| Article {
        title: title.to_owned(),
        description: String::new(),
        pic_url: String::new(),
        url: String::new(),
    };
    let mut p = Problems::default();
    check_news("n", &[], &mut p);
    check_news("n", &vec![article("t"); MAX_NEWS_ARTICLES], &mut p);
    check_news("n", &vec![article("t"); MAX_NEWS_ARTICLES + 1], &mut p);
    check_news("n", &[article("t"), article("")], &mut p);
    let found: Vec<(String, String)> = p
        .into_vec()
        .into_iter()
        .map(|problem| (problem.key, problem.message))
        .collect();
    assert_eq!(
        found,
        vec![
            ("n".to_owned(), "holds no articles".to_owned()),
            (
                "n".to_owned(),
                "holds 9 articles, more than WeChat's 8".to_owned()
            ),
            ("n[1].title".to_owned(), "must not be empty".to_owned()),
        ]
    );
}

// Whole files through `Config::parse`: every reply kind, every rule problem.

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

#[test]
fn msg_type_rules_parse_and_must_agree_with_the_other_conditions() {
    let account = "[[accounts]]\nname = \"demo\"\nappid = \"wx1234567890abcdef\"\ntoken = \"callbacktoken\"\n";
    let config = crate::config::tests::parse_ok(&format!(
        "{account}  [[accounts.rules]]\n  msg_type = \"image\"\n  reply = {{ text = \"nice picture\" }}\n"
    ));
    assert_eq!(
        config.accounts[0].rules[0].msg_type.as_deref(),
        Some("image")
    );
    let errors = crate::config::tests::parse_err(&format!(
        "{account}  [[accounts.rules]]\n  msg_type = \"image\"\n  keyword = \"hi\"\n  reply = {{ text = \"x\" }}\n"
    ));
    let problems = crate::config::tests::keys_and_messages(&errors);
    assert_eq!(problems.len(), 1, "{errors}");
    assert_eq!(problems[0].0, "accounts[0].rules[0].msg_type");
    assert!(
        problems[0].1.contains("only match text messages"),
        "{errors}"
    );
    assert!(
        crate::config::tests::hint_of(&errors, "accounts[0].rules[0].msg_type")
            .contains("\"text\"")
    );
}
