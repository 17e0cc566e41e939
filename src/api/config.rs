//! Which account the client speaks for, and where its tokens come from.

use std::fmt;

/// WeChat's server API.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// Where access tokens come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenSource {
    /// `POST /cgi-bin/stable_token`: asking again returns the current token instead of retiring
    /// it, so several gateway instances can serve one account.
    #[default]
    StableToken,
    /// `GET /cgi-bin/token`: every fetch issues a new token and retires the previous one about
    /// five minutes later; only for a single instance per account.
    ClientCredential,
}

impl TokenSource {
    /// The config word: `stable_token` or `client_credential`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::StableToken => "stable_token",
            TokenSource::ClientCredential => "client_credential",
        }
    }

    /// The source named by a config word.
    pub fn from_word(word: &str) -> Option<TokenSource> {
        [TokenSource::StableToken, TokenSource::ClientCredential]
            .into_iter()
            .find(|source| source.as_str() == word)
    }
}

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
