//! `config.toml`: loading and validating the gateway's configuration.
//!
//! [`Config::load`] reads the file and checks all of it before it answers: a wrong type, an
//! unknown (misspelt) key, a value out of range, a regex that does not compile... every problem
//! in the file comes back together in one [`ConfigErrors`], each with the key it is about, what
//! is wrong and what would be right. Nothing is silently ignored.
//!
//! ```toml
//! [server]                      # optional, as is every key in it
//! listen = "127.0.0.1:8080"
//! max_body_bytes = 65536
//! handler_timeout_ms = 4500
//! max_clock_skew_secs = 300
//! header_timeout_ms = 5000
//! body_timeout_ms = 10000
//! max_connections = 25000
//! backlog = 1024
//! public_url = "https://wx.example.com"  # needed by [[clients]] with the "login" scope
//! trusted_proxies = ["127.0.0.1"]        # whose X-Forwarded-For is believed
//!
//! [dedup]                       # optional
//! ttl_secs = 60
//! capacity = 1000000
//!
//! [[accounts]]                  # at least one
//! name = "demo"                 # callback URL /wx/demo
//! appid = "wx1234567890abcdef"
//! token = "callbacktoken"
//! mode = "plain"                # "plain" | "compatible" | "safe"
//! kind = "official"             # or "miniprogram" (needs secret, [sessions] key, public_url)
//! js_domains = ["m.example.com"] # pages that may get JS-SDK signatures (official accounts)
//! send_rate = 20                # WeChat calls per second for the send API's messages
//! send_max_attempts = 8         # WeChat calls per message before it is `failed`
//!
//!   [[accounts.rules]]
//!   keyword = "hello"
//!   reply = { text = "world" }
//!
//! [[clients]]                   # zero or more web apps that log users in or send messages
//! id = "shop"
//! secret = "a-long-random-client-secret"  # omit for a public client (PKCE)
//! accounts = ["demo"]
//! redirect_uris = ["https://shop.example.com/auth/callback"]  # needed with "login" only
//! scopes = ["login", "send"]
//! webhook = "https://shop.example.com/wxgate-status"  # where sent messages' states go
//!
//! [oidc]                        # optional
//! token_ttl_secs = 3600
//! authorize_per_minute = 600
//! token_per_minute = 6000
//!
//! [sessions]                    # mini programs' sessions; key required with a mini program
//! key = "...base64 of 32 random bytes..."  # `openssl rand -base64 32`
//! ttl_secs = 2592000
//! max_watermark_age_secs = 86400
//! login_per_minute = 600
//! ```
//!
//! Secrets (the callback token, the EncodingAESKey, the AppSecret, client secrets, the sessions
//! key) never appear in a message, nor in the `Debug` output of [`AccountConfig`],
//! [`ClientConfig`] and [`SessionsConfig`].

mod admin;
mod api;
mod clients;
mod error;
mod miniprogram;
mod oidc;
mod rules;
mod schema;
mod sessions;
mod values;
mod walk;

use crate::crypto::AesKey;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::Path;

pub use self::error::{ConfigErrors, Problem};
pub use wxgate_handlers::plugins::auto_reply::RuleConfig;

/// The whole configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `[server]`: the HTTP side.
    pub server: ServerConfig,
    /// `[dedup]`: the cache that recognizes WeChat's retries.
    pub dedup: DedupConfig,
    /// `[tokens]`: where access tokens are kept.
    pub tokens: TokensConfig,
    /// `[redis]`: the Redis server shared by every Redis-backed part; `None` when absent.
    pub redis: Option<RedisConfig>,
    /// `[admin]`: the admin API.
    pub admin: AdminConfig,
    /// `[storage]`: where menus and QR codes are kept.
    pub storage: StorageConfig,
    /// `[[accounts]]`: one or more, names unique.
    pub accounts: Vec<AccountConfig>,
    /// `[[clients]]`: the web apps that may use the gateway; zero or more, ids unique.
    pub clients: Vec<ClientConfig>,
    /// `[oidc]`: the OpenID Connect endpoints' token lifetime and request limits.
    pub oidc: OidcConfig,
    /// `[sessions]`: the mini programs' sessions (their key, lifetime and limits).
    pub sessions: SessionsConfig,
}

