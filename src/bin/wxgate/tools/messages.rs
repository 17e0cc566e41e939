//! Every message and event type WeChat pushes, as `simulate` subcommands, and the push XML
//! each one becomes. Defaults are realistic values, so `simulate image` alone is a valid push.

use clap::{Args, Subcommand};

use super::push::{Node, PushXml};

/// What to push.
#[derive(Debug, Clone, Subcommand)]
pub enum Kind {
    /// A text message.
    Text {
        /// What the user typed.
        content: String,
    },
    /// An image message.
    Image {
        /// PicUrl.
        #[arg(long, default_value = "http://mmbiz.qpic.cn/mmbiz_jpg/simulated/0")]
        pic_url: String,
        /// MediaId.
        #[arg(long, default_value = "simulated_image_media_id")]
        media_id: String,
    },
    /// A voice message.
    Voice {
        /// MediaId.
        #[arg(long, default_value = "simulated_voice_media_id")]
        media_id: String,
        /// Format (amr, speex).
        #[arg(long, default_value = "amr")]
        format: String,
        /// Recognition: WeChat's speech-to-text, when the account enabled it.
        #[arg(long)]
        recognition: Option<String>,
    },
    /// A video message.
    Video(VideoArgs),
    /// A short video message.
    Shortvideo(VideoArgs),
    /// A location message.
    Location(LocationArgs),
    /// A link message.
    Link {
        /// Url.
        url: String,
        /// Title.
        #[arg(long, default_value = "A shared link")]
        title: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// An event by name: subscribe, SCAN, CLICK, VIEW, ... (`simulate event --help` lists all).
    ///
    /// Known events, in any letter case: subscribe, unsubscribe, SCAN, LOCATION, CLICK, VIEW,
    /// scancode_push, scancode_waitmsg, pic_sysphoto, pic_photo_or_album, pic_weixin,
    /// location_select, view_miniprogram, TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH,
    /// subscribe_msg_popup_event, subscribe_msg_change_event, subscribe_msg_sent_event,
    /// kf_create_session, kf_close_session, kf_switch_session, user_enter_tempsession. Another
    /// name is sent as is, with its --key.
    Event(EventArgs),
    /// The GET handshake WeChat sends when the callback URL is saved.
    Handshake {
        /// The challenge the gateway must echo.
        #[arg(long, default_value = "wxgate_simulated_echostr")]
        echostr: String,
    },
}

/// Video and short video fields.
#[derive(Debug, Clone, Args)]
pub struct VideoArgs {
    /// MediaId.
    #[arg(long, default_value = "simulated_video_media_id")]
    media_id: String,
    /// ThumbMediaId.
    #[arg(long, default_value = "simulated_thumb_media_id")]
    thumb_media_id: String,
}

/// Location fields (also used by the LOCATION and location_select events).
#[derive(Debug, Clone, Args)]
pub struct LocationArgs {
    /// Latitude (Location_X).
    #[arg(long, default_value_t = 23.134521, allow_negative_numbers = true)]
    lat: f64,
    /// Longitude (Location_Y).
    #[arg(long, default_value_t = 113.358803, allow_negative_numbers = true)]
    lng: f64,
    /// Map zoom (Scale).
    #[arg(long, default_value_t = 20)]
    scale: u32,
    /// The place's name (Label).
    #[arg(long, default_value = "Tianhe Road 208, Guangzhou")]
    label: String,
}

/// Event fields; each event uses the ones it carries.
#[derive(Debug, Clone, Args)]
pub struct EventArgs {
    /// The event's name.
    name: String,
    /// EventKey: the menu key (CLICK), URL (VIEW), page (view_miniprogram), QR scene
    /// (`qrscene_42` for subscribe, `42` for SCAN).
    #[arg(long)]
    key: Option<String>,
    /// Ticket of the QR code (subscribe from a QR code, SCAN).
    #[arg(long)]
    ticket: Option<String>,
    /// ScanResult of scancode_push and scancode_waitmsg.
    #[arg(long, default_value = "https://u.wechat.com/simulated")]
    scan_result: String,
    /// KfAccount (kf_create_session, kf_close_session; ToKfAccount of kf_switch_session).
    #[arg(long, default_value = "kf2001@simulated")]
    kf_account: String,
    /// Status of TEMPLATESENDJOBFINISH and MASSSENDJOBFINISH.
    #[arg(long, default_value = "success")]
    status: String,
    #[command(flatten)]
    location: LocationArgs,
}

/// The canonical names of the events WeChat documents, as it spells them.
pub const EVENTS: &[&str] = &[
    "subscribe",
    "unsubscribe",
    "SCAN",
    "LOCATION",
    "CLICK",
    "VIEW",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "view_miniprogram",
    "TEMPLATESENDJOBFINISH",
    "MASSSENDJOBFINISH",
    "subscribe_msg_popup_event",
    "subscribe_msg_change_event",
    "subscribe_msg_sent_event",
    "kf_create_session",
    "kf_close_session",
    "kf_switch_session",
    "user_enter_tempsession",
];

/// Who sends what, when.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// ToUserName: the account's original id (or appid).
    pub to: &'a str,
    /// FromUserName: the user's openid.
    pub from: &'a str,
    /// CreateTime, seconds since the epoch.
    pub create_time: u64,
    /// MsgId of an ordinary message (events carry none, bar the job reports' MsgID).
    pub msg_id: u64,
}

