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

/// Calls the [`Handler`] method that matches the context's message: `on_text` for a text
/// message, `on_event_scan` for a `SCAN` event, and so on. This is the only place that maps
/// message variants to methods.
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
        MessageKind::Unknown { msg_type } => handler.on_unknown(ctx, msg_type).await,
        MessageKind::Event(event) => match event {
            Event::Subscribe(e) => handler.on_event_subscribe(ctx, e).await,
            Event::Unsubscribe => handler.on_event_unsubscribe(ctx).await,
            Event::Scan(e) => handler.on_event_scan(ctx, e).await,
            Event::Location(e) => handler.on_event_location(ctx, e).await,
            Event::Click(e) => handler.on_event_click(ctx, e).await,
            Event::View(e) => handler.on_event_view(ctx, e).await,
            Event::ScancodePush(e) => handler.on_event_scancode_push(ctx, e).await,
            Event::ScancodeWaitmsg(e) => handler.on_event_scancode_waitmsg(ctx, e).await,
            Event::PicSysphoto(e) => handler.on_event_pic_sysphoto(ctx, e).await,
            Event::PicPhotoOrAlbum(e) => handler.on_event_pic_photo_or_album(ctx, e).await,
            Event::PicWeixin(e) => handler.on_event_pic_weixin(ctx, e).await,
            Event::LocationSelect(e) => handler.on_event_location_select(ctx, e).await,
            Event::ViewMiniprogram(e) => handler.on_event_view_miniprogram(ctx, e).await,
            Event::TemplateSendJobFinish(e) => {
                handler.on_event_template_send_job_finish(ctx, e).await
            }
            Event::MassSendJobFinish(e) => handler.on_event_mass_send_job_finish(ctx, e).await,
            Event::SubscribeMsgPopup(e) => handler.on_event_subscribe_msg_popup(ctx, e).await,
            Event::SubscribeMsgChange(e) => handler.on_event_subscribe_msg_change(ctx, e).await,
            Event::SubscribeMsgSent(e) => handler.on_event_subscribe_msg_sent(ctx, e).await,
            Event::KfCreateSession(e) => handler.on_event_kf_create_session(ctx, e).await,
            Event::KfCloseSession(e) => handler.on_event_kf_close_session(ctx, e).await,
            Event::KfSwitchSession(e) => handler.on_event_kf_switch_session(ctx, e).await,
            Event::UserEnterTempSession(e) => handler.on_event_user_enter_tempsession(ctx, e).await,
            Event::Unknown { name } => handler.on_event_unknown(ctx, name).await,
        },
    }
}

#[cfg(test)]
#[path = "registry_test.rs"]
mod tests;
