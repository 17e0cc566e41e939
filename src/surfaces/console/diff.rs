//! A line diff of two texts, laid out side by side: the longest common subsequence of their
//! lines, and between the lines they share, the removed lines beside the added ones.
//!
//! Made for menus printed as pretty JSON (a few hundred lines at most). Between their shared
//! first and last lines, texts too long for the quadratic table are shown with every line
//! marked changed rather than refused.

/// Most `left lines × right lines` the common-subsequence table is built for (about 16 MB of
/// `u32`); larger inputs are paired line by line with every line marked changed.
const MAX_CELLS: usize = 4_000_000;

/// One line of one side: its 1-based number and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in its text.
    pub number: usize,
    /// The line, without its line break.
    pub text: String,
}

/// One row of the side-by-side view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The left text's line, or `None` where the right side has a line the left one lacks.
    pub left: Option<Line>,
    /// The right text's line, or `None` where the left side has a line the right one lacks.
    pub right: Option<Line>,
    /// Whether the row differs: a line removed, added or replaced.
    pub changed: bool,
}

/// Compares `left` and `right` line by line.
///
/// Unchanged lines come out as rows with both sides equal; each run of changes between two
/// unchanged lines comes out as its removed lines beside its added lines, paired in order, the
/// shorter side padded with `None`.
pub fn side_by_side(left: &str, right: &str) -> Vec<Row> {
    let a: Vec<&str> = left.lines().collect();
    let b: Vec<&str> = right.lines().collect();
    // The shared first and last lines need no table.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (middle_a, middle_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut common: Vec<(usize, usize)> = (0..prefix).map(|k| (k, k)).collect();
    if middle_a.len().saturating_mul(middle_b.len()) <= MAX_CELLS {
        common.extend(
            common_lines(middle_a, middle_b)
                .into_iter()
                .map(|(i, j)| (i + prefix, j + prefix)),
        );
    }
    common.extend((0..suffix).map(|k| (a.len() - suffix + k, b.len() - suffix + k)));
    let mut rows = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    for (ci, cj) in common
        .into_iter()
        .chain(std::iter::once((a.len(), b.len())))
    {
        push_changes(&mut rows, &a, i..ci, &b, j..cj);
        if ci < a.len() && cj < b.len() {
            rows.push(Row {
                left: Some(line(&a, ci)),
                right: Some(line(&b, cj)),
                changed: false,
            });
        }
        i = ci + 1;
        j = cj + 1;
    }
    rows
}

/// Whether any row differs.
pub fn any_changed(rows: &[Row]) -> bool {
    rows.iter().any(|row| row.changed)
}

fn line(lines: &[&str], index: usize) -> Line {
    Line {
        number: index + 1,
        text: lines[index].to_owned(),
    }
}

/// Pushes the removed lines `a[removed]` beside the added lines `b[added]`.
fn push_changes(
    rows: &mut Vec<Row>,
    a: &[&str],
    removed: std::ops::Range<usize>,
    b: &[&str],
    added: std::ops::Range<usize>,
) {
    let count = removed.len().max(added.len());
    for k in 0..count {
        let left = (removed.start + k < removed.end).then(|| line(a, removed.start + k));
        let right = (added.start + k < added.end).then(|| line(b, added.start + k));
        rows.push(Row {
            left,
            right,
            changed: true,
        });
    }
}

/// The index pairs `(i, j)` of a longest common subsequence of `a` and `b`, in order.
fn common_lines(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    // suffix[i * (m + 1) + j]: length of the longest common subsequence of a[i..] and b[j..].
    let width = m + 1;
    let mut suffix = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            suffix[i * width + j] = if a[i] == b[j] {
                suffix[(i + 1) * width + j + 1] + 1
            } else {
                suffix[(i + 1) * width + j].max(suffix[i * width + j + 1])
            };
        }
    }
    let mut pairs = Vec::with_capacity(suffix[0] as usize);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if suffix[(i + 1) * width + j] >= suffix[i * width + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
#[path = "diff_test.rs"]
mod tests;
