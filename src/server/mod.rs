//! Putting it together: config in, a running HTTP server out. The server builds the shared
//! [`State`], mounts the surfaces (the callback in [`front`] of the actix-web `App`, the rest
//! through [`crate::surfaces::routes`]), enforces the connection limits ([`conn`]) and stops
//! gracefully.

pub mod conn;
pub mod front;
mod plugins;
mod stop;

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, Protocol, error::DispatchError};
use actix_service::{IntoServiceFactory as _, ServiceFactoryExt as _, fn_service, map_config};
use actix_web::dev::{AppConfig, Service as _};
use actix_web::rt::net::TcpStream;
use actix_web::{App, web};
use futures_util::future::Either;
use wxgate_handlers::Handler;

use crate::account::{Accounts, Plugin, SetupError};
use crate::cluster::Redis;
use crate::cluster::dedup::SharedDedup;
use crate::cluster::rate::SharedRate;
use crate::cluster::tokens::SharedTokens;
use crate::config::{Backend, Config, ConfigErrors};
use crate::crypto::sealed::Sealer;
use crate::dedup::Dedup;
use crate::dispatch::Dispatcher;
use crate::grants::Grants;
use crate::http;
use crate::http::throttle::Throttle;
use crate::identity::clients::Clients;
use crate::identity::keys::{KeyError, KeyRing};
use crate::identity::{KEY_RETENTION_MARGIN, Provider};
use crate::metrics::Metrics;
use crate::outbox::Outbox;
use crate::outbox::accept::Acceptor;
use crate::outbox::sender::{SendAccount, Sender, SenderSettings, TemplateReports};
use crate::outbox::webhook::{Deliverer, DeliverySettings, Webhooks};
use crate::qr::QrCounter;
use crate::sessions::Sessions;
use crate::state::{ConsoleSettings, MiniPrograms, State};
use crate::store::{Store, StoreError};
use conn::ConnGuard;
use front::Front;
use stop::Signals;
pub use stop::{Running, StopHandle};

/// How long one call to WeChat's API may take.
const API_TIMEOUT: Duration = Duration::from_secs(10);

/// What [`Gateway::state`] builds: the shared state, the Redis handle (when used), the tasks
/// that run as long as the server (the outbox's group commit, the webhook deliverer), and the
/// outbox's sender with the notice that stops it.
struct Built {
    state: State,
    redis: Option<Redis>,
    background: Vec<tokio::task::JoinHandle<()>>,
    sender: (tokio::task::JoinHandle<()>, Arc<tokio::sync::Notify>),
}

/// How often expired mini-program sessions are deleted from the store.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// Deletes expired mini-program sessions every [`SESSION_PURGE_INTERVAL`], for as long as the
/// returned task runs (every instance does it; the deletes are idempotent).
fn spawn_session_purge(sessions: Sessions) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SESSION_PURGE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sessions.purge_expired().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired mini-program sessions deleted"),
                Err(error) => {
                    tracing::warn!(%error, "could not delete expired mini-program sessions")
                }
            }
        }
    })
}

/// How many pending logins, codes and access tokens one instance keeps in memory (each a few
/// hundred bytes).
const GRANTS_IN_MEMORY: usize = 1_000_000;

