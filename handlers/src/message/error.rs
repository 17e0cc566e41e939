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
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field() {
        let missing = MessageError::MissingField {
            field: "CreateTime".into(),
        };
        assert_eq!(missing.to_string(), "missing field CreateTime");
        assert_eq!(missing.field(), "CreateTime");

        let bad = MessageError::not_a_number("Location_X".into(), "abc");
        assert_eq!(
            bad.to_string(),
            r#"field Location_X is not a number: "abc""#
        );
        assert_eq!(bad.field(), "Location_X");
    }

    #[test]
    fn long_values_are_cut_short() {
        let long = "9".repeat(1000);
        let MessageError::NotANumber { value, .. } =
            MessageError::not_a_number("Scale".into(), &long)
        else {
            panic!("expected NotANumber");
        };
        assert_eq!(value.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(value.ends_with('…'));

        // Multi-byte text is cut on a character boundary.
        let wide = "北".repeat(100);
        let MessageError::NotANumber { value, .. } =
            MessageError::not_a_number("Scale".into(), &wide)
        else {
            panic!("expected NotANumber");
        };
        assert_eq!(value, format!("{}…", "北".repeat(MAX_QUOTED_CHARS)));
    }
}
