//! Every message and event type WeChat pushes, as `wxgate simulate` subcommands (and as the
//! console's simulator names them, [`Kind::from_form`]), and the push XML each one becomes.
//! Defaults are realistic values, so `simulate image` alone is a valid push.

use clap::{Args, Subcommand};

use super::push::{Node, PushXml};

const PIC_URL: &str = "http://mmbiz.qpic.cn/mmbiz_jpg/simulated/0";
const IMAGE_MEDIA_ID: &str = "simulated_image_media_id";
const VOICE_MEDIA_ID: &str = "simulated_voice_media_id";
const VOICE_FORMAT: &str = "amr";
const VIDEO_MEDIA_ID: &str = "simulated_video_media_id";
const THUMB_MEDIA_ID: &str = "simulated_thumb_media_id";
const LINK_URL: &str = "https://example.com/";
const LINK_TITLE: &str = "A shared link";
const LATITUDE: f64 = 23.134521;
const LONGITUDE: f64 = 113.358803;
const SCALE: u32 = 20;
const LABEL: &str = "Tianhe Road 208, Guangzhou";
const SCAN_RESULT: &str = "https://u.wechat.com/simulated";
const KF_ACCOUNT: &str = "kf2001@simulated";
const JOB_STATUS: &str = "success";

/// The message types (`MsgType`) a user sends, as [`Kind::from_form`] names them; events are
/// named `event:NAME` with a name of [`EVENTS`].
pub const MESSAGE_TYPES: &[&str] = &[
    "text",
    "image",
    "voice",
    "video",
    "shortvideo",
    "location",
    "link",
];

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
        #[arg(long, default_value = PIC_URL)]
        pic_url: String,
        /// MediaId.
        #[arg(long, default_value = IMAGE_MEDIA_ID)]
        media_id: String,
    },
    /// A voice message.
    Voice {
        /// MediaId.
        #[arg(long, default_value = VOICE_MEDIA_ID)]
        media_id: String,
        /// Format (amr, speex).
        #[arg(long, default_value = VOICE_FORMAT)]
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
        #[arg(long, default_value = LINK_TITLE)]
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
#[derive(Debug, Clone, PartialEq, Args)]
pub struct VideoArgs {
    /// MediaId.
    #[arg(long, default_value = VIDEO_MEDIA_ID)]
    pub media_id: String,
    /// ThumbMediaId.
    #[arg(long, default_value = THUMB_MEDIA_ID)]
    pub thumb_media_id: String,
}

/// Location fields (also used by the LOCATION and location_select events).
#[derive(Debug, Clone, PartialEq, Args)]
pub struct LocationArgs {
    /// Latitude (Location_X).
    #[arg(long, default_value_t = LATITUDE, allow_negative_numbers = true)]
    pub lat: f64,
    /// Longitude (Location_Y).
    #[arg(long, default_value_t = LONGITUDE, allow_negative_numbers = true)]
    pub lng: f64,
    /// Map zoom (Scale).
    #[arg(long, default_value_t = SCALE)]
    pub scale: u32,
    /// The place's name (Label).
    #[arg(long, default_value = LABEL)]
    pub label: String,
}

/// Event fields; each event uses the ones it carries.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct EventArgs {
    /// The event's name.
    pub name: String,
    /// EventKey: the menu key (CLICK), URL (VIEW), page (view_miniprogram), QR scene
    /// (`qrscene_42` for subscribe, `42` for SCAN).
    #[arg(long)]
    pub key: Option<String>,
    /// Ticket of the QR code (subscribe from a QR code, SCAN).
    #[arg(long)]
    pub ticket: Option<String>,
    /// ScanResult of scancode_push and scancode_waitmsg.
    #[arg(long, default_value = SCAN_RESULT)]
    pub scan_result: String,
    /// KfAccount (kf_create_session, kf_close_session; ToKfAccount of kf_switch_session).
    #[arg(long, default_value = KF_ACCOUNT)]
    pub kf_account: String,
    /// Status of TEMPLATESENDJOBFINISH and MASSSENDJOBFINISH.
    #[arg(long, default_value = JOB_STATUS)]
    pub status: String,
    /// Where (LOCATION, location_select).
    #[command(flatten)]
    pub location: LocationArgs,
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

impl Default for VideoArgs {
    fn default() -> Self {
        VideoArgs {
            media_id: VIDEO_MEDIA_ID.to_owned(),
            thumb_media_id: THUMB_MEDIA_ID.to_owned(),
        }
    }
}

impl Default for LocationArgs {
    fn default() -> Self {
        LocationArgs {
            lat: LATITUDE,
            lng: LONGITUDE,
            scale: SCALE,
            label: LABEL.to_owned(),
        }
    }
}

impl EventArgs {
    /// The event `name` with `key` as its EventKey (when it carries one) and every other field
    /// at its default.
    pub fn new(name: &str, key: Option<String>) -> EventArgs {
        EventArgs {
            name: name.to_owned(),
            key,
            ticket: None,
            scan_result: SCAN_RESULT.to_owned(),
            kf_account: KF_ACCOUNT.to_owned(),
            status: JOB_STATUS.to_owned(),
            location: LocationArgs::default(),
        }
    }
}

/// A push type the simulator does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown message type {0:?}: use one of text, image, voice, video, shortvideo, location, link, or event:NAME"
)]
pub struct UnknownType(pub String);

impl Kind {
    /// The push a form names: `type_name` is one of [`MESSAGE_TYPES`] or `event:NAME`;
    /// `content` is what the user typed (text), the URL (link) or the recognised speech
    /// (voice); `event_key` the event's EventKey. Empty values leave a field at its default;
    /// every other field takes its default.
    pub fn from_form(type_name: &str, content: &str, event_key: &str) -> Result<Kind, UnknownType> {
        let given = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        if let Some(name) = type_name.strip_prefix("event:") {
            if name.is_empty()
                || name
                    .chars()
                    .any(|c| !(c.is_ascii_alphanumeric() || c == '_'))
            {
                return Err(UnknownType(type_name.to_owned()));
            }
            return Ok(Kind::Event(EventArgs::new(name, given(event_key))));
        }
        Ok(match type_name {
            "text" => Kind::Text {
                content: content.to_owned(),
            },
            "image" => Kind::Image {
                pic_url: PIC_URL.to_owned(),
                media_id: IMAGE_MEDIA_ID.to_owned(),
            },
            "voice" => Kind::Voice {
                media_id: VOICE_MEDIA_ID.to_owned(),
                format: VOICE_FORMAT.to_owned(),
                recognition: given(content),
            },
            "video" => Kind::Video(VideoArgs::default()),
            "shortvideo" => Kind::Shortvideo(VideoArgs::default()),
            "location" => Kind::Location(LocationArgs::default()),
            "link" => Kind::Link {
                url: given(content).unwrap_or_else(|| LINK_URL.to_owned()),
                title: LINK_TITLE.to_owned(),
                description: String::new(),
            },
            other => return Err(UnknownType(other.to_owned())),
        })
    }
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
