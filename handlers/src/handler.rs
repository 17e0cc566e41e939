//! The [`Handler`] trait plugins implement, and the [`Context`] each call receives.
//!
//! A plugin overrides only the methods it cares about. Unhandled calls fall back:
//!
//! ```text
//! on_event_scan, on_event_click, ... (every on_event_*)  ->  on_event  ->  on_message  ->  Pass
//! on_text, on_image, ... (every ordinary type, on_unknown)            ->  on_message  ->  Pass
//! ```
//!
//! Which method a message reaches is decided in one place:
//! [`dispatch_one`](crate::registry::dispatch_one).

use std::sync::Arc;

use async_trait::async_trait;

use crate::api::Api;
use crate::message::event::*;
use crate::message::{
    ImageMessage, LinkMessage, LocationMessage, Message, MiniProgramPageMessage, TextMessage,
    VideoMessage, VoiceMessage,
};
use crate::outbox::{NO_OUTBOX, Outbox};
use crate::reply::{Outcome, Reply};

/// WeChat's customer-service message API: messages a handler sends on its own, outside the
/// passive reply (e.g. several answers, or one after the 5-second window). WeChat accepts them
/// within 48 hours of the user's last message.
#[async_trait]
pub trait CustomerService: Send + Sync {
    /// Sends `reply` to the user with OpenID `to_user`.
    async fn send(&self, to_user: &str, reply: &Reply) -> Result<(), SendError>;
}

/// Why a customer-service message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// WeChat's errcode, when WeChat refused the call.
    pub errcode: Option<i64>,
    /// What went wrong.
    pub message: String,
}

/// What a handler knows about the request it is answering.
#[derive(Clone)]
pub struct Context<'a> {
    account: &'a str,
    message: &'a Message,
    customer_service: Option<Arc<dyn CustomerService>>,
    api: Option<Arc<dyn Api>>,
    outbox: Option<Arc<dyn Outbox>>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("account", &self.account)
            .field("message", &self.message)
            .field("customer_service", &self.customer_service.is_some())
            .field("api", &self.api.is_some())
            .field("outbox", &self.outbox.is_some())
            .finish()
    }
}

impl<'a> Context<'a> {
    /// A context for `message`, received by the account configured as `account`.
    pub fn new(account: &'a str, message: &'a Message) -> Self {
        Context {
            account,
            message,
            customer_service: None,
            api: None,
            outbox: None,
        }
    }

    /// The same context with a customer-service API to send messages through.
    pub fn with_customer_service(mut self, api: Arc<dyn CustomerService>) -> Self {
        self.customer_service = Some(api);
        self
    }

    /// The account's customer-service API, when the account is configured for API calls
    /// (it has a `secret`).
    pub fn customer_service(&self) -> Option<&dyn CustomerService> {
        self.customer_service.as_deref()
    }

    /// [`Context::customer_service`], shared: for what outlives the call (see
    /// [`Ctx`](crate::Ctx)).
    pub fn customer_service_arc(&self) -> Option<Arc<dyn CustomerService>> {
        self.customer_service.clone()
    }

    /// The same context with the account's WeChat server API.
    pub fn with_api(mut self, api: Arc<dyn Api>) -> Self {
        self.api = Some(api);
        self
    }

    /// The account's WeChat server API (users, tags, media, template and subscription
    /// messages, ...), when the account is configured for API calls (it has a `secret`).
    pub fn api(&self) -> Option<&dyn Api> {
        self.api.as_deref()
    }

    /// [`Context::api`], shared: for what outlives the call (see [`Ctx`](crate::Ctx)).
    pub fn api_arc(&self) -> Option<Arc<dyn Api>> {
        self.api.clone()
    }

