//! Closures as plugins: a plugin for one message type or event without a struct or
//! `#[async_trait]`.
//!
//! ```
//! use wxgate_handlers::{Ctx, Registry, TextMessage, func};
//!
//! let mut registry = Registry::new();
//! registry.push(func::on_text(|_ctx: Ctx, text: TextMessage| async move {
//!     format!("you said {}", text.content)
//! }));
//! ```
//!
//! The closure gets an owned [`Ctx`] (account, message, customer-service API, server API,
//! outbox) and an owned copy of the payload, so its future may run as long as it likes; it
//! returns anything [`IntoOutcome`]: text (`&str`, `String`), a [`Reply`], an [`Outcome`], an
//! `Option` of one (`None` answers nothing), or a `Result` of one whose error becomes
//! [`Outcome::Failed`].
//! Messages of other types pass to the next plugin. The gateway has the same constructors as
//! methods (`Gateway::on_text`, `Gateway::on_event_scan`, ...).

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use crate::api::Api;
use crate::handler::{Context, CustomerService, Handler};
use crate::message::{
    ImageMessage, LinkMessage, LocationMessage, Message, MessageKind, MiniProgramPageMessage,
    TextMessage, VideoMessage, VoiceMessage,
};
use crate::outbox::{NO_OUTBOX, Outbox};
use crate::reply::{Outcome, Reply};

/// What a closure plugin may return: anything that says how to answer.
pub trait IntoOutcome {
    /// The outcome this value stands for.
    fn into_outcome(self) -> Outcome;
}

impl IntoOutcome for Outcome {
    fn into_outcome(self) -> Outcome {
        self
    }
}

impl IntoOutcome for Reply {
    fn into_outcome(self) -> Outcome {
        Outcome::Reply(self)
    }
}

/// A text reply.
impl IntoOutcome for String {
    fn into_outcome(self) -> Outcome {
        Outcome::Reply(Reply::Text(self))
    }
}

/// A text reply.
impl IntoOutcome for &str {
    fn into_outcome(self) -> Outcome {
        Outcome::Reply(Reply::Text(self.to_owned()))
    }
}

/// `None` answers nothing ([`Outcome::NoReply`]).
impl<T: IntoOutcome> IntoOutcome for Option<T> {
    fn into_outcome(self) -> Outcome {
        self.map_or(Outcome::NoReply, IntoOutcome::into_outcome)
    }
}

/// An error becomes [`Outcome::Failed`] with its message.
impl<T: IntoOutcome, E: Display> IntoOutcome for Result<T, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(value) => value.into_outcome(),
            Err(error) => Outcome::failed(error.to_string()),
        }
    }
}

/// An owned [`Context`], for closures whose futures outlive the call.
#[derive(Clone)]
pub struct Ctx {
    account: Arc<str>,
    message: Arc<Message>,
    customer_service: Option<Arc<dyn CustomerService>>,
    api: Option<Arc<dyn Api>>,
    outbox: Option<Arc<dyn Outbox>>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("account", &self.account)
            .field("message", &self.message)
            .field("customer_service", &self.customer_service.is_some())
            .field("api", &self.api.is_some())
            .field("outbox", &self.outbox.is_some())
            .finish()
    }
}

impl Ctx {
    /// The owned copy of `ctx`.
    pub fn of(ctx: &Context<'_>) -> Self {
        Ctx {
            account: Arc::from(ctx.account()),
            message: Arc::new(ctx.message().clone()),
            customer_service: ctx.customer_service_arc(),
            api: ctx.api_arc(),
            outbox: ctx.outbox_arc(),
        }
    }

    /// The account's name in the gateway's configuration.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The message being handled.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The account's customer-service API, when the account makes API calls.
    pub fn customer_service(&self) -> Option<&dyn CustomerService> {
        self.customer_service.as_deref()
    }

    /// The account's WeChat server API, when the account makes API calls.
    pub fn api(&self) -> Option<&dyn Api> {
        self.api.as_deref()
    }

    /// The account's outbox (see [`Context::outbox`]): without one, every call is
    /// [`EnqueueError::NoOutbox`](crate::EnqueueError::NoOutbox).
    pub fn outbox(&self) -> &dyn Outbox {
        match &self.outbox {
            Some(outbox) => outbox.as_ref(),
            None => &NO_OUTBOX,
        }
    }
}

