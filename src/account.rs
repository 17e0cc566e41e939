//! Step 1: the accounts this gateway serves, built once at start into an immutable map. Each
//! carries what its requests need ready-made: the callback token, the AES key schedule, the
//! handler registry and its metrics.

use std::collections::HashMap;
use std::sync::Arc;

use std::time::Duration;

use wxgate_handlers::{AutoReply, Handler, Registry};

use crate::api::{ApiConfig, WeChatApi};
use crate::cluster::tokens::SharedTokens;
use crate::config::{AccountConfig, AccountKind, Mode};
use crate::crypto::MsgCipher;
use crate::metrics::{AccountMetrics, Metrics};
use crate::outbox::Outbox;
use crate::outbox::enqueue::PluginOutbox;
use crate::upstream::Upstream;

/// One account at run time.
pub struct Account {
    /// Index in the config; part of the dedup key.
    pub index: u32,
    /// The name in the callback URL (`/wx/{name}`).
    pub name: Arc<str>,
    /// Which pushes the account accepts.
    pub mode: Mode,
    /// The callback Token used in every signature.
    pub token: String,
    /// Decrypts pushes and encrypts replies; `None` in plain mode without a key.
    pub cipher: Option<MsgCipher>,
    /// The plugins that handle this account's messages, in order.
    pub registry: Registry,
    /// WeChat's server API for this account; `None` without a `secret`.
    pub api: Option<Arc<WeChatApi>>,
    /// The outbox as this account's plugins enqueue into it; `None` without a `secret` (no
    /// sender sends for the account) or without an outbox.
    pub outbox: Option<Arc<PluginOutbox>>,
    /// The AppID.
    pub appid: String,
    /// An official account or a mini program.
    pub kind: AccountKind,
    /// Hosts whose pages may get JS-SDK signatures (`js_domains`).
    pub js_domains: Vec<String>,
    /// WeChat's web authorize page (`oauth_base`), without a trailing slash.
    pub oauth_base: String,
    /// This account's counters.
    pub metrics: Arc<AccountMetrics>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("index", &self.index)
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("plugins", &self.registry.len())
            .finish_non_exhaustive()
    }
}

/// A problem turning a validated config into running accounts.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A plugin was registered for an account the config does not have.
    #[error("plugin {plugin} is registered for account `{name}`, which the config does not have")]
    UnknownAccount {
        /// The account named.
        name: String,
        /// The plugin's name.
        plugin: String,
    },
    /// A rule did not compile.
    #[error("accounts[{index}].rules: {source}")]
    Rules {
        /// The account's position in the config.
        index: usize,
        /// What was wrong.
        source: wxgate_handlers::RuleError,
    },
}

/// A plugin registered in code: for every account, or for the one named.
#[derive(Clone)]
pub struct Plugin {
    /// The account it serves; `None` for every account.
    pub account: Option<Arc<str>>,
    /// The plugin.
    pub handler: Arc<dyn Handler>,
}

impl Plugin {
    /// A plugin for every account.
    pub fn everywhere(handler: Arc<dyn Handler>) -> Self {
        Plugin {
            account: None,
            handler,
        }
    }

    fn serves(&self, account: &str) -> bool {
        self.account.as_deref().is_none_or(|name| name == account)
    }
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("account", &self.account)
            .field("handler", &self.handler.name())
            .finish()
    }
}

/// Every configured account, by name.
#[derive(Debug)]
pub struct Accounts {
    by_name: HashMap<Arc<str>, Arc<Account>>,
}

impl Accounts {
    /// Builds the accounts: the config's auto-reply rules come first in each registry, then
    /// `extra` (plugins registered in code, each for every account or for the one it names),
    /// in registration order; a plugin for an account the config does not have is an error. `http` is the shared,
    /// pooled client for WeChat's API and upstream bots. `tokens` shares the access tokens
    /// with the other instances (`[tokens] backend = "redis"`); `None` keeps them in this
    /// process.
    pub fn build(
        configs: &[AccountConfig],
        extra: &[Plugin],
        metrics: &Metrics,
        http: &reqwest::Client,
        upstream_timeout: Duration,
        tokens: Option<&SharedTokens>,
    ) -> Result<Self, SetupError> {
        Self::build_with_outbox(
            configs,
            extra,
            metrics,
            http,
            upstream_timeout,
            tokens,
            None,
        )
    }

    /// [`Accounts::build`], with `outbox` for the plugins of every account that has a `secret`
    /// (the sender sends only for those).
    pub fn build_with_outbox(
        configs: &[AccountConfig],
        extra: &[Plugin],
        metrics: &Metrics,
        http: &reqwest::Client,
        upstream_timeout: Duration,
        tokens: Option<&SharedTokens>,
        outbox: Option<&Outbox>,
    ) -> Result<Self, SetupError> {
        if let Some(plugin) = extra.iter().find(|plugin| {
            plugin
                .account
                .as_deref()
                .is_some_and(|name| !configs.iter().any(|config| config.name == name))
        }) {
            return Err(SetupError::UnknownAccount {
                name: plugin.account.as_deref().unwrap_or_default().to_owned(),
                plugin: plugin.handler.name().to_owned(),
            });
        }
        let mut by_name = HashMap::with_capacity(configs.len());
        for (index, config) in configs.iter().enumerate() {
            let cipher = config
                .encoding_aes_key
                .as_ref()
                .map(|key| MsgCipher::new(key, &config.appid));
            let account_metrics = metrics.account(index).unwrap_or_default();
            let api = config.secret.as_ref().map(|secret| {
                Arc::new(WeChatApi::with_tokens(
                    http.clone(),
                    ApiConfig {
                        appid: config.appid.clone(),
                        secret: secret.clone(),
                        api_base: config.api_base.clone(),
                        token_source: config.token_source,
                    },
                    tokens,
                ))
            });
            let mut registry = Registry::new();
            if !config.rules.is_empty() {
                let upstream =
                    Upstream::new(http.clone(), upstream_timeout, account_metrics.clone());
                let rules = AutoReply::with_forwarder(config.rules.clone(), Arc::new(upstream))
                    .map_err(|source| SetupError::Rules { index, source })?;
                registry.push(rules);
            }
            for plugin in extra.iter().filter(|plugin| plugin.serves(&config.name)) {
                registry.push_arc(plugin.handler.clone());
            }
            let name: Arc<str> = Arc::from(config.name.as_str());
            let outbox = outbox.filter(|_| api.is_some()).map(|outbox| {
                Arc::new(PluginOutbox::new(outbox.clone(), name.clone(), config.kind))
            });
            let account = Account {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                name: name.clone(),
                mode: config.mode,
                token: config.token.clone(),
                cipher,
                registry,
                api,
                outbox,
                appid: config.appid.clone(),
                kind: config.kind,
                js_domains: config.js_domains.clone(),
                oauth_base: config.oauth_base.clone(),
                metrics: account_metrics,
            };
            by_name.insert(name, Arc::new(account));
        }
        Ok(Accounts { by_name })
    }

    /// The account called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Account>> {
        self.by_name.get(name)
    }

    /// Every account, in config order.
    pub fn in_order(&self) -> Vec<&Arc<Account>> {
        let mut accounts: Vec<&Arc<Account>> = self.by_name.values().collect();
        accounts.sort_by_key(|account| account.index);
        accounts
    }
}