/// `[admin]`: the admin API under `/admin/accounts/` and the browser console under `/admin/`.
///
/// `Debug` redacts the token and the password hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminConfig {
    /// The bearer token admin requests must carry; `None` (missing or empty) disables the admin
    /// API and the console: every `/admin` route answers 404. Secret.
    pub token: Option<String>,
    /// `[[admin.users]]`: who may sign in to the console; names unique.
    pub users: Vec<AdminUser>,
    /// A console session ends after this many seconds without a request; default 7200.
    pub session_idle_secs: u64,
    /// A console session ends this many seconds after sign-in, however busy; default 43200.
    pub session_max_secs: u64,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            token: None,
            users: Vec::new(),
            session_idle_secs: 7200,
            session_max_secs: 43_200,
        }
    }
}

impl fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminConfig")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("users", &self.users)
            .field("session_idle_secs", &self.session_idle_secs)
            .field("session_max_secs", &self.session_max_secs)
            .finish()
    }
}

/// One `[[admin.users]]`: an admin who may sign in to the console.
///
/// `Debug` redacts the password hash.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminUser {
    /// The name typed at sign-in, shown in the audit log.
    pub name: String,
    /// The password's argon2 hash as a PHC string (`$argon2id$v=19$...`), made by
    /// `wxgate hash-password`. Secret: never shown.
    pub password_hash: String,
}

impl fmt::Debug for AdminUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminUser")
            .field("name", &self.name)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// `[storage]`: the database of menus, menu versions and QR codes.
#[derive(Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// `sqlite://FILE`, created with its schema on first start (default `sqlite://wxgate.db`),
    /// or `postgres://USER:PASSWORD@HOST:PORT/DATABASE`, shared by several gateways. May hold a
    /// password.
    pub database: String,
}

impl fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageConfig")
            .field("database", &crate::store::redact_url(&self.database))
            .finish()
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            database: "sqlite://wxgate.db".to_owned(),
        }
    }
}

pub use self::api::{DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, TokenSource};
pub use self::oidc::{ClientConfig, ClientScope, OidcConfig};
pub use self::sessions::{PLACEHOLDER_SESSIONS_KEY, SessionsConfig};
pub(crate) use self::walk::quote;

impl Config {
    /// Reads and validates the file at `path`. A file that cannot be read is one problem; a file
    /// that can is checked in full.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let file = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &file),
            Err(e) => Err(ConfigErrors {
                file,
                problems: vec![Problem::new(
                    "",
                    format!("cannot read the config file: {e}"),
                    "check the path and the file's permissions",
                )],
            }),
        }
    }

    /// Validates `text`, the contents of a config file; `file` names it in the errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigErrors> {
        schema::parse(text).map_err(|problems| ConfigErrors {
            file: file.to_owned(),
            problems,
        })
    }

    /// The account called `name`, if any.
    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|account| account.name == name)
    }

    /// The client whose id is `id`, if any.
    pub fn client(&self, id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|client| client.id == id)
    }
}

