//! A small walker over a parsed TOML table.
//!
//! A [`Section`] hands out the values of the keys it is asked for, checking each one's type and
//! recording a [`Problem`] (and carrying on) when it is wrong. Every key asked for becomes known;
//! [`Section::finish`] reports every key of the table that nobody asked for as unknown, with the
//! closest known key as a suggestion. Adding a key to the schema is one call.

use std::ops::RangeInclusive;

use toml::{Table, Value};

use super::error::Problem;

/// The problems found so far, in the order found.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<Problem>);

impl Problems {
    /// Records a problem at `key`.
    pub(super) fn add(
        &mut self,
        key: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.0.push(Problem::new(key, message, hint));
    }

    /// True when nothing has been found.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems found.
    pub(super) fn into_vec(self) -> Vec<Problem> {
        self.0
    }
}

/// Why a value was rejected by a check: the message and the hint of the problem to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bad {
    pub(super) message: String,
    pub(super) hint: String,
}

impl Bad {
    /// A rejection.
    pub(super) fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Bad {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// One table of the file and the keys asked of it so far.
#[derive(Debug)]
pub(super) struct Section<'a> {
    path: String,
    table: &'a Table,
    known: Vec<&'static str>,
}

impl<'a> Section<'a> {
    /// The whole document.
    pub(super) fn root(table: &'a Table) -> Self {
        Section {
            path: String::new(),
            table,
            known: Vec::new(),
        }
    }

    /// This section's own path (`server`, `accounts[0]`); empty for the document.
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// The full path of `key` in this section.
    pub(super) fn key(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// True when the table holds `key` (without making it known).
    pub(super) fn contains(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// The raw value of `key`, if present; `key` becomes known.
    pub(super) fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.table.get(key)
    }

    /// The value of `key` converted by `convert`; a problem "expected {expected}, found .." when
    /// `convert` refuses its type.
    fn typed<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        expected: &str,
        hint: &str,
        convert: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.value(key)?;
        let converted = convert(value);
        if converted.is_none() {
            problems.add(
                self.key(key),
                format!("expected {expected}, found {}", type_name(value)),
                hint,
            );
        }
        converted
    }

    /// A string value.
    pub(super) fn string(&mut self, key: &'static str, problems: &mut Problems) -> Option<&'a str> {
        let hint = format!("put the value in quotes: {key} = \"...\"");
        self.typed(key, problems, "a string", &hint, Value::as_str)
    }

    /// A string value that passes `check`; its rejection becomes a problem at `key`.
    pub(super) fn string_with<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        check: impl FnOnce(&str) -> Result<T, Bad>,
    ) -> Option<T> {
        let text = self.string(key, problems)?;
        self.checked(key, problems, check(text))
    }

    /// Like [`Section::string_with`], and a problem with `missing_hint` when the key is absent.
    pub(super) fn required_string_with<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        missing_hint: &str,
        check: impl FnOnce(&str) -> Result<T, Bad>,
    ) -> Option<T> {
        self.require(key, problems, missing_hint);
        self.string_with(key, problems, check)
    }

    /// Records "missing required key" when `key` is absent.
    pub(super) fn require(&mut self, key: &'static str, problems: &mut Problems, hint: &str) {
        if self.value(key).is_none() {
            problems.add(self.key(key), "missing required key", hint);
        }
    }

    /// An integer value in `range`; `hint` says what is allowed.
    pub(super) fn uint(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        range: RangeInclusive<u64>,
        hint: &str,
    ) -> Option<u64> {
        let type_hint = format!("write a whole number without quotes; {hint}");
        let number = self.typed(key, problems, "an integer", &type_hint, Value::as_integer)?;
        let checked = match u64::try_from(number) {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(Bad::new(out_of_range(number, &range), hint)),
        };
        self.checked(key, problems, checked)
    }

    /// An array of strings, each passed to `check`, with its index in the array. An element
    /// that is not a string, or that `check` refuses, is a problem at `key[i]` and left out.
    pub(super) fn strings_with<T>(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
        mut check: impl FnMut(&str) -> Result<T, Bad>,
    ) -> Option<Vec<(usize, T)>> {
        let hint = format!("write a list in brackets: {key} = [\"...\", \"...\"]");
        let array = self.typed(key, problems, "an array", &hint, Value::as_array)?;
        let path = self.key(key);
        let mut checked = Vec::with_capacity(array.len());
        for (i, value) in array.iter().enumerate() {
            let element = format!("{path}[{i}]");
            match value.as_str().map(&mut check) {
                Some(Ok(value)) => checked.push((i, value)),
                Some(Err(bad)) => problems.add(element, bad.message, bad.hint),
                None => problems.add(
                    element,
                    format!("expected a string, found {}", type_name(value)),
                    "put each value in quotes",
                ),
            }
        }
        Some(checked)
    }

