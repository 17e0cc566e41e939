//! What every HTTP surface shares, built once at start by [`crate::server`]: the accounts, the
//! dispatcher, the counters, the store and the server's limits. Surfaces take it from here
//! (`web::Data<State>` in the `App`, an `Arc<State>` in front of it) and own no state of their
//! own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::account::{Account, Accounts};
use crate::dispatch::Dispatcher;
use crate::http::throttle::Throttle;
use crate::identity::Provider;
use crate::identity::clients::Clients;
use crate::metrics::Metrics;
use crate::outbox::Outbox;
use crate::sessions::Sessions;
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
    /// The address the server listens on, set once it is bound (with port 0, the port the
    /// system chose); `None` until then. The console's simulator posts its pushes here.
    pub listen_addr: Option<SocketAddr>,
    /// `admin.token`; `None` disables the admin API.
    pub admin_token: Option<String>,
    /// Menus, QR codes and signing keys.
    pub store: Store,
    /// The OpenID Connect provider; `None` without `[server] public_url`.
    pub provider: Option<Provider>,
    /// The apps of `[[clients]]`: who may log users in or send messages.
    pub clients: Clients,
    /// The send API's outbox; `None` until the server has started it.
    pub outbox: Option<Outbox>,
    /// Mini-program sessions; `None` without `[sessions] key`.
    pub mini_programs: Option<MiniPrograms>,
    /// `[server] trusted_proxies`: peers whose `X-Forwarded-For` and `X-Forwarded-Proto` are
    /// believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Who may sign in to the console and how long their sessions last.
    pub console: ConsoleSettings,
}

/// The console's part of `[admin]`.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// `[[admin.users]]` (`Debug` redacts the hashes).
    pub users: Vec<crate::config::AdminUser>,
    /// `[admin] session_idle_secs`.
    pub session_idle_secs: u64,
    /// `[admin] session_max_secs`.
    pub session_max_secs: u64,
}

impl ConsoleSettings {
    /// The settings of `config`.
    pub fn from_config(config: &crate::config::AdminConfig) -> Self {
        ConsoleSettings {
            users: config.users.clone(),
            session_idle_secs: config.session_idle_secs,
            session_max_secs: config.session_max_secs,
        }
    }
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

/// What the mini-program surface works with.
pub struct MiniPrograms {
    /// The sessions, in the store.
    pub sessions: Sessions,
    /// `[sessions] max_watermark_age_secs` (0: not checked).
    pub max_watermark_age_secs: u64,
    /// Per client address, `/mp/{account}/login` (`[sessions] login_per_minute`).
    pub login_throttle: Throttle,
}

impl std::fmt::Debug for MiniPrograms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniPrograms")
            .field("max_watermark_age_secs", &self.max_watermark_age_secs)
            .finish_non_exhaustive()
    }
}

impl State {
    /// The account called `name`.
    pub fn account(&self, name: &str) -> Option<&Arc<Account>> {
        self.accounts.get(name)
    }
}