/// `[server]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The address to listen on; default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// A POST body larger than this is refused with 413; default 65536, at most 64 MiB.
    pub max_body_bytes: usize,
    /// How long a handler may take before the gateway answers `success` (the handler keeps
    /// running); default 4500, at most 60000. WeChat waits 5000 ms.
    pub handler_timeout_ms: u64,
    /// The largest accepted difference between a request's timestamp and the clock; 0 disables
    /// the check. Default 300.
    pub max_clock_skew_secs: u64,
    /// How long an upstream bot (a `forward` rule) may take; default 30000. Answers after the
    /// callback deadline go out through the customer-service API.
    pub upstream_timeout_ms: u64,
    /// How long a client may take to send a request's head (request line and headers), from
    /// its first byte; past it the connection is closed (408 when nothing was answered on it
    /// yet). Applies to every request of a keep-alive connection. Default 5000, 100 to 300000.
    pub header_timeout_ms: u64,
    /// How long a client may take to send a request's body, from the end of its head; past it
    /// the request is answered 408 and the connection closed. Also how long a write of an
    /// answer may wait for a client that reads nothing. Default 10000, 100 to 600000.
    pub body_timeout_ms: u64,
    /// The most connections served at once, in total over every worker thread; further ones
    /// wait in the listen backlog until one closes. Default 25000, 1 to 1000000.
    pub max_connections: usize,
    /// How many connections the kernel may hold, completed but not yet accepted, for a
    /// burst of new ones; the kernel caps it at `net.core.somaxconn`. Default 1024, 1 to
    /// 65535.
    pub backlog: u32,
    /// How browsers and WeChat reach this gateway, without a trailing `/`: an absolute https
    /// URL (http only for a loopback host: 127.0.0.0/8, `::1`, `localhost`), maybe with a path
    /// prefix, without query or fragment. The OpenID Connect issuer is
    /// `{public_url}/oidc/{account}`. Required when a client has the `login` scope.
    pub public_url: Option<String>,
    /// The proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed: addresses
    /// (one host) or networks. Default empty: the connecting address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080)),
            max_body_bytes: 65_536,
            handler_timeout_ms: 4_500,
            max_clock_skew_secs: 300,
            upstream_timeout_ms: 30_000,
            header_timeout_ms: 5_000,
            body_timeout_ms: 10_000,
            max_connections: 25_000,
            backlog: 1_024,
            public_url: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// `[dedup]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupConfig {
    /// How long a message id is remembered; default 60 (WeChat retries within 15 s).
    pub ttl_secs: u64,
    /// How many message ids are remembered at most; default 1000000. With the Redis backend
    /// this bounds the local fallback table.
    pub capacity: u64,
    /// Where pushes are remembered: this process only, or Redis (shared by every instance).
    pub backend: Backend,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            ttl_secs: 60,
            capacity: 1_000_000,
            backend: Backend::Memory,
        }
    }
}

/// Where a piece of shared state lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Backend {
    /// In this process: nothing shared with other instances.
    #[default]
    Memory,
    /// In Redis (`[redis]`): shared by every instance, with a local fallback while Redis is
    /// unreachable.
    Redis,
}

impl Backend {
    /// The word used in config.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Redis => "redis",
        }
    }
}

/// `[tokens]`: the access tokens of the accounts that have a `secret`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokensConfig {
    /// `memory` (each instance fetches its own) or `redis` (one shared token per account,
    /// fetched by one instance at a time, and one send rate per account for every instance).
    pub backend: Backend,
}

/// `[redis]`: the connection every Redis-backed part shares.
///
/// `Debug` redacts the password in `url`.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host[:port][/db]` (or `redis+unix:///path`). Secret when it
    /// carries a password.
    pub url: String,
    /// Put in front of every key wxgate writes; default `wxgate:`.
    pub key_prefix: String,
    /// How long one Redis command may take before wxgate falls back to local state; default
    /// 250.
    pub timeout_ms: u64,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_url_password(&self.url))
            .field("key_prefix", &self.key_prefix)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

/// `url` with the password (between `:` and `@` after the scheme) replaced by `<redacted>`.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let redacted = if userinfo.contains(':') || !user.is_empty() {
                format!("{user}:<redacted>")
            } else {
                String::new()
            };
            format!("{scheme}://{redacted}@{}", &rest[at + 1..])
        }
        None => url.to_owned(),
    }
}

