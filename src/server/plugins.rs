//! Registering plugins in code: a [`Handler`] for every account ([`Gateway::handler`]) or for
//! one ([`Gateway::handler_for`]), and closures for one message type or event
//! ([`Gateway::on_text`], [`Gateway::on_event_scan`], ... one per type and catalogued event).
//!
//! ```no_run
//! use wxgate::Gateway;
//!
//! fn main() -> Result<(), wxgate::Error> {
//!     Gateway::load("config.toml")?
//!         .on_text(|_ctx, text| async move { format!("you said {}", text.content) })
//!         .on_event_subscribe(|_ctx, _follow| async move { "welcome!" })
//!         .run()
//! }
//! ```

use std::future::Future;
use std::sync::Arc;

use wxgate_handlers::func::{self, events};
use wxgate_handlers::message::*;
use wxgate_handlers::{Ctx, Handler, IntoOutcome};

use super::Gateway;
use crate::account::Plugin;

impl Gateway {
    /// Adds a handler plugin for the account named `account` only, after the plugins added
    /// before. Starting fails when the config has no such account.
    pub fn handler_for(mut self, account: &str, handler: impl Handler) -> Self {
        self.handlers.push(Plugin {
            account: Some(Arc::from(account)),
            handler: Arc::new(handler),
        });
        self
    }

    /// Adds a closure for every message (see [`wxgate_handlers::func`]): it gets the owned
    /// context and returns anything reply-like.
    pub fn on_message<F, Fut, R>(self, f: F) -> Self
    where
        F: Fn(Ctx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoOutcome + 'static,
    {
        self.handler(func::on_message(f))
    }
}

/// One closure method: `$method(f)` adds the plugin `$constructor(f)`.
macro_rules! closure_method {
    ($(#[doc = $doc:literal])* $method:ident($payload:ty) = $constructor:path) => {
        $(#[doc = $doc])*
        ///
        /// Adds a closure for this (see [`wxgate_handlers::func`]); other messages pass on.
        pub fn $method<F, Fut, R>(self, f: F) -> Self
        where
            F: Fn(Ctx, $payload) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoOutcome + 'static,
        {
            self.handler($constructor(f))
        }
    };
}

/// Generates a closure method per message type.
macro_rules! message_methods {
    ($( $(#[doc = $doc:literal])* $method:ident($variant:ident, $payload:ty); )*) => {
        impl Gateway {
            $( closure_method!($(#[doc = $doc])* $method($payload) = func::$method); )*
        }
    };
}

wxgate_handlers::for_each_message_type!(message_methods);

/// Generates a closure method per catalogued event.
macro_rules! event_methods {
    ($( $(#[doc = $doc:literal])* $name:literal => $variant:ident($payload:ty), $method:ident $(, id [$($id:literal),+])?; )*) => {
        impl Gateway {
            $( closure_method!($(#[doc = $doc])* $method($payload) = events::$method); )*
        }
    };
}

wxgate_handlers::for_each_event!(event_methods);
