//! Which account the client speaks for, and where its tokens come from.

use std::fmt;

pub use crate::config::{DEFAULT_API_BASE, TokenSource};

/// One account's API credentials. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// The account's AppID (`wx...`).
    pub appid: String,
    /// The account's AppSecret.
    pub secret: String,
    /// Base URL of the API, e.g. [`DEFAULT_API_BASE`]; a trailing slash is ignored.
    pub api_base: String,
    /// Where access tokens come from.
    pub token_source: TokenSource,
}

impl ApiConfig {
    /// Credentials for WeChat's own API ([`DEFAULT_API_BASE`]) with stable tokens.
    pub fn new(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        ApiConfig {
            appid: appid.into(),
            secret: secret.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            token_source: TokenSource::default(),
        }
    }
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("appid", &self.appid)
            .field("secret", &"[redacted]")
            .field("api_base", &self.api_base)
            .field("token_source", &self.token_source)
            .finish()
    }
}