    /// A table, as a section of its own.
    pub(super) fn table(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
    ) -> Option<Section<'a>> {
        let hint = format!("write it as a [{}] section", header(&self.key(key)));
        let table = self.typed(key, problems, "a table", &hint, Value::as_table)?;
        Some(Section {
            path: self.key(key),
            table,
            known: Vec::new(),
        })
    }

    /// An array of tables (`[[key]]`), each as a section of its own. An element that is not a
    /// table is a problem and left out.
    pub(super) fn tables(
        &mut self,
        key: &'static str,
        problems: &mut Problems,
    ) -> Option<Vec<Section<'a>>> {
        let path = self.key(key);
        let hint = format!("write each entry as a [[{}]] section", header(&path));
        let array = self.typed(key, problems, "an array of tables", &hint, Value::as_array)?;
        let mut sections = Vec::with_capacity(array.len());
        for (i, value) in array.iter().enumerate() {
            let element = format!("{path}[{i}]");
            match value.as_table() {
                Some(table) => sections.push(Section {
                    path: element,
                    table,
                    known: Vec::new(),
                }),
                None => problems.add(
                    element,
                    format!("expected a table, found {}", type_name(value)),
                    hint.clone(),
                ),
            }
        }
        Some(sections)
    }

    /// Reports every key of this table that was never asked for.
    pub(super) fn finish(self, problems: &mut Problems) {
        for key in self.table.keys() {
            if self.known.contains(&key.as_str()) {
                continue;
            }
            let hint = match closest(key, &self.known) {
                Some(known) => format!("did you mean `{known}`?"),
                None if self.known.is_empty() => "this table takes no keys; remove it".to_owned(),
                None => format!("the keys allowed here are {}", list(&self.known)),
            };
            problems.add(join(&self.path, key), "unknown key", hint);
        }
    }

    fn checked<T>(&self, key: &str, problems: &mut Problems, result: Result<T, Bad>) -> Option<T> {
        result
            .map_err(|bad| problems.add(self.key(key), bad.message, bad.hint))
            .ok()
    }
}

/// "a string", "an integer", ... for messages.
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// `value` in backticks, control characters escaped and long values cut, for messages.
/// Never use it on a secret.
pub(crate) fn quote(value: &str) -> String {
    const MAX: usize = 64;
    let mut out = String::from("`");
    for (i, c) in value.chars().enumerate() {
        if i == MAX {
            out.push_str("...");
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('`');
    out
}

/// One character for messages: `x` in backticks, or a name for invisible ones.
pub(super) fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        c if c.is_control() || c.is_whitespace() => format!("`{}`", c.escape_unicode()),
        c => format!("`{c}`"),
    }
}

/// `` `a`, `b`, `c` ``.
pub(super) fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate closest to `word` when one is close enough to be a likely typo.
pub(super) fn closest<'k>(word: &str, candidates: &[&'k str]) -> Option<&'k str> {
    let normal = normalize(word);
    candidates
        .iter()
        .filter_map(|&candidate| {
            let target = normalize(candidate);
            let distance = edit_distance(&normal, &target);
            let budget = (target.chars().count() / 3).clamp(1, 3);
            let shorter = normal.chars().count().min(target.chars().count());
            let contained = shorter >= 3 && (target.contains(&normal) || normal.contains(&target));
            (distance <= budget || contained).then_some((distance, candidate))
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

fn normalize(word: &str) -> String {
    word.to_lowercase().replace(['-', ' '], "_")
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// `path.key`, quoting `key` when it is not a bare TOML key.
fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_owned()
    } else {
        format!("\"{}\"", key.escape_debug())
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// The TOML header for a path: `accounts[0].rules` -> `accounts.rules`.
fn header(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            c if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

fn out_of_range(number: i64, range: &RangeInclusive<u64>) -> String {
    match (*range.start(), *range.end()) {
        (0, u64::MAX) => format!("must not be negative, found {number}"),
        (min, u64::MAX) => format!("must be at least {min}, found {number}"),
        (min, max) => format!("must be between {min} and {max}, found {number}"),
    }
}

#[cfg(test)]
#[path = "walk_test.rs"]
mod tests;