/// A plugin made of a closure and the part of a message it takes (see the [`func`](self)
/// module).
pub struct Func<P, F> {
    pick: fn(&Message) -> Option<&P>,
    name: &'static str,
    f: F,
}

impl<P, F> Func<P, F> {
    /// A plugin calling `f` with what `pick` finds in a message; `name` names it in logs.
    pub fn new(name: &'static str, pick: fn(&Message) -> Option<&P>, f: F) -> Self {
        Func { pick, name, f }
    }
}

#[async_trait]
impl<P, F, Fut, R> Handler for Func<P, F>
where
    P: Clone + Send + Sync + 'static,
    F: Fn(Ctx, P) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoOutcome,
{
    fn name(&self) -> &str {
        self.name
    }

    async fn on_message(&self, ctx: &Context<'_>) -> Outcome {
        let Some(payload) = (self.pick)(ctx.message()) else {
            return Outcome::Pass;
        };
        let future = (self.f)(Ctx::of(ctx), payload.clone());
        future.await.into_outcome()
    }
}

/// Any message: the closure gets the context alone.
pub fn on_message<F, Fut, R>(f: F) -> Func<(), impl Fn(Ctx, ()) -> Fut + Send + Sync + 'static>
where
    F: Fn(Ctx) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoOutcome,
{
    Func::new("on_message", |_| Some(&()), move |ctx, ()| f(ctx))
}

/// Calls `$callback!` with every message type but `event` (whose events have their own
/// catalogue, [`crate::for_each_event`]), each as `/// doc` `on_method(Variant, Payload);`:
/// the closure constructors here and the gateway's closure methods come from this one list.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_message_type {
    ($callback:ident) => {
        $callback! {
            /// A text message.
            on_text(Text, TextMessage);
            /// An image message.
            on_image(Image, ImageMessage);
            /// A voice message.
            on_voice(Voice, VoiceMessage);
            /// A video message.
            on_video(Video, VideoMessage);
            /// A short video message.
            on_shortvideo(ShortVideo, VideoMessage);
            /// A location message.
            on_location(Location, LocationMessage);
            /// A link message.
            on_link(Link, LinkMessage);
            /// A mini-program page message.
            on_miniprogrampage(MiniProgramPage, MiniProgramPageMessage);
        }
    };
}

/// One constructor: `$method(f)` is a [`Func`] over what `$pick` finds in a message.
macro_rules! constructor {
    ($(#[doc = $doc:literal])* $method:ident($payload:ty), |$message:ident| $pick:expr) => {
        $(#[doc = $doc])*
        pub fn $method<F, Fut, R>(f: F) -> Func<$payload, F>
        where
            F: Fn(Ctx, $payload) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoOutcome,
        {
            Func::new(stringify!($method), |$message| $pick, f)
        }
    };
}

/// Generates a constructor per message type.
macro_rules! message_funcs {
    ($( $(#[doc = $doc:literal])* $method:ident($variant:ident, $payload:ty); )*) => {
        $(
            constructor!($(#[doc = $doc])* $method($payload), |message| match &message.kind {
                MessageKind::$variant(payload) => Some(payload),
                _ => None,
            });
        )*
    };
}

crate::for_each_message_type!(message_funcs);

/// Generates a constructor per catalogued event (see [`crate::for_each_event`]).
macro_rules! event_funcs {
    ($( $(#[doc = $doc:literal])* $name:literal => $variant:ident($payload:ty), $method:ident $(, id [$($id:literal),+])?; )*) => {
        $(
            constructor!($(#[doc = $doc])* $method($payload), |message| match message.event() {
                Some(crate::message::Event::$variant(payload)) => Some(payload),
                _ => None,
            });
        )*
    };
}

/// The event constructors, one per catalogued event: `func::events::on_event_scan(..)`.
pub mod events {
    use super::{Ctx, Func, Future, IntoOutcome};
    use crate::message::*;

    crate::for_each_event!(event_funcs);
}

#[cfg(test)]
#[path = "func_test.rs"]
mod tests;
