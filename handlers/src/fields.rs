//! The raw, lossless form of a push: every element (XML) or key (JSON) in document order.
//!
//! Both wire formats decode into [`Fields`]; the typed [`Message`](crate::Message) is built from
//! it and keeps it, so nothing WeChat sends is ever dropped, even for types this crate does not
//! know yet.

/// One element's value: character data, or a node with children of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Character data (CDATA and text joined, entities resolved). JSON numbers and booleans are
    /// kept as their literal text (`1234567890`, `true`); JSON `null` is the empty string.
    Text(String),
    /// Nested elements, e.g. `ScanCodeInfo` or `SendPicsInfo`.
    Node(Fields),
}

impl Value {
    /// The character data, or `None` for a node.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            Value::Node(_) => None,
        }
    }

    /// The children, or `None` for character data.
    pub fn as_node(&self) -> Option<&Fields> {
        match self {
            Value::Node(fields) => Some(fields),
            Value::Text(_) => None,
        }
    }
}

/// An ordered list of `(name, value)` pairs. A name may repeat (XML `<item>` lists; a JSON array
/// becomes one entry per element under the array's key). The names that came as JSON arrays
/// are remembered, so that an array of one element, or of none, is an array again in
/// [`Fields::to_json`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    entries: Vec<(String, Value)>,
    /// Names that held a JSON array (empty for XML).
    lists: Vec<String>,
}

impl Fields {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an entry, keeping any earlier entry of the same name.
    pub fn push(&mut self, name: impl Into<String>, value: Value) {
        self.entries.push((name.into(), value));
    }

    /// Appends a text entry.
    pub fn push_text(&mut self, name: impl Into<String>, text: impl Into<String>) {
        self.push(name, Value::Text(text.into()));
    }

    /// Records that `name` held a list (a JSON array), whatever its length: [`Fields::to_json`]
    /// renders it as an array even with one element or none.
    pub fn mark_list(&mut self, name: impl Into<String>) {
        let name = name.into();
        if !self.lists.contains(&name) {
            self.lists.push(name);
        }
    }

    /// Whether `name` held a list (see [`Fields::mark_list`]).
    pub fn is_list(&self, name: &str) -> bool {
        self.lists.iter().any(|list| list == name)
    }

    /// The first entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The text at a dotted `path` (`PublishEventInfo.publish_id`): each segment but the last
    /// names a nested element (its first entry), the last a text field.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        let (nodes, last) = match path.rsplit_once('.') {
            Some((nodes, last)) => (Some(nodes), last),
            None => (None, path),
        };
        let mut fields = self;
        for name in nodes.into_iter().flat_map(|nodes| nodes.split('.')) {
            fields = fields.node(name)?;
        }
        fields.text(last)
    }

    /// The text of the first entry named `name`, if it is text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_text)
    }

    /// The children of the first entry named `name`, if it is a node.
    pub fn node(&self, name: &str) -> Option<&Fields> {
        self.get(name).and_then(Value::as_node)
    }

    /// Every entry named `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// All entries in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The number of entries (top level only).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Fields {
    /// The fields as a JSON object under their own names: text as strings, nodes as objects,
    /// and a name that repeats, or that held a JSON array, as an array of its values (in
    /// document order; an empty array stays empty).
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        for (name, value) in &self.entries {
            let value = value.to_json();
            match object.get_mut(name) {
                None if self.is_list(name) => {
                    object.insert(name.clone(), serde_json::Value::Array(vec![value]));
                }
                None => {
                    object.insert(name.clone(), value);
                }
                Some(serde_json::Value::Array(values)) if self.repeats(name) => values.push(value),
                Some(first) => *first = serde_json::Value::Array(vec![first.take(), value]),
            }
        }
        for name in &self.lists {
            object
                .entry(name.clone())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        }
        serde_json::Value::Object(object)
    }

    fn repeats(&self, name: &str) -> bool {
        self.all(name).nth(1).is_some()
    }
}

impl Value {
    /// The value as JSON: a string, or an object (see [`Fields::to_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(text) => serde_json::Value::String(text.clone()),
            Value::Node(fields) => fields.to_json(),
        }
    }
}

impl FromIterator<(String, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Fields {
            entries: iter.into_iter().collect(),
            lists: Vec::new(),
        }
    }
}

#[cfg(test)]
#[path = "fields_test.rs"]
mod tests;