    /// The same context with the account's outbox.
    pub fn with_outbox(mut self, outbox: Arc<dyn Outbox>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// The account's outbox: template, subscription and customer-service messages stored
    /// before [`Outbox::enqueue`] returns and delivered by the gateway's sender, as the send
    /// API's are (see [`outbox`](crate::outbox)). When the account makes no API calls (it has
    /// no `secret`), every call is [`EnqueueError::NoOutbox`](crate::EnqueueError::NoOutbox).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// use wxgate_handlers::{
    ///     Context, EnqueueError, Enqueued, Fields, Message, Outbox, OutgoingMessage, Reply,
    ///     async_trait,
    /// };
    ///
    /// /// An outbox that keeps what it is given, as a plugin's tests might use.
    /// #[derive(Default)]
    /// struct Kept(Mutex<Vec<(String, OutgoingMessage)>>);
    ///
    /// #[async_trait]
    /// impl Outbox for Kept {
    ///     async fn enqueue(
    ///         &self,
    ///         key: &str,
    ///         message: OutgoingMessage,
    ///     ) -> Result<Enqueued, EnqueueError> {
    ///         let mut kept = self.0.lock().unwrap();
    ///         kept.push((key.to_owned(), message));
    ///         Ok(Enqueued { id: format!("m{}", kept.len()), existing: false })
    ///     }
    /// }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut fields = Fields::new();
    /// for (name, text) in [
    ///     ("ToUserName", "gh_123456789abc"),
    ///     ("FromUserName", "oUser"),
    ///     ("CreateTime", "1348831860"),
    ///     ("MsgType", "text"),
    ///     ("Content", "thanks"),
    ///     ("MsgId", "1"),
    /// ] {
    ///     fields.push_text(name, text);
    /// }
    /// let message = Message::from_fields(fields)?;
    /// let kept = Arc::new(Kept::default());
    /// let ctx = Context::new("demo", &message).with_outbox(kept.clone());
    ///
    /// let later = OutgoingMessage::custom("oUser", Reply::Text("you are welcome".into()));
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let queued = runtime.block_on(ctx.outbox().enqueue("thanks-1", later))?;
    /// assert_eq!(queued, Enqueued { id: "m1".into(), existing: false });
    /// assert_eq!(kept.0.lock().unwrap()[0].0, "thanks-1");
    ///
    /// // Without an outbox, nothing is enqueued.
    /// let bare = Context::new("demo", &message);
    /// let refused = runtime.block_on(
    ///     bare.outbox().enqueue("thanks-1", OutgoingMessage::custom("oUser", Reply::Text("hi".into()))),
    /// );
    /// assert_eq!(refused, Err(EnqueueError::NoOutbox));
    /// # Ok(())
    /// # }
    /// ```
    pub fn outbox(&self) -> &dyn Outbox {
        match &self.outbox {
            Some(outbox) => outbox.as_ref(),
            None => &NO_OUTBOX,
        }
    }

    /// [`Context::outbox`], shared: for what outlives the call (see [`Ctx`](crate::Ctx));
    /// `None` when the context has no outbox.
    pub fn outbox_arc(&self) -> Option<Arc<dyn Outbox>> {
        self.outbox.clone()
    }

    /// The account's name in the gateway's configuration (the `{account}` of `/wx/{account}`).
    pub fn account(&self) -> &'a str {
        self.account
    }

    /// The message being handled.
    pub fn message(&self) -> &'a Message {
        self.message
    }
}

