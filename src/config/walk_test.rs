use super::*;

fn table(text: &str) -> Table {
    match text.parse::<Table>() {
        Ok(table) => table,
        Err(e) => panic!("bad test input: {e}"),
    }
}

#[test]
fn suggests_close_keys_only() {
    let known = [
        "listen",
        "max_body_bytes",
        "handler_timeout_ms",
        "max_clock_skew_secs",
    ];
    assert_eq!(closest("max_body_byte", &known), Some("max_body_bytes"));
    assert_eq!(closest("listn", &known), Some("listen"));
    assert_eq!(closest("Listen", &known), Some("listen"));
    assert_eq!(closest("max-body-bytes", &known), Some("max_body_bytes"));
    assert_eq!(closest("timeout", &known), Some("handler_timeout_ms"));
    assert_eq!(closest("port", &known), None);
    assert_eq!(closest("x", &known), None);
    assert_eq!(closest("ttl", &["ttl_secs", "capacity"]), Some("ttl_secs"));
}

#[test]
fn edit_distance_counts_edits() {
    assert_eq!(edit_distance("", ""), 0);
    assert_eq!(edit_distance("abc", ""), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("mode", "mdoe"), 2);
}

#[test]
fn wrong_types_and_unknown_keys_are_all_reported() {
    let doc = table("a = \"x\"\nb = 5\nc = -1\nzz = 1\n\"odd key\" = 2\n[t]\nq = 1\n");
    let mut problems = Problems::default();
    let mut root = Section::root(&doc);
    assert_eq!(root.uint("a", &mut problems, 0..=10, "small"), None);
    assert_eq!(root.string("b", &mut problems), None);
    assert_eq!(
        root.uint("c", &mut problems, 1..=u64::MAX, "positive"),
        None
    );
    assert_eq!(root.uint("absent", &mut problems, 1..=2, "x"), None);
    let sub = root.table("t", &mut problems);
    assert!(sub.is_some());
    if let Some(sub) = sub {
        sub.finish(&mut problems);
    }
    root.finish(&mut problems);
    let found: Vec<(String, String, String)> = problems
        .into_vec()
        .into_iter()
        .map(|p| (p.key, p.message, p.hint))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "a".into(),
                "expected an integer, found a string".into(),
                "write a whole number without quotes; small".into()
            ),
            (
                "b".into(),
                "expected a string, found an integer".into(),
                "put the value in quotes: b = \"...\"".into()
            ),
            (
                "c".into(),
                "must be at least 1, found -1".into(),
                "positive".into()
            ),
            (
                "t.q".into(),
                "unknown key".into(),
                "this table takes no keys; remove it".into()
            ),
            (
                "\"odd key\"".into(),
                "unknown key".into(),
                "the keys allowed here are `a`, `b`, `c`, `absent`, `t`".into()
            ),
            (
                "zz".into(),
                "unknown key".into(),
                "the keys allowed here are `a`, `b`, `c`, `absent`, `t`".into()
            ),
        ]
    );
}

#[test]
fn array_of_tables_reports_bad_elements() {
    let doc = table("items = [ { a = 1 }, 5 ]\nsingle = { a = 1 }\n");
    let mut problems = Problems::default();
    let mut root = Section::root(&doc);
    let items = root.tables("items", &mut problems).unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].path(), "items[0]");
    assert!(root.tables("single", &mut problems).is_none());
    let found = problems.into_vec();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].key, "items[1]");
    assert_eq!(found[0].message, "expected a table, found an integer");
    assert_eq!(found[1].key, "single");
    assert_eq!(found[1].hint, "write each entry as a [[single]] section");
}

#[test]
fn array_of_strings_checks_each_element() {
    let doc = table("words = [\"ok\", 5, \"bad\", \"fine\"]\nsingle = \"ok\"\nempty = []\n");
    let mut problems = Problems::default();
    let mut root = Section::root(&doc);
    let check = |value: &str| match value {
        "bad" => Err(Bad::new("is bad", "say something else")),
        _ => Ok(value.len()),
    };
    assert_eq!(
        root.strings_with("words", &mut problems, check),
        Some(vec![(0, 2), (3, 4)])
    );
    assert_eq!(root.strings_with("single", &mut problems, check), None);
    assert_eq!(
        root.strings_with("empty", &mut problems, check),
        Some(Vec::new())
    );
    assert_eq!(root.strings_with("absent", &mut problems, check), None);
    root.finish(&mut problems);
    let found: Vec<(String, String, String)> = problems
        .into_vec()
        .into_iter()
        .map(|p| (p.key, p.message, p.hint))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "words[1]".into(),
                "expected a string, found an integer".into(),
                "put each value in quotes".into()
            ),
            (
                "words[2]".into(),
                "is bad".into(),
                "say something else".into()
            ),
            (
                "single".into(),
                "expected an array, found a string".into(),
                "write a list in brackets: single = [\"...\", \"...\"]".into()
            ),
        ]
    );
}

#[test]
fn header_drops_indices() {
    assert_eq!(header("accounts[0].rules"), "accounts.rules");
    assert_eq!(header("server"), "server");
}

#[test]
fn quote_escapes_and_cuts() {
    assert_eq!(quote("a\nb"), "`a\\nb`");
    assert_eq!(quote(&"x".repeat(100)), format!("`{}...`", "x".repeat(64)));
}