/// One `[[accounts]]` entry: an official account or mini program.
///
/// `Debug` redacts `token`, `encoding_aes_key` and `secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// `[A-Za-z0-9_-]{1,64}`, unique; the callback URL is `/wx/{name}`.
    pub name: String,
    /// The AppID (`wx...`), ASCII letters and digits.
    pub appid: String,
    /// The callback Token: 3 to 32 ASCII letters and digits. Secret.
    pub token: String,
    /// The EncodingAESKey: 43 characters of standard base64. Required unless `mode` is
    /// [`Mode::Plain`]. Secret.
    pub encoding_aes_key: Option<AesKey>,
    /// The message encryption mode.
    pub mode: Mode,
    /// The AppSecret, needed for API calls (menus, QR codes, customer-service messages) and
    /// for logging users in (WeChat's code exchange). Secret.
    pub secret: Option<String>,
    /// Where WeChat's server API is, without a trailing `/`; default [`DEFAULT_API_BASE`].
    pub api_base: String,
    /// Where WeChat's web login page is, without a trailing `/`; default
    /// [`DEFAULT_OAUTH_BASE`].
    pub oauth_base: String,
    /// How the access_token is fetched.
    pub token_source: TokenSource,
    /// The auto-reply rules, first match wins.
    pub rules: Vec<RuleConfig>,
    /// An official account (the default) or a mini program. A mini program has a `secret`,
    /// and the config a `[sessions] key` and a `[server] public_url`.
    pub kind: AccountKind,
    /// The hosts whose pages may get JS-SDK signatures: lower-case DNS names, each maybe with
    /// a `:port` (`m.example.com`, `m.example.com:8443`), unique; the host (and port) of a
    /// page's URL must be one of them. Official accounts only; empty by default (no page
    /// may).
    pub js_domains: Vec<String>,
    /// How many WeChat calls per second this account's sends (template, subscription and
    /// customer-service messages from the send API) may make, with a bucket of the same size;
    /// per instance, or shared by every instance through Redis when `[tokens] backend =
    /// "redis"` (each instance's own while Redis does not answer). Default 20, 1 to 10000.
    pub send_rate: u32,
    /// How many WeChat calls one message may take in all before it is `failed`; default 8, 1
    /// to 100.
    pub send_max_attempts: u32,
}

impl AccountConfig {
    /// True when the account is a mini program.
    pub fn is_miniprogram(&self) -> bool {
        self.kind == AccountKind::MiniProgram
    }
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "<redacted>";
        f.debug_struct("AccountConfig")
            .field("name", &self.name)
            .field("appid", &self.appid)
            .field("token", &REDACTED)
            .field(
                "encoding_aes_key",
                &self.encoding_aes_key.as_ref().map(|_| REDACTED),
            )
            .field("mode", &self.mode)
            .field("secret", &self.secret.as_ref().map(|_| REDACTED))
            .field("api_base", &self.api_base)
            .field("oauth_base", &self.oauth_base)
            .field("token_source", &self.token_source)
            .field("rules", &self.rules)
            .field("kind", &self.kind)
            .field("js_domains", &self.js_domains)
            .field("send_rate", &self.send_rate)
            .field("send_max_attempts", &self.send_max_attempts)
            .finish()
    }
}

/// The message encryption mode set on the WeChat admin page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// 明文模式: messages in the clear.
    #[default]
    Plain,
    /// 兼容模式: messages carry both the clear fields and the encrypted copy.
    Compatible,
    /// 安全模式: messages encrypted only.
    Safe,
}

impl Mode {
    /// Every mode, in the order the config documents them.
    pub const ALL: [Mode; 3] = [Mode::Plain, Mode::Compatible, Mode::Safe];

    /// The config word: `plain`, `compatible` or `safe`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Plain => "plain",
            Mode::Compatible => "compatible",
            Mode::Safe => "safe",
        }
    }

    /// The mode named by a config word (exact, lower case).
    pub fn from_word(word: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.as_str() == word)
    }

    /// True when messages may arrive encrypted, so the EncodingAESKey is needed.
    pub fn needs_key(self) -> bool {
        self != Mode::Plain
    }
}

/// Prints the config word.
impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of WeChat app an account is (`kind` in config.toml).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// `official`: an official account (公众号), the default.
    #[default]
    Official,
    /// `miniprogram`: a mini program (小程序): its users log in through `/mp/{account}/`.
    MiniProgram,
}

impl AccountKind {
    /// Every kind, in the order the config documents them.
    pub const ALL: [AccountKind; 2] = [AccountKind::Official, AccountKind::MiniProgram];

    /// The config word: `official` or `miniprogram`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Official => "official",
            AccountKind::MiniProgram => "miniprogram",
        }
    }

    /// The kind named by a config word (exact, lower case).
    pub fn from_word(word: &str) -> Option<AccountKind> {
        AccountKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == word)
    }
}

/// Prints the config word.
impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[path = "config_test.rs"]
mod tests;
