use super::*;

#[test]
fn line_column_counts_characters() {
    let text = "a = 1\nbé = x\n";
    assert_eq!(line_column(text, 0), (1, 1));
    assert_eq!(line_column(text, 6), (2, 1));
    assert_eq!(line_column(text, 10), (2, 4));
    assert_eq!(line_column(text, 1000), (3, 1));
}
