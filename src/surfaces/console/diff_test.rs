use super::*;

/// The rows as `(left, right, changed)` with `-` for a missing side.
fn view(rows: &[Row]) -> Vec<(String, String, bool)> {
    rows.iter()
        .map(|row| {
            let side = |line: &Option<Line>| {
                line.as_ref()
                    .map_or("-".to_owned(), |l| format!("{}:{}", l.number, l.text))
            };
            (side(&row.left), side(&row.right), row.changed)
        })
        .collect()
}

fn row(left: &str, right: &str, changed: bool) -> (String, String, bool) {
    (left.to_owned(), right.to_owned(), changed)
}

#[test]
fn equal_texts_have_no_changed_row() {
    let text = "{\n  \"a\": 1\n}";
    let rows = side_by_side(text, text);
    assert_eq!(
        view(&rows),
        vec![
            row("1:{", "1:{", false),
            row("2:  \"a\": 1", "2:  \"a\": 1", false),
            row("3:}", "3:}", false),
        ]
    );
    assert!(!any_changed(&rows));
}

#[test]
fn a_replaced_line_sits_beside_its_replacement() {
    let rows = side_by_side("a\nb\nc", "a\nB\nc");
    assert_eq!(
        view(&rows),
        vec![
            row("1:a", "1:a", false),
            row("2:b", "2:B", true),
            row("3:c", "3:c", false),
        ]
    );
    assert!(any_changed(&rows));
}

#[test]
fn added_lines_leave_the_left_side_empty() {
    let rows = side_by_side("a\nd", "a\nb\nc\nd");
    assert_eq!(
        view(&rows),
        vec![
            row("1:a", "1:a", false),
            row("-", "2:b", true),
            row("-", "3:c", true),
            row("2:d", "4:d", false),
        ]
    );
}

#[test]
fn removed_lines_leave_the_right_side_empty() {
    let rows = side_by_side("a\nb\nc", "c");
    assert_eq!(
        view(&rows),
        vec![
            row("1:a", "-", true),
            row("2:b", "-", true),
            row("3:c", "1:c", false),
        ]
    );
}

#[test]
fn a_run_of_changes_pairs_removed_and_added_lines_in_order() {
    let rows = side_by_side("x\n1\n2\ny\nz", "x\nA\nB\nC\ny");
    assert_eq!(
        view(&rows),
        vec![
            row("1:x", "1:x", false),
            row("2:1", "2:A", true),
            row("3:2", "3:B", true),
            row("-", "4:C", true),
            row("4:y", "5:y", false),
            row("5:z", "-", true),
        ]
    );
}

#[test]
fn empty_sides() {
    assert!(side_by_side("", "").is_empty());
    assert_eq!(view(&side_by_side("", "a")), vec![row("-", "1:a", true)]);
    assert_eq!(view(&side_by_side("a", "")), vec![row("1:a", "-", true)]);
}

#[test]
fn every_line_of_both_sides_appears_once_in_order() {
    let left = "{\n  \"button\": [\n    {\n      \"name\": \"今日\",\n      \"type\": \"click\"\n    }\n  ]\n}";
    let right = "{\n  \"button\": [\n    {\n      \"name\": \"新闻\",\n      \"type\": \"view\",\n      \"url\": \"https://example.com\"\n    }\n  ]\n}";
    let rows = side_by_side(left, right);
    let lefts: Vec<String> = rows
        .iter()
        .filter_map(|r| r.left.as_ref().map(|l| l.text.clone()))
        .collect();
    let rights: Vec<String> = rows
        .iter()
        .filter_map(|r| r.right.as_ref().map(|l| l.text.clone()))
        .collect();
    assert_eq!(lefts, left.lines().collect::<Vec<_>>());
    assert_eq!(rights, right.lines().collect::<Vec<_>>());
    // Only the name and the type/url lines differ; the JSON skeleton is shared.
    let changed: Vec<_> = rows.iter().filter(|r| r.changed).collect();
    assert_eq!(changed.len(), 3);
    assert!(
        rows.iter()
            .filter(|r| !r.changed)
            .all(|r| r.left.as_ref().map(|l| &l.text) == r.right.as_ref().map(|l| &l.text))
    );
}

#[test]
fn long_equal_texts_need_no_table() {
    let text: String = (0..5000).map(|i| format!("line {i}\n")).collect();
    let rows = side_by_side(&text, &text);
    assert_eq!(rows.len(), 5000);
    assert!(!any_changed(&rows));
}

#[test]
fn middles_too_long_for_the_table_are_marked_changed_between_shared_ends() {
    let left: String = (0..2100).map(|i| format!("left {i}\n")).collect();
    let right: String = (0..2100).map(|i| format!("right {i}\n")).collect();
    let rows = side_by_side(&format!("head\n{left}tail"), &format!("head\n{right}tail"));
    assert_eq!(rows.len(), 2102);
    assert!(!rows[0].changed && !rows[2101].changed);
    assert!(rows[1..2101].iter().all(|r| r.changed));
    assert_eq!(rows[5].left.as_ref().map(|l| l.number), Some(6));
    assert_eq!(rows[2101].right.as_ref().map(|l| l.number), Some(2102));
}
