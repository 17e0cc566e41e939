//! The config of the OpenID Connect provider: the web apps (`[[clients]]`) that log users in
//! through the gateway, and the limits of its endpoints (`[oidc]`). `clients` checks and
//! builds them.

use std::fmt;

/// One `[[clients]]` entry: a web app that may use the gateway.
///
/// `Debug` redacts `secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The `client_id` the app sends: `[A-Za-z0-9_-]{1,64}`, unique.
    pub id: String,
    /// The client secret of a confidential client (at least 16 printable ASCII characters, no
    /// spaces); `None` for a public client, which must use PKCE. Secret.
    pub secret: Option<String>,
    /// The names of the accounts the app may use; at least one, each an `[[accounts]]` name.
    pub accounts: Vec<String>,
    /// The redirect URIs the app may ask for, matched exactly: absolute, no fragment, https
    /// (http only for a loopback host); unique. At least one when `scopes` holds
    /// [`ClientScope::Login`].
    pub redirect_uris: Vec<String>,
    /// What the app may do; at least one, no duplicates.
    pub scopes: Vec<ClientScope>,
    /// Where the status changes of the messages the app sent are POSTed: an absolute URL
    /// without a fragment, https (http only for a loopback host), kept as written. `None`: no
    /// webhook.
    pub webhook: Option<String>,
}

impl ClientConfig {
    /// True when the app may do `scope`.
    pub fn has_scope(&self, scope: ClientScope) -> bool {
        self.scopes.contains(&scope)
    }

    /// True when the app may use the account called `name`.
    pub fn allows_account(&self, name: &str) -> bool {
        self.accounts.iter().any(|account| account == name)
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("accounts", &self.accounts)
            .field("redirect_uris", &self.redirect_uris)
            .field("scopes", &self.scopes)
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// What a client may do with the accounts it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientScope {
    /// `login`: log users in with WeChat (OpenID Connect).
    Login,
    /// `send`: send messages through the accounts.
    Send,
}

impl ClientScope {
    /// Every scope, in the order the config documents them.
    pub const ALL: [ClientScope; 2] = [ClientScope::Login, ClientScope::Send];

    /// The config word: `login` or `send`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientScope::Login => "login",
            ClientScope::Send => "send",
        }
    }

    /// The scope named by a config word (exact, lower case).
    pub fn from_word(word: &str) -> Option<ClientScope> {
        ClientScope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == word)
    }
}

/// Prints the config word.
impl fmt::Display for ClientScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[oidc]`: token lifetimes and request limits of the OpenID Connect endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OidcConfig {
    /// How long an id_token and an access_token are valid, in seconds; default 3600, 60 to
    /// 86400.
    pub token_ttl_secs: u64,
    /// Requests to `/authorize` per client IP and minute; default 600, 0 = no limit.
    pub authorize_per_minute: u32,
    /// Requests to `/token` and `/userinfo` per client IP and minute; default 6000, 0 = no
    /// limit.
    pub token_per_minute: u32,
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            token_ttl_secs: 3_600,
            authorize_per_minute: 600,
            token_per_minute: 6_000,
        }
    }
}
