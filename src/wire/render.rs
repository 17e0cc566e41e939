//! Replies to WeChat's passive-reply XML.
//!
//! The shapes are the documented ones, element for element. Every string goes into a CDATA
//! section through one helper, `push_cdata`, which keeps the output well-formed for any text:
//! a `]]>` inside the text is split across two sections, a carriage return is written as the
//! character reference `&#13;` between two sections, and the few characters XML cannot carry
//! at all (control characters other than tab, line feed and carriage return; U+FFFE; U+FFFF)
//! become U+FFFD.
//!
//! Why the carriage return needs a reference: an XML parser turns every CR and CR LF into a
//! single LF before it parses anything, inside CDATA too (XML 1.0, section 2.11), so a raw CR
//! would reach WeChat as LF. Only a character reference survives that normalization, and a
//! reference is markup, so it has to stand outside the CDATA section. The output therefore never
//! contains a raw CR, and every character XML allows reaches the reader exactly as given.
//!
//! Rendering does not validate: a news reply renders however many articles it holds
//! (WeChat accepts at most [`MAX_NEWS_ARTICLES`](wxgate_handlers::reply::MAX_NEWS_ARTICLES)).

use wxgate_handlers::{Article, Reply};

use super::is_xml_char;

/// Renders a passive reply.
///
/// `to_user` is the user's openid (the push's `FromUserName`), `from_user` the account's
/// original id (the push's `ToUserName`), `create_time` seconds since the Unix epoch.
///
/// ```text
/// <xml><ToUserName><![CDATA[o...]]></ToUserName><FromUserName><![CDATA[gh_...]]></FromUserName>
/// <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>
/// <Content><![CDATA[hello]]></Content></xml>
/// ```
/// (one line in the output).
pub fn render_reply(reply: &Reply, to_user: &str, from_user: &str, create_time: u64) -> String {
    let mut out = String::with_capacity(capacity(reply, to_user, from_user));
    push_head(&mut out, to_user, from_user, create_time);
    push_body(&mut out, reply);
    out
}

/// The part of a passive reply after `CreateTime`, from `<MsgType>` to `</xml>`: what a
/// reply is, whoever it goes to. [`render_reply`] equals [`render_reply_with_body`] of this,
/// so a reply can be kept as its body and rendered again, byte for byte.
pub fn render_reply_body(reply: &Reply) -> String {
    let mut out = String::with_capacity(capacity(reply, "", ""));
    push_body(&mut out, reply);
    out
}

/// A passive reply from its `body` (see [`render_reply_body`]).
pub fn render_reply_with_body(
    to_user: &str,
    from_user: &str,
    create_time: u64,
    body: &str,
) -> String {
    let mut out = String::with_capacity(128 + to_user.len() + from_user.len() + body.len());
    push_head(&mut out, to_user, from_user, create_time);
    out.push_str(body);
    out
}

fn push_head(out: &mut String, to_user: &str, from_user: &str, create_time: u64) {
    out.push_str("<xml>");
    cdata_element(out, "ToUserName", to_user);
    cdata_element(out, "FromUserName", from_user);
    out.push_str("<CreateTime>");
    push_u64(out, create_time);
    out.push_str("</CreateTime>");
}

fn push_body(out: &mut String, reply: &Reply) {
    match reply {
        Reply::Text(content) => {
            msg_type(out, "text");
            cdata_element(out, "Content", content);
        }
        Reply::Image(media) => {
            msg_type(out, "image");
            out.push_str("<Image>");
            cdata_element(out, "MediaId", &media.media_id);
            out.push_str("</Image>");
        }
        Reply::Voice(media) => {
            msg_type(out, "voice");
            out.push_str("<Voice>");
            cdata_element(out, "MediaId", &media.media_id);
            out.push_str("</Voice>");
        }
        Reply::Video(video) => {
            msg_type(out, "video");
            out.push_str("<Video>");
            cdata_element(out, "MediaId", &video.media_id);
            cdata_element(out, "Title", &video.title);
            cdata_element(out, "Description", &video.description);
            out.push_str("</Video>");
        }
        Reply::Music(music) => {
            msg_type(out, "music");
            out.push_str("<Music>");
            cdata_element(out, "Title", &music.title);
            cdata_element(out, "Description", &music.description);
            cdata_element(out, "MusicUrl", &music.music_url);
            cdata_element(out, "HQMusicUrl", &music.hq_music_url);
            cdata_element(out, "ThumbMediaId", &music.thumb_media_id);
            out.push_str("</Music>");
        }
        Reply::News(articles) => {
            msg_type(out, "news");
            out.push_str("<ArticleCount>");
            push_u64(out, u64::try_from(articles.len()).unwrap_or(u64::MAX));
            out.push_str("</ArticleCount><Articles>");
            for article in articles {
                out.push_str("<item>");
                cdata_element(out, "Title", &article.title);
                cdata_element(out, "Description", &article.description);
                cdata_element(out, "PicUrl", &article.pic_url);
                cdata_element(out, "Url", &article.url);
                out.push_str("</item>");
            }
            out.push_str("</Articles>");
        }
        Reply::TransferCustomerService(transfer) => {
            msg_type(out, "transfer_customer_service");
            if let Some(account) = &transfer.kf_account {
                out.push_str("<TransInfo>");
                cdata_element(out, "KfAccount", account);
                out.push_str("</TransInfo>");
            }
        }
    }
    out.push_str("</xml>");
}

/// Bytes of markup in an encrypted reply's envelope around its four values.
const ENVELOPE_MARKUP: usize = 133;

