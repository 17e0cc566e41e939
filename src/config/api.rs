//! An account's WeChat API settings that the config names: where the API is, where WeChat's
//! web login page is, and where access tokens come from. The API client (`crate::api`) takes
//! them from here.

/// WeChat's server API.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// WeChat's web login (OAuth2 authorize) page: the base of `/connect/oauth2/authorize`.
pub const DEFAULT_OAUTH_BASE: &str = "https://open.weixin.qq.com";

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
