//! The ordered plugin chain, and the one place that maps a message to a [`Handler`] method.

use std::fmt;
use std::sync::Arc;

use crate::handler::{Context, Handler};
use crate::message::{Event, MessageKind};
use crate::reply::Outcome;

/// An ordered chain of handler plugins. The first plugin whose outcome is not
/// [`Outcome::Pass`] answers the message.
///
/// Cloning is cheap (one reference count); the chain is shared, and a [`push`](Registry::push)
/// after cloning copies the list of plugins (not the plugins) for the registry pushed to.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: Arc<Vec<Arc<dyn Handler>>>,
}

impl Registry {
    /// An empty chain; it passes on everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a plugin; it is tried after every plugin pushed before it.
    pub fn push(&mut self, handler: impl Handler) -> &mut Self {
        self.push_arc(Arc::new(handler))
    }

    /// Appends a plugin that is shared with other owners.
    pub fn push_arc(&mut self, handler: Arc<dyn Handler>) -> &mut Self {
        Arc::make_mut(&mut self.handlers).push(handler);
        self
    }

    /// The number of plugins.
    pub fn len(&self) -> usize {
        self.handlers.len()
    }

    /// Whether the chain has no plugins.
    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }

    /// The plugins, in the order they are tried.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Handler>> {
        self.handlers.iter()
    }

    /// Tries every plugin in order and returns the first outcome that is not
    /// [`Outcome::Pass`]; [`Outcome::Pass`] when every plugin passes (or there are none).
    pub async fn dispatch(&self, ctx: &Context<'_>) -> Outcome {
        for handler in self.handlers.iter() {
            match dispatch_one(handler.as_ref(), ctx).await {
                Outcome::Pass => {}
                decided => return decided,
            }
        }
        Outcome::Pass
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.handlers.iter().map(|handler| handler.name()))
            .finish()
    }
}

/// Generates [`dispatch_one`] from the event catalogue (see [`crate::for_each_event`]): the
/// message types written out here, one arm per catalogued event.
macro_rules! define_dispatch {
    ($( $(#[doc = $doc:literal])* $name:literal => $variant:ident($payload:ty), $method:ident $(, id [$($id:literal),+])?; )*) => {
        /// Calls the [`Handler`] method that matches the context's message: `on_text` for a text
        /// message, `on_event_scan` for a `SCAN` event, and so on. This is the only place that
        /// maps message variants to methods.
        pub async fn dispatch_one(handler: &dyn Handler, ctx: &Context<'_>) -> Outcome {
            match &ctx.message().kind {
                MessageKind::Text(text) => handler.on_text(ctx, text).await,
                MessageKind::Image(image) => handler.on_image(ctx, image).await,
                MessageKind::Voice(voice) => handler.on_voice(ctx, voice).await,
                MessageKind::Video(video) => handler.on_video(ctx, video).await,
                MessageKind::ShortVideo(video) => handler.on_shortvideo(ctx, video).await,
                MessageKind::Location(location) => handler.on_location(ctx, location).await,
                MessageKind::Link(link) => handler.on_link(ctx, link).await,
                MessageKind::MiniProgramPage(page) => handler.on_miniprogrampage(ctx, page).await,
                MessageKind::DeviceEvent(device) => handler.on_device_event(ctx, device).await,
                MessageKind::DeviceText(device) => handler.on_device_text(ctx, device).await,
                MessageKind::Unknown { msg_type } => handler.on_unknown(ctx, msg_type).await,
                MessageKind::Event(event) => match &**event {
                    $( Event::$variant(e) => handler.$method(ctx, e).await, )*
                    Event::Unknown { name } => handler.on_event_unknown(ctx, name).await,
                },
            }
        }
    };
}

crate::for_each_event!(define_dispatch);

#[cfg(test)]
#[path = "registry_test.rs"]
mod tests;