/// Generates [`Handler`] from the event catalogue (see [`crate::for_each_event`]): the methods of
/// messages written out here, one `on_event_*` method per catalogued event.
macro_rules! define_handler {
    ($( $(#[doc = $doc:literal])* $name:literal => $variant:ident($payload:ty), $method:ident $(, id [$($id:literal),+])?; )*) => {
        /// A handler plugin: one async method per message type and event.
        ///
        /// Every method has a default that falls back (`on_event_*` -> [`on_event`](Handler::on_event)
        /// -> [`on_message`](Handler::on_message) -> [`Outcome::Pass`]), so a plugin overrides only what
        /// it handles. Return [`Outcome::Pass`] to let the next plugin try, [`Outcome::NoReply`] to stop
        /// without replying, or a reply.
        ///
        /// Implement it with [`#[async_trait]`](macro@crate::async_trait) (re-exported by this crate).
        /// Handlers are shared between requests: keep state behind `Arc`s, atomics or locks.
        #[async_trait]
        pub trait Handler: Send + Sync + 'static {
            /// A name for logs and metrics; the type's name by default.
            fn name(&self) -> &str {
                std::any::type_name::<Self>()
            }

            /// The last fallback of every other method. Defaults to [`Outcome::Pass`].
            async fn on_message(&self, ctx: &Context<'_>) -> Outcome {
                let _ = ctx;
                Outcome::Pass
            }

            /// A text message. Defaults to [`on_message`](Handler::on_message).
            async fn on_text(&self, ctx: &Context<'_>, text: &TextMessage) -> Outcome {
                let _ = text;
                self.on_message(ctx).await
            }

            /// An image message. Defaults to [`on_message`](Handler::on_message).
            async fn on_image(&self, ctx: &Context<'_>, image: &ImageMessage) -> Outcome {
                let _ = image;
                self.on_message(ctx).await
            }

            /// A voice message. Defaults to [`on_message`](Handler::on_message).
            async fn on_voice(&self, ctx: &Context<'_>, voice: &VoiceMessage) -> Outcome {
                let _ = voice;
                self.on_message(ctx).await
            }

            /// A video message. Defaults to [`on_message`](Handler::on_message).
            async fn on_video(&self, ctx: &Context<'_>, video: &VideoMessage) -> Outcome {
                let _ = video;
                self.on_message(ctx).await
            }

            /// A short video message. Defaults to [`on_message`](Handler::on_message).
            async fn on_shortvideo(&self, ctx: &Context<'_>, video: &VideoMessage) -> Outcome {
                let _ = video;
                self.on_message(ctx).await
            }

            /// A location message. Defaults to [`on_message`](Handler::on_message).
            async fn on_location(&self, ctx: &Context<'_>, location: &LocationMessage) -> Outcome {
                let _ = location;
                self.on_message(ctx).await
            }

            /// A link message. Defaults to [`on_message`](Handler::on_message).
            async fn on_link(&self, ctx: &Context<'_>, link: &LinkMessage) -> Outcome {
                let _ = link;
                self.on_message(ctx).await
            }

            /// A mini program page card. Defaults to [`on_message`](Handler::on_message).
            async fn on_miniprogrampage(
                &self,
                ctx: &Context<'_>,
                page: &MiniProgramPageMessage,
            ) -> Outcome {
                let _ = page;
                self.on_message(ctx).await
            }

            /// `device_event`: a hardware device was bound or unbound, or a user subscribed to or
            /// unsubscribed from its status. Defaults to [`on_message`](Handler::on_message).
            async fn on_device_event(&self, ctx: &Context<'_>, device: &DeviceEvent) -> Outcome {
                let _ = device;
                self.on_message(ctx).await
            }

            /// `device_text`: a hardware device sent a message. Defaults to
            /// [`on_message`](Handler::on_message).
            async fn on_device_text(&self, ctx: &Context<'_>, device: &DeviceTextMessage) -> Outcome {
                let _ = device;
                self.on_message(ctx).await
            }

            /// A message of a type this crate does not know (`msg_type` as received); the context's
            /// message keeps every raw field. Defaults to [`on_message`](Handler::on_message).
            async fn on_unknown(&self, ctx: &Context<'_>, msg_type: &str) -> Outcome {
                let _ = msg_type;
                self.on_message(ctx).await
            }

            /// The fallback of every `on_event_*` method. Defaults to
            /// [`on_message`](Handler::on_message).
            async fn on_event(&self, ctx: &Context<'_>, event: &Event) -> Outcome {
                let _ = event;
                self.on_message(ctx).await
            }

            $(
                $(#[doc = $doc])*
                ///
                /// Defaults to [`on_event`](Handler::on_event).
                async fn $method(&self, ctx: &Context<'_>, event: &$payload) -> Outcome {
                    let _ = event;
                    event_fallback(self, ctx).await
                }
            )*

            /// An event this crate does not know (`name` as received); the context's message keeps every
            /// raw field. Defaults to [`on_event`](Handler::on_event).
            async fn on_event_unknown(&self, ctx: &Context<'_>, name: &str) -> Outcome {
                let _ = name;
                event_fallback(self, ctx).await
            }
        }
    };
}

crate::for_each_event!(define_handler);

/// The default of every `on_event_*` method: [`Handler::on_event`] with the context's event, or
/// [`Handler::on_message`] if the method was called for a message that is not an event.
async fn event_fallback<H: Handler + ?Sized>(handler: &H, ctx: &Context<'_>) -> Outcome {
    match ctx.message().event() {
        Some(event) => handler.on_event(ctx, event).await,
        None => handler.on_message(ctx).await,
    }
}
