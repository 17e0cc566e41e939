//! What every HTTP surface shares, built once at start by [`crate::server`]: the accounts, the
//! dispatcher, the counters, the store and the server's limits. Surfaces take it from here
//! (`web::Data<State>` in the `App`, an `Arc<State>` in front of it) and own no state of their
//! own.

use std::sync::Arc;
use std::time::Duration;

use crate::account::{Account, Accounts};
use crate::dispatch::Dispatcher;
use crate::identity::Provider;
use crate::metrics::Metrics;
use crate::store::Store;

/// What every request handler shares, built once at start.
pub struct State {
    /// The configured accounts.
    pub accounts: Accounts,
    /// Dedup and handler dispatch.
    pub dispatcher: Dispatcher,
    /// Every counter.
    pub metrics: Arc<Metrics>,
    /// `server.max_body_bytes`.
    pub max_body_bytes: usize,
    /// `server.handler_timeout_ms`.
    pub handler_timeout: Duration,
    /// `server.max_clock_skew_secs` (0 disables).
    pub max_clock_skew_secs: u64,
    /// `admin.token`; `None` disables the admin API.
    pub admin_token: Option<String>,
    /// Menus, QR codes and signing keys.
    pub store: Store,
    /// The OpenID Connect provider; `None` without `[server] public_url`.
    pub provider: Option<Provider>,
    /// `[server] trusted_proxies`: peers whose `X-Forwarded-For` and `X-Forwarded-Proto` are
    /// believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("accounts", &self.accounts)
            .field("admin", &self.admin_token.is_some())
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl State {
    /// The account called `name`.
    pub fn account(&self, name: &str) -> Option<&Arc<Account>> {
        self.accounts.get(name)
    }
}