/// Renders the envelope of an encrypted reply (safe and compatible modes).
///
/// `TimeStamp` is written bare, as documented, when it is all digits (it always is for a
/// timestamp the gateway produced); anything else goes into CDATA so the XML stays well-formed.
pub fn render_encrypted(
    encrypt: &str,
    msg_signature: &str,
    timestamp: &str,
    nonce: &str,
) -> String {
    // The markup around the four values is 133 bytes. Plain values (base64, hex, digits: what
    // the gateway writes) fill the buffer exactly, which the response body then takes as it
    // is, without allocating.
    let mut out = String::with_capacity(
        ENVELOPE_MARKUP + encrypt.len() + msg_signature.len() + timestamp.len() + nonce.len(),
    );
    out.push_str("<xml>");
    cdata_element(&mut out, "Encrypt", encrypt);
    cdata_element(&mut out, "MsgSignature", msg_signature);
    out.push_str("<TimeStamp>");
    if !timestamp.is_empty() && timestamp.bytes().all(|byte| byte.is_ascii_digit()) {
        out.push_str(timestamp);
    } else {
        push_cdata(&mut out, timestamp);
    }
    out.push_str("</TimeStamp>");
    cdata_element(&mut out, "Nonce", nonce);
    out.push_str("</xml>");
    out
}

/// Appends `text` as CDATA: `<![CDATA[text]]>`, split into several sections where `text`
/// contains `]]>` and around each carriage return (written `&#13;`), with U+FFFD for the
/// characters XML cannot carry (see the module docs).
///
/// Every string this module writes goes through here; nothing else escapes XML output.
pub(super) fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    if all_plain(text) {
        out.push_str(text);
    } else {
        let mut start = 0;
        for (index, ch) in text.char_indices() {
            if ch == '>' && text[..index].ends_with("]]") {
                // Close the section between `]]` and `>`, then reopen it: `]]]]><![CDATA[>`.
                out.push_str(&text[start..index]);
                out.push_str("]]><![CDATA[");
                start = index;
            } else if ch == '\r' {
                // Close the section, write the reference, reopen: `]]>&#13;<![CDATA[`.
                out.push_str(&text[start..index]);
                out.push_str("]]>&#13;<![CDATA[");
                start = index + 1;
            } else if !is_xml_char(ch) {
                out.push_str(&text[start..index]);
                out.push(char::REPLACEMENT_CHARACTER);
                start = index + ch.len_utf8();
            }
        }
        out.push_str(&text[start..]);
    }
    out.push_str("]]>");
}

/// Whether a byte can be copied into CDATA without a closer look: not part of a `]]>`, not a
/// carriage return or another control character, and not the lead byte of a three-byte sequence
/// that might be U+FFFE or U+FFFF.
fn is_plain_byte(byte: u8) -> bool {
    // Non-short-circuit operators keep the test branch-free, so `all_plain` vectorizes.
    ((byte >= 0x20) | (byte == b'\t') | (byte == b'\n')) & (byte != b']') & (byte != 0xEF)
}

/// Whether every byte of `text` is plain: a branch-free pass over each 64-byte chunk (vector
/// code), stopping at the first chunk that is not. An `Encrypt` field is hundreds of bytes.
fn all_plain(text: &str) -> bool {
    text.as_bytes().chunks(64).all(|chunk| {
        chunk
            .iter()
            .fold(true, |plain, &byte| plain & is_plain_byte(byte))
    })
}

fn cdata_element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_cdata(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn msg_type(out: &mut String, kind: &str) {
    cdata_element(out, "MsgType", kind);
}

/// Appends the decimal digits of `n`, most significant first.
fn push_u64(out: &mut String, n: u64) {
    out.push_str(decimal(n, &mut [0; 20]));
}

/// `n` in decimal, written at the end of `buf` (20 digits hold any u64): for numbers that go
/// into a reply, or are signed before they do, without a heap string.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        // `n % 10` is a single digit.
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[start..]).unwrap_or_default()
}

/// An upper bound for the rendered length in the common case (no `]]>` to split), so the
/// output is allocated once.
pub(super) fn capacity(reply: &Reply, to_user: &str, from_user: &str) -> usize {
    const ENVELOPE: usize = 192;
    const PER_FIELD: usize = 48;
    const PER_ARTICLE: usize = 4 * PER_FIELD + 16;
    let body = match reply {
        Reply::Text(content) => PER_FIELD + content.len(),
        Reply::Image(media) | Reply::Voice(media) => 2 * PER_FIELD + media.media_id.len(),
        Reply::Video(video) => {
            4 * PER_FIELD + video.media_id.len() + video.title.len() + video.description.len()
        }
        Reply::Music(music) => {
            6 * PER_FIELD
                + music.title.len()
                + music.description.len()
                + music.music_url.len()
                + music.hq_music_url.len()
                + music.thumb_media_id.len()
        }
        Reply::News(articles) => {
            2 * PER_FIELD
                + articles
                    .iter()
                    .map(|article: &Article| PER_ARTICLE + article_len(article))
                    .sum::<usize>()
        }
        Reply::TransferCustomerService(transfer) => {
            2 * PER_FIELD + transfer.kf_account.as_ref().map_or(0, String::len)
        }
    };
    ENVELOPE + to_user.len() + from_user.len() + body
}

fn article_len(article: &Article) -> usize {
    article.title.len() + article.description.len() + article.pic_url.len() + article.url.len()
}

#[cfg(test)]
#[path = "render_test.rs"]
mod tests;
