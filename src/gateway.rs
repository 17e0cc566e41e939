//! Putting it together: config in, a running HTTP server out.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, dev::Server, dev::ServerHandle, web};
use wxgate_handlers::Handler;

use crate::account::{Accounts, SetupError};
use crate::config::{Config, ConfigErrors};
use crate::dedup::Dedup;
use crate::dispatch::Dispatcher;
use crate::http::{self, State};
use crate::metrics::Metrics;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file is missing or invalid; every problem is listed.
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    /// The config was valid but an account could not be set up.
    #[error("{0}")]
    Setup(#[from] SetupError),
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

    fn state(&self) -> Result<State, Error> {
        let metrics = Arc::new(Metrics::new(
            self.config.accounts.iter().map(|a| a.name.as_str()),
        ));
        let accounts = Accounts::build(&self.config.accounts, &self.handlers, &metrics)?;
        let dedup = Dedup::new(
            self.config.dedup.capacity,
            Duration::from_secs(self.config.dedup.ttl_secs),
        );
        let server = &self.config.server;
        Ok(State {
            accounts,
            dispatcher: Dispatcher::new(dedup),
            metrics,
            max_body_bytes: server.max_body_bytes,
            handler_timeout: Duration::from_millis(server.handler_timeout_ms),
            max_clock_skew_secs: server.max_clock_skew_secs,
        })
    }

    /// Starts serving on `listener` inside the current async runtime (actix or tokio) and
    /// returns at once; await [`Running::wait`] or stop it with [`Running::handle`].
    pub fn serve(self, listener: TcpListener) -> Result<Running, Error> {
        let state = web::Data::new(self.state()?);
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
        Ok(Running { server, addr })
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
            let running = self.serve(listener)?;
            running.wait().await
        })
    }
}

/// A serving gateway.
pub struct Running {
    server: Server,
    addr: SocketAddr,
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

    /// Serves until stopped.
    pub async fn wait(self) -> Result<(), Error> {
        self.server.await.map_err(|source| Error::Io {
            context: "serving".into(),
            source,
        })
    }
}
