use super::*;

#[test]
fn to_json_nests_nodes_and_turns_repeats_into_arrays() {
    let mut item = Fields::new();
    item.push_text("PicMd5Sum", "a");
    let mut item2 = Fields::new();
    item2.push_text("PicMd5Sum", "b");
    let mut list = Fields::new();
    list.push("item", Value::Node(item));
    list.push("item", Value::Node(item2));
    let mut info = Fields::new();
    info.push_text("Count", "2");
    info.push("PicList", Value::Node(list));
    let mut push = Fields::new();
    push.push_text("MsgType", "event");
    push.push("SendPicsInfo", Value::Node(info));

    assert_eq!(
        push.to_json(),
        serde_json::json!({
            "MsgType": "event",
            "SendPicsInfo": {
                "Count": "2",
                "PicList": { "item": [ { "PicMd5Sum": "a" }, { "PicMd5Sum": "b" } ] }
            }
        })
    );
}

#[test]
fn three_repeats_stay_one_array() {
    let mut fields = Fields::new();
    for v in ["1", "2", "3"] {
        fields.push_text("List", v);
    }
    assert_eq!(
        fields.to_json(),
        serde_json::json!({ "List": ["1", "2", "3"] })
    );
}