/// The admin token of the sample config.toml, which must be changed before deploying.
pub const PLACEHOLDER_ADMIN_TOKEN: &str = "change-me-admin-token";

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file is missing or invalid; every problem is listed.
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    /// The config was valid but an account could not be set up.
    #[error("{0}")]
    Setup(#[from] SetupError),
    /// The Redis URL (`[redis] url`) cannot be used.
    #[error("redis.url: {0}")]
    Redis(String),
    /// The store (`[storage] database`) could not be opened.
    #[error("storage.database: {0}")]
    Store(#[from] StoreError),
    /// The OpenID Connect signing keys could not be read or made.
    #[error("signing keys: {0}")]
    Keys(#[from] KeyError),
    /// Binding or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A gateway ready to serve: a validated config plus the handler plugins registered in code.
///
/// Each account's registry holds its config rules first (so an admin's keyword reply can
/// override code), then the plugins given to [`Gateway::handler`], in registration order.
pub struct Gateway {
    config: Config,
    handlers: Vec<Plugin>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("config", &self.config)
            .field("handlers", &self.handlers.len())
            .finish()
    }
}

impl Gateway {
    /// A gateway for an already loaded config.
    pub fn from_config(config: Config) -> Self {
        Gateway {
            config,
            handlers: Vec::new(),
        }
    }

    /// Loads and validates a config file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        Ok(Gateway::from_config(Config::load(path.as_ref())?))
    }

    /// Adds a handler plugin for every account, after those added before.
    pub fn handler(mut self, handler: impl Handler) -> Self {
        self.handlers.push(Plugin::everywhere(Arc::new(handler)));
        self
    }

    /// The config this gateway runs.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The Redis handle, when a backend uses it; probed once so the log tells at start
    /// whether shared state is in use.
    async fn redis(&self, metrics: &Arc<Metrics>) -> Result<Option<Redis>, Error> {
        let config = &self.config;
        let used = [config.dedup.backend, config.tokens.backend].contains(&Backend::Redis);
        let Some(redis_config) = config.redis.as_ref().filter(|_| used) else {
            return Ok(None);
        };
        let redis = Redis::new(redis_config, metrics.clone()).map_err(Error::Redis)?;
        if !redis.probe().await {
            tracing::warn!("Redis does not answer at start; running on local state until it does");
        }
        Ok(Some(redis))
    }

    /// The shared state, the Redis handle (when used) and the outbox's group-commit task.
    async fn state(&self, qr: QrCounter) -> Result<Built, Error> {
        let config = &self.config;
        let metrics = Arc::new(Metrics::new(
            config.accounts.iter().map(|a| a.name.as_str()),
        ));
        let redis = self.redis(&metrics).await?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(API_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Io {
                context: "building the HTTP client".into(),
                source: std::io::Error::other(e.without_url()),
            })?;
        let tokens = match (&redis, config.tokens.backend) {
            (Some(redis), Backend::Redis) => Some(SharedTokens::new(redis.clone())),
            _ => None,
        };
        // Made before the accounts, whose plugins enqueue through it; its batching task starts
        // once the store is open.
        let (acceptor, accept_queue) = Acceptor::queue();
        let outbox = Outbox {
            acceptor,
            work: Arc::new(tokio::sync::Notify::new()),
        };
        let accounts = Accounts::build_with_outbox(
            &config.accounts,
            &self.handlers,
            &metrics,
            &http,
            Duration::from_millis(config.server.upstream_timeout_ms),
            tokens.as_ref(),
            Some(&outbox),
        )?;
        let ttl = Duration::from_secs(config.dedup.ttl_secs);
        let dedup = Dedup::new(config.dedup.capacity, ttl);
        let handler_timeout = Duration::from_millis(config.server.handler_timeout_ms);
        let shared = match (&redis, config.dedup.backend) {
            (Some(redis), Backend::Redis) => {
                Some(SharedDedup::new(redis.clone(), handler_timeout, ttl))
            }
            _ => None,
        };
        let store = Store::open(&config.storage.database).await?;
        let accepting = accept_queue.start(store.clone());
        match &config.admin.token {
            None => tracing::info!("admin API disabled ([admin] token not set)"),
            Some(token) if token == PLACEHOLDER_ADMIN_TOKEN => tracing::warn!(
                "THE ADMIN API USES THE PLACEHOLDER TOKEN of the sample config.toml: anyone who \
                 reads it can change your menus. Set [admin] token to a long random secret \
                 (e.g. `openssl rand -hex 32`) before exposing this gateway"
            ),
            Some(_) => {}
        }
        let provider = self.provider(&store, redis.as_ref()).await?;
        let mini_programs = self.mini_programs(&store);
        let webhooks = Arc::new(Webhooks::from_clients(&config.clients));
        let send_accounts: Vec<SendAccount> = config
            .accounts
            .iter()
            .filter_map(|c| {
                let account = accounts.get(&c.name)?;
                Some(SendAccount::new(
                    c,
                    account.api.clone()?,
                    account.metrics.clone(),
                ))
            })
            .collect();
        let stop_sending = Arc::new(tokio::sync::Notify::new());
        // With shared tokens, the accounts' send rates are shared too.
        let send_settings = SenderSettings {
            shared_rate: tokens
                .as_ref()
                .map(|tokens| SharedRate::new(tokens.redis().clone())),
            ..SenderSettings::default()
        };
        let sender = Sender::spawn(
            store.clone(),
            send_accounts,
            webhooks.clone(),
            metrics.clone(),
            outbox.work.clone(),
            stop_sending.clone(),
            send_settings,
        );
        let deliverer = Deliverer::spawn(
            store.clone(),
            webhooks.clone(),
            http.clone(),
            DeliverySettings::default(),
        );
        let reports = TemplateReports::new(store.clone(), webhooks);
        let server = &config.server;
        let state = State {
            accounts,
            dispatcher: Dispatcher::new(dedup, shared, qr).with_template_reports(reports),
            metrics,
            max_body_bytes: server.max_body_bytes,
            handler_timeout,
            max_clock_skew_secs: server.max_clock_skew_secs,
            admin_token: config.admin.token.clone(),
            listen_addr: None,
            store,
            provider,
            clients: Clients::new(&config.clients),
            mini_programs,
            outbox: Some(outbox),
            trusted_proxies: server.trusted_proxies.clone(),
            console: ConsoleSettings::from_config(&config.admin),
        };
        Ok(Built {
            state,
            redis,
            background: vec![accepting, deliverer],
            sender: (sender, stop_sending),
        })
    }

    /// The OpenID Connect provider, when `[server] public_url` is set: the signing keys from
    /// the store (the first one made now if there is none), grants in Redis when `[dedup]
    /// backend = "redis"` and in memory otherwise.
    async fn provider(
        &self,
        store: &Store,
        redis: Option<&Redis>,
    ) -> Result<Option<Provider>, Error> {
        let config = &self.config;
        let Some(public_url) = &config.server.public_url else {
            tracing::info!("OpenID Connect provider off ([server] public_url not set)");
            return Ok(None);
        };
        let oidc = &config.oidc;
        let token_ttl = Duration::from_secs(oidc.token_ttl_secs);
        let keys = KeyRing::load(store, token_ttl + KEY_RETENTION_MARGIN).await?;
        let grants = match (redis, config.dedup.backend) {
            (Some(redis), Backend::Redis) => Grants::redis(redis.clone()),
            _ => Grants::memory(GRANTS_IN_MEMORY),
        };
        let minute = Duration::from_secs(60);
        tracing::info!(issuer = %format!("{public_url}/oidc/{{account}}"), kid = %keys.current_kid(), "OpenID Connect provider on");
        Ok(Some(Provider {
            public_url: public_url.clone(),
            keys,
            grants,
            token_ttl,
            authorize_throttle: Throttle::new(oidc.authorize_per_minute, minute),
            token_throttle: Throttle::new(oidc.token_per_minute, minute),
        }))
    }

    /// The mini-program sessions, when `[sessions] key` is set.
    fn mini_programs(&self, store: &Store) -> Option<MiniPrograms> {
        let config = &self.config.sessions;
        let key = config.key.as_ref()?;
        if config.key_is_placeholder() {
            tracing::warn!(
                "[sessions] key IS THE PLACEHOLDER of the sample config.toml: anyone who reads it \
                 can open the session keys in your database. Set it to a secret of your own \
                 (`openssl rand -base64 32`) before serving mini programs"
            );
        }
        Some(MiniPrograms {
            sessions: Sessions::new(
                store.clone(),
                Sealer::new(key),
                Duration::from_secs(config.ttl_secs),
            ),
            max_watermark_age_secs: config.max_watermark_age_secs,
            login_throttle: Throttle::new(config.login_per_minute, Duration::from_secs(60)),
        })
    }

    /// Opens the store and starts serving on `listener` inside the current async runtime
    /// (actix or tokio); await [`Running::wait`] or stop it with [`Running::stop_handle`].
    ///
    /// The `[server]` limits apply to every connection: `header_timeout_ms` to each request
    /// head (see [`conn`]), `body_timeout_ms` to each body (see [`http::body::timed`]),
    /// and `max_connections` to the total over every worker thread. The listener's backlog is
    /// set to `backlog` whoever bound it (`std`'s `bind` leaves 128, which a burst of new
    /// connections overflows: the kernel then drops or resets some of them).
    pub async fn serve(self, listener: TcpListener) -> Result<Running, Error> {
        let qr = QrCounter::default();
        let Built {
            state,
            redis,
            background: started,
            sender,
        } = self.state(qr.clone()).await?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            context: "reading the listener's address".into(),
            source,
        })?;
        let state = web::Data::new(State {
            listen_addr: Some(addr),
            ..state
        });
        let store = state.store.clone();
        let stop_flushing = Arc::new(tokio::sync::Notify::new());
        let flusher = tokio::spawn(qr.flush_until(store.clone(), stop_flushing.clone()));
        let mut background: Vec<_> = redis
            .map(|redis| redis.spawn_prober())
            .into_iter()
            .collect();
        // Stopped after the connections are drained: no request waits on them any more.
        background.extend(started);
        if let Some(provider) = &state.provider {
            background.push(provider.keys.spawn_refresh(store.clone()));
        }
        if let Some(mini) = &state.mini_programs {
            background.push(spawn_session_purge(mini.sessions.clone()));
        }
        // A second handle on the listening socket, to close it the moment a stop begins.
        let listening = listener.try_clone().map_err(|source| Error::Io {
            context: format!("duplicating the listener on {addr}"),
            source,
        })?;
        let server_config = self.config.server;
        // Listening again on a listening socket changes its backlog.
        socket2::SockRef::from(&listener)
            .listen(i32::try_from(server_config.backlog).unwrap_or(i32::MAX))
            .map_err(|source| Error::Io {
                context: format!("setting the listen backlog on {addr} (server.backlog)"),
                source,
            })?;
        let grace = state.handler_timeout + Duration::from_secs(1);
        let header_timeout = Duration::from_millis(server_config.header_timeout_ms);
        let body_timeout = Duration::from_millis(server_config.body_timeout_ms);
        let (workers, per_worker) = split_connections(
            server_config.max_connections,
            std::thread::available_parallelism().map_or(1, usize::from),
        );
        let (guard, connections) = ConnGuard::new(header_timeout, body_timeout);
        let server = actix_server::Server::build()
            .workers(workers)
            .max_concurrent_connections(per_worker)
            .shutdown_timeout(grace.as_secs().max(1))
            .disable_signals()
            .listen("wxgate", listener, move || {
                let state = state.clone();
                let callback_state = state.clone().into_inner();
                let app = App::new()
                    .app_data(state)
                    .wrap_fn(move |req, service| match http::prepare(req, body_timeout) {
                        Ok(req) => Either::Left(service.call(req)),
                        Err(refused) => Either::Right(std::future::ready(Ok(refused))),
                    })
                    .configure(crate::surfaces::routes);
                let app = app
                    .into_factory()
                    .map_err(|error: actix_web::Error| error.error_response());
                // The callback is answered in front of the `App` (see `http::front`).
                let factory = Front::new(app, callback_state, body_timeout);
                let http = HttpService::build()
                    .client_request_timeout(header_timeout)
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .local_addr(addr)
                    .finish(map_config(factory, |_| AppConfig::default()));
                let guard = guard.clone();
                fn_service(move |io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    let guarded = guard.wrap(io);
                    async move { Ok::<_, DispatchError>((guarded, Protocol::Http1, peer)) }
                })
                .and_then(http)
            })
            .map_err(|source| Error::Io {
                context: format!("listening on {addr}"),
                source,
            })?
            .run();
        tracing::info!(
            %addr,
            accounts = self.config.accounts.len(),
            workers,
            max_connections = workers * per_worker,
            "wxgate listening"
        );
        Ok(Running {
            server,
            addr,
            store,
            flusher,
            stop_flushing,
            background,
            sender,
            connections,
            grace,
            listening: Arc::new(listening),
        })
    }

    /// Binds `server.listen` and serves until SIGINT or SIGTERM; blocks the calling thread.
    /// Installs the default log subscriber unless the program set one up already.
    ///
    /// The first SIGTERM or SIGINT stops gracefully: the listener closes at once, requests in
    /// flight finish (their handlers get up to `handler_timeout_ms`), idle connections close,
    /// then pending QR counts are flushed and the store closed. A second signal stops at once.
    pub fn run(self) -> Result<(), Error> {
        crate::logging::try_init();
        let listen = self.config.server.listen;
        let listener = TcpListener::bind(listen).map_err(|source| Error::Io {
            context: format!("binding {listen} (server.listen)"),
            source,
        })?;
        actix_web::rt::System::new().block_on(async move {
            let mut signals = Signals::install()?;
            let running = self.serve(listener).await?;
            let stop = running.stop_handle();
            actix_web::rt::spawn(async move {
                let signal = signals.next().await;
                tracing::info!(
                    signal,
                    "stopping: no new connections; finishing requests in flight"
                );
                let graceful = stop.clone();
                actix_web::rt::spawn(async move { graceful.stop(true).await });
                let signal = signals.next().await;
                tracing::warn!(signal, "second signal: stopping at once");
                stop.stop(false).await;
            });
            let result = running.wait().await;
            tracing::info!("stopped");
            result
        })
    }
}

/// Splits a total connection limit over `workers` threads (actix limits each worker): fewer
/// workers when there are fewer connections than workers, and each worker gets an equal share,
/// so the total never exceeds `total`.
fn split_connections(total: usize, workers: usize) -> (usize, usize) {
    let workers = workers.clamp(1, total.max(1));
    (workers, (total / workers).max(1))
}

#[cfg(test)]
#[path = "server_test.rs"]
mod tests;
