//! Putting it together: config in, a running HTTP server out.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, dev::Server, dev::ServerHandle, web};
use wxgate_handlers::Handler;

use crate::account::{Accounts, SetupError};
use crate::cluster::Redis;
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

    async fn state(&self, qr: QrCounter) -> Result<State, Error> {
        let config = &self.config;
        let metrics = Arc::new(Metrics::new(
            config.accounts.iter().map(|a| a.name.as_str()),
        ));
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(API_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Io {
                context: "building the HTTP client".into(),
                source: std::io::Error::other(e.without_url()),
            })?;
        // Shared access tokens: probed once so that the first calls find Redis up, then
        // probed every second while it is down.
        let tokens = match (config.tokens.backend, &config.redis) {
            (Backend::Redis, Some(redis)) => {
                let redis = Redis::new(redis, metrics.clone()).map_err(|e| Error::Io {
                    context: "setting up Redis ([redis])".into(),
                    source: std::io::Error::other(e),
                })?;
                redis.probe().await;
                drop(redis.spawn_prober());
                Some(SharedTokens::new(redis))
            }
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
        let dedup = Dedup::new(
            config.dedup.capacity,
            Duration::from_secs(config.dedup.ttl_secs),
        );
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
        Ok(State {
            accounts,
            dispatcher: Dispatcher::new(dedup, qr),
            metrics,
            max_body_bytes: server.max_body_bytes,
            handler_timeout: Duration::from_millis(server.handler_timeout_ms),
            max_clock_skew_secs: server.max_clock_skew_secs,
            admin_token: config.admin.token.clone(),
            store,
        })
    }

    /// Opens the store and starts serving on `listener` inside the current async runtime
    /// (actix or tokio); await [`Running::wait`] or stop it with [`Running::handle`].
    pub async fn serve(self, listener: TcpListener) -> Result<Running, Error> {
        let qr = QrCounter::default();
        let state = web::Data::new(self.state(qr.clone()).await?);
        let store = state.store.clone();
        let flusher = tokio::spawn(qr.clone().flush_forever(store.clone()));
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
            qr,
            store,
            flusher,
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
    qr: QrCounter,
    store: Store,
    flusher: tokio::task::JoinHandle<()>,
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
        self.flusher.abort();
        if let Err(error) = self.qr.flush(&self.store).await {
            tracing::error!(%error, "QR counts could not be flushed at shutdown");
        }
        self.store.close().await;
        served.map_err(|source| Error::Io {
            context: "serving".into(),
            source,
        })
    }
}
