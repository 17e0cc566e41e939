//! Why a push could not be turned into a typed [`Message`](crate::Message).

/// The longest field value quoted in an error message; longer values are cut short.
const MAX_QUOTED_CHARS: usize = 64;

/// A push that is not a well-formed WeChat message.
///
/// Every variant names the offending field. Nested fields use a dotted path, e.g.
/// `SendLocationInfo.Location_X` or `SubscribeMsgSentEvent.List.ErrorCode`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// A required field is absent.
    #[error("missing field {field}")]
    MissingField {
        /// The field's name (dotted path when nested).
        field: String,
    },
    /// A numeric field holds something that is not a number of the expected kind.
    #[error("field {field} is not a number: {value:?}")]
    NotANumber {
        /// The field's name (dotted path when nested).
        field: String,
        /// The text received (cut short when very long).
        value: String,
    },
    /// A field that should hold text holds nested elements.
    #[error("field {field} holds nested elements where text was expected")]
    NotText {
        /// The field's name (dotted path when nested).
        field: String,
    },
    /// A field that should hold nested elements holds text.
    #[error("field {field} holds text where nested elements were expected")]
    NotNested {
        /// The field's name (dotted path when nested).
        field: String,
    },
}

impl MessageError {
    /// The name of the offending field (a dotted path when nested).
    pub fn field(&self) -> &str {
        match self {
            MessageError::MissingField { field }
            | MessageError::NotANumber { field, .. }
            | MessageError::NotText { field }
            | MessageError::NotNested { field } => field,
        }
    }

    pub(crate) fn not_a_number(field: String, value: &str) -> Self {
        let mut quoted: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        if quoted.len() < value.len() {
            quoted.push('…');
        }
        MessageError::NotANumber {
            field,
            value: quoted,
        }
    }
}

#[cfg(test)]
#[path = "error_test.rs"]
mod tests;