impl Kind {
    /// A short description for the console: `text "hello"`, `event CLICK key=MENU_NEWS`.
    pub fn describe(&self) -> String {
        match self {
            Kind::Text { content } => format!("text {content:?}"),
            Kind::Event(event) => match &event.key {
                Some(key) => format!("event {} key={key}", canonical(&event.name)),
                None => format!("event {}", canonical(&event.name)),
            },
            Kind::Image { .. } => "image".to_owned(),
            Kind::Voice { .. } => "voice".to_owned(),
            Kind::Video(_) => "video".to_owned(),
            Kind::Shortvideo(_) => "shortvideo".to_owned(),
            Kind::Location(_) => "location".to_owned(),
            Kind::Link { url, .. } => format!("link {url}"),
            Kind::Handshake { .. } => "handshake".to_owned(),
        }
    }

    /// The push XML, or `None` for the handshake (a GET without a body).
    pub fn xml(&self, env: Envelope<'_>) -> Option<PushXml> {
        let message = |msg_type: &str| PushXml::new(env.to, env.from, env.create_time, msg_type);
        let mut push = match self {
            Kind::Handshake { .. } => return None,
            Kind::Event(event) => return Some(event.xml(env)),
            Kind::Text { content } => {
                let mut push = message("text");
                push.push("Content", Node::text(content));
                push
            }
            Kind::Image { pic_url, media_id } => {
                let mut push = message("image");
                push.push("PicUrl", Node::text(pic_url))
                    .push("MediaId", Node::text(media_id));
                push
            }
            Kind::Voice {
                media_id,
                format,
                recognition,
            } => {
                let mut push = message("voice");
                push.push("MediaId", Node::text(media_id))
                    .push("Format", Node::text(format));
                if let Some(recognition) = recognition {
                    push.push("Recognition", Node::text(recognition));
                }
                push
            }
            Kind::Video(video) | Kind::Shortvideo(video) => {
                let msg_type = if matches!(self, Kind::Video(_)) {
                    "video"
                } else {
                    "shortvideo"
                };
                let mut push = message(msg_type);
                push.push("MediaId", Node::text(&video.media_id))
                    .push("ThumbMediaId", Node::text(&video.thumb_media_id));
                push
            }
            Kind::Location(location) => {
                let mut push = message("location");
                push.push("Location_X", Node::number(location.lat))
                    .push("Location_Y", Node::number(location.lng))
                    .push("Scale", Node::number(location.scale))
                    .push("Label", Node::text(&location.label));
                push
            }
            Kind::Link {
                url,
                title,
                description,
            } => {
                let mut push = message("link");
                push.push("Title", Node::text(title))
                    .push("Description", Node::text(description))
                    .push("Url", Node::text(url));
                push
            }
        };
        push.push("MsgId", Node::number(env.msg_id));
        Some(push)
    }
}

/// The documented spelling of an event name given in any letter case; other names unchanged.
pub fn canonical(name: &str) -> &str {
    EVENTS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .copied()
        .unwrap_or(name)
}

fn children(pairs: Vec<(&str, Node)>) -> Node {
    Node::Children(
        pairs
            .into_iter()
            .map(|(name, node)| (name.to_owned(), node))
            .collect(),
    )
}

