//! Putting it together: config in, a running HTTP server out.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, dev::Server, dev::ServerHandle, web};
use wxgate_handlers::Handler;

use crate::account::{Accounts, SetupError};
use crate::cluster::Redis;
use crate::cluster::dedup::SharedDedup;
use crate::cluster::tokens::SharedTokens;
use crate::config::{Backend, Config, ConfigErrors};
use crate::dedup::Dedup;
use crate::dispatch::Dispatcher;
use crate::http::{self, State};
use crate::metrics::Metrics;
use crate::qr::QrCounter;
use crate::store::{Store, StoreError};

/// How long one call to WeChat's API may take.
const API_TIMEOUT: Duration = Duration::from_secs(10);

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
    handlers: Vec<Arc<dyn Handler>>,
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
        self.handlers.push(Arc::new(handler));
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

    async fn state(&self, qr: QrCounter) -> Result<(State, Option<Redis>), Error> {
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
        let accounts = Accounts::build(
            &config.accounts,
            &self.handlers,
            &metrics,
            &http,
            Duration::from_millis(config.server.upstream_timeout_ms),
            tokens.as_ref(),
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
        match &config.admin.token {
            None => tracing::info!("admin API disabled ([admin] token not set)"),
            Some(token) if token == PLACEHOLDER_ADMIN_TOKEN => tracing::warn!(
                "THE ADMIN API USES THE PLACEHOLDER TOKEN of the sample config.toml: anyone who \
                 reads it can change your menus. Set [admin] token to a long random secret \
                 (e.g. `openssl rand -hex 32`) before exposing this gateway"
            ),
            Some(_) => {}
        }
        let server = &config.server;
        let state = State {
            accounts,
            dispatcher: Dispatcher::new(dedup, shared, qr),
            metrics,
            max_body_bytes: server.max_body_bytes,
            handler_timeout,
            max_clock_skew_secs: server.max_clock_skew_secs,
            admin_token: config.admin.token.clone(),
            store,
        };
        Ok((state, redis))
    }

    /// Opens the store and starts serving on `listener` inside the current async runtime
    /// (actix or tokio); await [`Running::wait`] or stop it with [`Running::handle`].
    pub async fn serve(self, listener: TcpListener) -> Result<Running, Error> {
        let qr = QrCounter::default();
        let (state, redis) = self.state(qr.clone()).await?;
        let state = web::Data::new(state);
        let store = state.store.clone();
        let stop_flushing = Arc::new(tokio::sync::Notify::new());
        let flusher = tokio::spawn(qr.flush_until(store.clone(), stop_flushing.clone()));
        let prober = redis.map(|redis| redis.spawn_prober());
        let addr = listener.local_addr().map_err(|source| Error::Io {
            context: "reading the listener's address".into(),
            source,
        })?;
        let grace = state.handler_timeout + Duration::from_secs(1);
        let server =
            HttpServer::new(move || App::new().app_data(state.clone()).configure(http::routes))
                .shutdown_timeout(grace.as_secs().max(1))
                .listen(listener)
                .map_err(|source| Error::Io {
                    context: format!("listening on {addr}"),
                    source,
                })?
                .run();
        tracing::info!(%addr, accounts = self.config.accounts.len(), "wxgate listening");
        Ok(Running {
            server,
            addr,
            store,
            flusher,
            stop_flushing,
            prober,
        })
    }

    /// Binds `server.listen` and serves until SIGINT or SIGTERM; blocks the calling thread.
    /// Installs the default log subscriber unless the program set one up already.
    pub fn run(self) -> Result<(), Error> {
        crate::logging::try_init();
        let listen = self.config.server.listen;
        let listener = TcpListener::bind(listen).map_err(|source| Error::Io {
            context: format!("binding {listen} (server.listen)"),
            source,
        })?;
        actix_web::rt::System::new().block_on(async move {
            let running = self.serve(listener).await?;
            running.wait().await
        })
    }
}

/// A serving gateway.
pub struct Running {
    server: Server,
    addr: SocketAddr,
    store: Store,
    /// Writes QR counts to the store every few seconds, and once more when stopped.
    flusher: tokio::task::JoinHandle<()>,
    stop_flushing: Arc<tokio::sync::Notify>,
    /// Probes Redis while it is down.
    prober: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The address it listens on (useful after binding port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle to stop it gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped, then flushes what is pending (QR counts) to the store.
    pub async fn wait(self) -> Result<(), Error> {
        let served = self.server.await;
        if let Some(prober) = &self.prober {
            prober.abort();
        }
        self.stop_flushing.notify_one();
        if let Err(error) = self.flusher.await {
            tracing::error!(%error, "the QR count flusher failed");
        }
        self.store.close().await;
        served.map_err(|source| Error::Io {
            context: "serving".into(),
            source,
        })
    }
}
