//! What [`Config::load`](super::Config::load) reports: every problem in the file at once.

use std::fmt;

/// One thing wrong with the config file: where, what, and what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key the problem is about, as a path: `server.max_body_bytes`,
    /// `accounts[0].rules[2].reply`. Empty when the problem is not about one key (the file cannot
    /// be read, or is not valid TOML).
    pub key: String,
    /// What is wrong. Never contains a secret (token, EncodingAESKey).
    pub message: String,
    /// What would be right, or what to do next.
    pub hint: String,
}

impl Problem {
    /// A problem at `key`.
    pub fn new(
        key: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Problem {
            key: key.into(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Prints `key: message (hint)`, leaving out the parts that are empty.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if !self.hint.is_empty() {
            write!(f, " ({})", self.hint)?;
        }
        Ok(())
    }
}

/// Every problem found in one config file, in the order of the file's sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    /// The file as the user named it (a path, or a label such as `config.toml`).
    pub file: String,
    /// The problems; never empty when returned as an error.
    pub problems: Vec<Problem>,
}

/// One problem per line: `{file}: {key}: {message} ({hint})`, no trailing newline.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}: {}", self.file, problem)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
#[path = "error_test.rs"]
mod tests;