impl EventArgs {
    fn xml(&self, env: Envelope<'_>) -> PushXml {
        let name = canonical(&self.name);
        let mut push = PushXml::new(env.to, env.from, env.create_time, "event");
        push.push("Event", Node::text(name));
        let key = |default: &str| Node::text(self.key.as_deref().unwrap_or(default));
        let ticket = || Node::text(self.ticket.as_deref().unwrap_or("gQsimulatedTicket=="));
        let template = "simulated_template_id";
        let loc = &self.location;
        match name {
            "subscribe" => {
                if let Some(event_key) = &self.key {
                    push.push("EventKey", Node::text(event_key));
                    push.push("Ticket", ticket());
                }
            }
            "unsubscribe" => {
                push.push("EventKey", key(""));
            }
            "SCAN" => {
                push.push("EventKey", key("42")).push("Ticket", ticket());
            }
            "LOCATION" => {
                push.push("Latitude", Node::number(loc.lat))
                    .push("Longitude", Node::number(loc.lng))
                    .push("Precision", Node::number("65.000000"));
            }
            "CLICK" => {
                push.push("EventKey", key("MENU_KEY"));
            }
            "VIEW" => {
                push.push("EventKey", key("https://example.com/"))
                    .push("MenuId", Node::number(414725380));
            }
            "view_miniprogram" => {
                push.push("EventKey", key("pages/index/index"))
                    .push("MenuId", Node::number(414725381));
            }
            "scancode_push" | "scancode_waitmsg" => {
                push.push("EventKey", key("rselfmenu_0_1")).push(
                    "ScanCodeInfo",
                    children(vec![
                        ("ScanType", Node::text("qrcode")),
                        ("ScanResult", Node::text(&self.scan_result)),
                    ]),
                );
            }
            "pic_sysphoto" | "pic_photo_or_album" | "pic_weixin" => {
                push.push("EventKey", key("rselfmenu_1_0")).push(
                    "SendPicsInfo",
                    children(vec![
                        ("Count", Node::number(1)),
                        (
                            "PicList",
                            children(vec![(
                                "item",
                                children(vec![(
                                    "PicMd5Sum",
                                    Node::text("1b5f7c23b5bf75682a53e7b6d163e185"),
                                )]),
                            )]),
                        ),
                    ]),
                );
            }
            "location_select" => {
                push.push("EventKey", key("rselfmenu_2_0")).push(
                    "SendLocationInfo",
                    children(vec![
                        ("Location_X", Node::text(loc.lat.to_string())),
                        ("Location_Y", Node::text(loc.lng.to_string())),
                        ("Scale", Node::text(loc.scale.to_string())),
                        ("Label", Node::text(&loc.label)),
                        ("Poiname", Node::text("")),
                    ]),
                );
            }
            "TEMPLATESENDJOBFINISH" => {
                push.push("MsgID", Node::number(env.msg_id))
                    .push("Status", Node::text(&self.status));
            }
            "MASSSENDJOBFINISH" => {
                push.push("MsgID", Node::number(env.msg_id))
                    .push("Status", Node::text(&self.status))
                    .push("TotalCount", Node::number(100))
                    .push("FilterCount", Node::number(80))
                    .push("SentCount", Node::number(75))
                    .push("ErrorCount", Node::number(5));
            }
            "subscribe_msg_popup_event" => {
                push.push(
                    "SubscribeMsgPopupEvent",
                    children(vec![(
                        "List",
                        children(vec![
                            ("TemplateId", Node::text(template)),
                            ("SubscribeStatusString", Node::text("accept")),
                            ("PopupScene", Node::number(2)),
                        ]),
                    )]),
                );
            }
            "subscribe_msg_change_event" => {
                push.push(
                    "SubscribeMsgChangeEvent",
                    children(vec![(
                        "List",
                        children(vec![
                            ("TemplateId", Node::text(template)),
                            ("SubscribeStatusString", Node::text("reject")),
                        ]),
                    )]),
                );
            }
            "subscribe_msg_sent_event" => {
                push.push(
                    "SubscribeMsgSentEvent",
                    children(vec![(
                        "List",
                        children(vec![
                            ("TemplateId", Node::text(template)),
                            ("MsgID", Node::number(env.msg_id)),
                            ("ErrorCode", Node::number(0)),
                            ("ErrorStatus", Node::text("success")),
                        ]),
                    )]),
                );
            }
            "kf_create_session" | "kf_close_session" => {
                push.push("KfAccount", Node::text(&self.kf_account));
            }
            "kf_switch_session" => {
                push.push("FromKfAccount", Node::text("kf2000@simulated"))
                    .push("ToKfAccount", Node::text(&self.kf_account));
            }
            "user_enter_tempsession" => {
                push.push("SessionFrom", key("simulated"));
            }
            _ => {
                if let Some(event_key) = &self.key {
                    push.push("EventKey", Node::text(event_key));
                }
            }
        }
        push
    }
}

#[cfg(test)]
#[path = "messages_test.rs"]
mod tests;
