use super::*;

#[test]
fn nested_fields_are_indented() {
    let xml =
        b"<xml><MsgType>news</MsgType><Articles><item><Title>t</Title></item></Articles></xml>";
    let fields = wxgate::internals::wire::parse_xml(xml).unwrap();
    assert_eq!(
        render_fields(&fields, 1),
        "   MsgType: news\n   Articles:\n      item:\n         Title: t\n"
    );
}
