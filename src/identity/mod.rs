//! Who a user is, told to apps in a form they can check: the registered apps ([`clients`]), the
//! signing keys every instance shares ([`keys`]) and the RS256 JWTs signed with them ([`jwt`]);
//! the keys, grants and throttles of the OpenID Connect surface make its [`Provider`].

pub mod clients;
pub mod jwt;
pub mod keys;

use std::fmt;
use std::time::Duration;

use crate::grants::Grants;
use crate::http::throttle::Throttle;
use keys::KeyRing;

/// How long keys stay in the JWK set after they stop signing, beyond the token lifetime: a
/// margin for clocks and caches.
pub const KEY_RETENTION_MARGIN: Duration = Duration::from_secs(300);

/// What the OpenID Connect provider works with, built once at start when `[server] public_url`
/// is set.
pub struct Provider {
    /// `[server] public_url`, without a trailing slash: the base of every issuer and redirect.
    pub public_url: String,
    /// The signing keys, shared through the store.
    pub keys: KeyRing,
    /// Pending logins, codes and access tokens: in memory or in Redis.
    pub grants: Grants,
    /// Lifetime of id_tokens and access tokens (`[oidc] token_ttl_secs`).
    pub token_ttl: Duration,
    /// Per client address, `/authorize` (`[oidc] authorize_per_minute`).
    pub authorize_throttle: Throttle,
    /// Per client address, `/token` and `/userinfo` (`[oidc] token_per_minute`).
    pub token_throttle: Throttle,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("public_url", &self.public_url)
            .field("token_ttl", &self.token_ttl)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// The issuer of the account called `account`: `{public_url}/oidc/{account}`.
    pub fn issuer(&self, account: &str) -> String {
        format!("{}/oidc/{account}", self.public_url)
    }
}
