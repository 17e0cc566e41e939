use super::*;
use crate::Config;
use crate::account::Accounts;
use crate::envelope;
use crate::envelope::CallbackQuery;
use crate::metrics::Metrics;

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn config() -> Config {
    let mut text = String::new();
    for (name, mode) in [("p", "plain"), ("c", "compatible"), ("s", "safe")] {
        text.push_str(&format!(
            "[[accounts]]\nname = \"{name}\"\nappid = \"wx1234567890abcdef\"\n\
             token = \"tok123\"\nencoding_aes_key = \"{KEY}\"\nmode = \"{mode}\"\n"
        ));
    }
    Config::parse(&text, "test.toml").unwrap()
}

fn text_push() -> PushXml {
    let mut push = PushXml::new("gh_x", "o_user", 1_700_000_000, "text");
    push.push("Content", Node::text("a ]]> b"))
        .push("MsgId", Node::number(42));
    push
}

#[test]
fn renders_cdata_and_numbers() {
    assert_eq!(
        text_push().render(),
        "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[o_user]]>\
         </FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>\
         </MsgType><Content><![CDATA[a ]]]]><![CDATA[> b]]></Content><MsgId>42</MsgId></xml>"
    );
}

/// What the sender signs, the gateway's own envelope code opens, in every mode.
#[test]
fn the_gateway_opens_what_the_sender_signs() {
    let config = config();
    let metrics = Metrics::new(config.accounts.iter().map(|a| a.name.as_str()));
    let accounts = Accounts::build(
        &config.accounts,
        &[],
        &metrics,
        &reqwest::Client::new(),
        std::time::Duration::from_secs(1),
        None,
    )
    .unwrap();
    for (name, encrypted, has_plain_fields) in
        [("p", false, true), ("c", true, true), ("s", true, false)]
    {
        let sender = Sender::new(config.account(name).unwrap());
        let signed = sender.sign(&text_push(), "o_user", 1_700_000_000, "12345");
        assert_eq!(signed.encrypted, encrypted, "{name}");
        assert_eq!(
            signed.body.contains("<Content>"),
            has_plain_fields,
            "{name}"
        );
        let query = CallbackQuery::parse(&signed.query).unwrap();
        let account = accounts.get(name).unwrap();
        let inbound = envelope::open(
            account,
            &query,
            signed.body.as_bytes(),
            None,
            1_700_000_000,
            300,
        )
        .unwrap();
        assert_eq!(inbound.fields.text("Content"), Some("a ]]> b"), "{name}");
        assert_eq!(inbound.encrypted, encrypted);

        // And the reply the gateway seals, the sender opens.
        let reply = "<xml><Content><![CDATA[world]]></Content></xml>";
        let body = if encrypted {
            envelope::seal(account, reply.as_bytes(), 1_700_000_000).unwrap()
        } else {
            reply.to_owned()
        };
        let Opened::Reply {
            xml,
            fields,
            verified,
        } = sender.open_reply(body.as_bytes(), encrypted).unwrap()
        else {
            panic!("a reply")
        };
        assert_eq!(xml, reply);
        assert_eq!(fields.text("Content"), Some("world"));
        assert_eq!(verified, encrypted);
    }
}

#[test]
fn tampered_or_missing_encryption_is_refused() {
    let config = config();
    let sender = Sender::new(config.account("s").unwrap());
    let encrypt = "<xml><Encrypt><![CDATA[AAAA]]></Encrypt><MsgSignature>00</MsgSignature>\
                   <TimeStamp>1</TimeStamp><Nonce>2</Nonce></xml>";
    assert!(matches!(
        sender.open_reply(encrypt.as_bytes(), true),
        Err(ReplyError::Signature)
    ));
    assert!(matches!(
        sender.open_reply(b"<xml><Content>x</Content></xml>", true),
        Err(ReplyError::NotEncrypted)
    ));
    assert!(matches!(
        sender.open_reply(b"success", true),
        Ok(Opened::Success)
    ));
}

#[test]
fn the_handshake_query_verifies() {
    let config = config();
    let sender = Sender::new(config.account("p").unwrap());
    let query = sender.handshake_query(1_700_000_000, "77", "a+b=");
    let parsed = CallbackQuery::parse(&query).unwrap();
    assert_eq!(parsed.echostr(), Ok("a+b="));
    assert!(crypto::verify(
        parsed.signature().unwrap(),
        &["tok123", "1700000000", "77"]
    ));
}

/// A sender built from a running account's parts: the gateway opens what it signs, and it
/// opens what the gateway seals.
#[test]
fn a_sender_from_a_running_accounts_keys_talks_to_the_gateway() {
    let config = config();
    let metrics = Metrics::new(config.accounts.iter().map(|a| a.name.as_str()));
    let accounts = Accounts::build(
        &config.accounts,
        &[],
        &metrics,
        &reqwest::Client::new(),
        std::time::Duration::from_secs(1),
        None,
    )
    .unwrap();
    let account = accounts.get("s").unwrap();
    let sender = Sender::with_keys(
        &account.appid,
        account.mode,
        &account.token,
        account.cipher.clone(),
    );
    let signed = sender.sign(&text_push(), "o_user", 1_700_000_000, "12345");
    assert!(signed.encrypted);
    let query = CallbackQuery::parse(&signed.query).unwrap();
    let inbound = envelope::open(
        account,
        &query,
        signed.body.as_bytes(),
        None,
        1_700_000_000,
        300,
    )
    .unwrap();
    assert_eq!(inbound.fields.text("Content"), Some("a ]]> b"));
    let reply = "<xml><Content><![CDATA[ok]]></Content></xml>";
    let sealed = envelope::seal(account, reply.as_bytes(), 1_700_000_000).unwrap();
    let Opened::Reply {
        fields, verified, ..
    } = sender.open_reply(sealed.as_bytes(), true).unwrap()
    else {
        panic!("a reply")
    };
    assert_eq!(fields.text("Content"), Some("ok"));
    assert!(verified);
    let stranger = Sender::with_keys(&account.appid, account.mode, "another-token", None);
    assert!(matches!(
        stranger.open_reply(sealed.as_bytes(), true),
        Err(ReplyError::Signature)
    ));
}
