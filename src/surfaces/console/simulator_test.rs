use super::*;

#[test]
fn replies_are_indented_and_their_cdata_kept() {
    let xml = "<xml><ToUserName><![CDATA[o_user]]></ToUserName><CreateTime>1</CreateTime>\
               <Articles><item><Title><![CDATA[a < b]]></Title></item></Articles></xml>";
    assert_eq!(
        pretty_xml(xml),
        "<xml>\n  <ToUserName><![CDATA[o_user]]></ToUserName>\n  <CreateTime>1</CreateTime>\n  \
         <Articles>\n    <item>\n      <Title><![CDATA[a < b]]></Title>\n    </item>\n  \
         </Articles>\n</xml>"
    );
}

#[test]
fn what_does_not_parse_is_shown_as_it_came() {
    assert_eq!(pretty_xml("<xml><a></b></xml>"), "<xml><a></b></xml>");
    assert_eq!(pretty_xml("success"), "success");
}

#[test]
fn every_message_type_has_a_label_in_both_languages() {
    for name in MESSAGE_TYPES {
        for lang in [Lang::Zh, Lang::En] {
            let label = type_label(lang, name);
            assert!(!label.is_empty() && !label.starts_with("sim."), "{name}");
        }
    }
    assert_eq!(type_label(Lang::En, "handshake"), "");
}
