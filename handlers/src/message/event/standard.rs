//! The events every official account meets: follows and QR scans, location reports, menu
//! buttons, delivery reports of template, mass and subscribe messages, customer-service
//! sessions, and the mini program's customer-service entry.

use super::super::error::MessageError;
use super::super::read::Reader;

/// The prefix WeChat puts before the scene of a QR code in a `subscribe` event's EventKey.
const QR_SCENE_PREFIX: &str = "qrscene_";

/// `subscribe`: the user followed the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeEvent {
    /// `EventKey` as received: `qrscene_<scene>` when the follow came from a parametric QR code,
    /// absent or empty otherwise.
    pub event_key: Option<String>,
    /// `Ticket`: the QR code's ticket, when the follow came from a parametric QR code.
    pub ticket: Option<String>,
}

impl SubscribeEvent {
    /// The QR code's scene (the EventKey without its `qrscene_` prefix), or `None` when the follow
    /// did not come from a parametric QR code.
    pub fn scene(&self) -> Option<&str> {
        self.event_key
            .as_deref()
            .and_then(|key| key.strip_prefix(QR_SCENE_PREFIX))
            .filter(|scene| !scene.is_empty())
    }
}

/// `unsubscribe`: the user unfollowed the account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnsubscribeEvent {
    /// `EventKey`: sent empty, when sent at all.
    pub event_key: Option<String>,
}

/// `SCAN`: a follower scanned a parametric QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanEvent {
    /// `EventKey`: the QR code's scene (`scene_id` or `scene_str`), without any prefix.
    pub event_key: String,
    /// `Ticket`: the QR code's ticket.
    pub ticket: Option<String>,
}

/// `LOCATION`: the user's location, reported periodically.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationEvent {
    /// `Latitude`.
    pub latitude: f64,
    /// `Longitude`.
    pub longitude: f64,
    /// `Precision`: the accuracy radius.
    pub precision: f64,
}

/// `CLICK`: a `click` menu button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickEvent {
    /// `EventKey`: the button's `key`.
    pub event_key: String,
}

/// `VIEW`: a `view` menu button; WeChat opens the link itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewEvent {
    /// `EventKey`: the link opened.
    pub event_key: String,
    /// `MenuId`: the menu's id, for personalized menus.
    pub menu_id: Option<String>,
}

impl ViewEvent {
    /// The link opened (the EventKey).
    pub fn url(&self) -> &str {
        &self.event_key
    }
}

/// `scancode_push` and `scancode_waitmsg`: a scan-code menu button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanCodeEvent {
    /// `EventKey`: the button's `key`.
    pub event_key: String,
    /// `ScanCodeInfo`: what was scanned.
    pub scan_code_info: ScanCodeInfo,
}

/// `ScanCodeInfo`: the result of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanCodeInfo {
    /// `ScanType`: usually `qrcode` or `barcode`.
    pub scan_type: String,
    /// `ScanResult`: the decoded content.
    pub scan_result: String,
}

/// `pic_sysphoto`, `pic_photo_or_album` and `pic_weixin`: a send-pictures menu button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PicEvent {
    /// `EventKey`: the button's `key`.
    pub event_key: String,
    /// `SendPicsInfo`: the pictures sent.
    pub send_pics_info: SendPicsInfo,
}

/// `SendPicsInfo`: the pictures sent through a menu button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPicsInfo {
    /// `Count`: the number of pictures, as WeChat reports it.
    pub count: u32,
    /// `PicList/item/PicMd5Sum`: the MD5 of every picture, in order.
    pub pic_md5_sums: Vec<String>,
}

/// `location_select`: a send-location menu button.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationSelectEvent {
    /// `EventKey`: the button's `key`.
    pub event_key: String,
    /// `SendLocationInfo`: the location chosen.
    pub send_location_info: SendLocationInfo,
}

/// `SendLocationInfo`: a location chosen through a menu button.
#[derive(Debug, Clone, PartialEq)]
pub struct SendLocationInfo {
    /// `Location_X`: latitude.
    pub location_x: f64,
    /// `Location_Y`: longitude.
    pub location_y: f64,
    /// `Scale`: the map zoom level.
    pub scale: u32,
    /// `Label`: a human-readable place description.
    pub label: String,
    /// `Poiname`: the point of interest's name, when one was picked.
    pub poiname: Option<String>,
}

/// `view_miniprogram`: a menu button opening a mini program page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewMiniProgramEvent {
    /// `EventKey`: the page path opened.
    pub event_key: String,
    /// `MenuId`: the menu's id, for personalized menus.
    pub menu_id: Option<String>,
}

impl ViewMiniProgramEvent {
    /// The page path opened (the EventKey).
    pub fn page_path(&self) -> &str {
        &self.event_key
    }
}

/// `TEMPLATESENDJOBFINISH`: the delivery report of a template message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSendJobFinishEvent {
    /// `MsgID`: the id returned when the template message was sent.
    pub msg_id: String,
    /// `Status`: `success`, `failed:user block` or `failed: system failed`.
    pub status: String,
}

/// `MASSSENDJOBFINISH`: the delivery report of a mass send. The copyright-check and article-url
/// details stay in the message's `raw` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassSendJobFinishEvent {
    /// `MsgID`: the id returned when the mass send was started.
    pub msg_id: String,
    /// `Status`: `send success`, `send fail` or `err(<code>)`.
    pub status: String,
    /// `TotalCount`: followers targeted.
    pub total_count: u64,
    /// `FilterCount`: followers left after filtering.
    pub filter_count: u64,
    /// `SentCount`: sends that succeeded.
    pub sent_count: u64,
    /// `ErrorCount`: sends that failed.
    pub error_count: u64,
}

/// `subscribe_msg_popup_event`: the user answered a subscribe-message prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeMsgPopupEvent {
    /// One entry per template in the prompt.
    pub items: Vec<SubscribePopupItem>,
}

/// One template's answer in a [`SubscribeMsgPopupEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribePopupItem {
    /// `TemplateId`.
    pub template_id: String,
    /// `SubscribeStatusString`: `accept` or `reject`.
    pub subscribe_status: String,
    /// `PopupScene`: where the prompt was shown (`0` web page, `1` payment, `2` article).
    pub popup_scene: Option<String>,
}

/// `subscribe_msg_change_event`: the user changed subscribe-message settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeMsgChangeEvent {
    /// One entry per template changed.
    pub items: Vec<SubscribeChangeItem>,
}

/// One template's change in a [`SubscribeMsgChangeEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeChangeItem {
    /// `TemplateId`.
    pub template_id: String,
    /// `SubscribeStatusString`: `accept` or `reject`.
    pub subscribe_status: String,
}

/// `subscribe_msg_sent_event`: the delivery report of a subscribe message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeMsgSentEvent {
    /// One entry per message reported.
    pub items: Vec<SubscribeSentItem>,
}

/// One message's delivery in a [`SubscribeMsgSentEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeSentItem {
    /// `TemplateId`.
    pub template_id: String,
    /// `MsgID`: the id returned when the message was sent.
    pub msg_id: String,
    /// `ErrorCode`: `0` on success.
    pub error_code: i64,
    /// `ErrorStatus`: `success` or the failure's description.
    pub error_status: String,
}

/// `kf_create_session` and `kf_close_session`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KfSessionEvent {
    /// `KfAccount`: the agent, `prefix@account`.
    pub kf_account: String,
}

/// `kf_switch_session`: the conversation moved between customer-service agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KfSwitchSessionEvent {
    /// `FromKfAccount`: the agent who had the conversation.
    pub from_kf_account: String,
    /// `ToKfAccount`: the agent who has it now.
    pub to_kf_account: String,
}

/// `user_enter_tempsession`: the user opened a mini program's customer-service conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEnterTempSessionEvent {
    /// `SessionFrom`: the `session-from` attribute of the contact button, when set.
    pub session_from: Option<String>,
}

impl UnsubscribeEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UnsubscribeEvent {
            event_key: r.opt_string("EventKey")?,
        })
    }
}

impl SubscribeEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(SubscribeEvent {
            event_key: r.opt_string("EventKey")?,
            ticket: r.opt_string("Ticket")?,
        })
    }
}

impl ScanEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(ScanEvent {
            event_key: r.string("EventKey")?,
            ticket: r.opt_string("Ticket")?,
        })
    }
}

impl LocationEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(LocationEvent {
            latitude: r.float("Latitude")?,
            longitude: r.float("Longitude")?,
            precision: r.float("Precision")?,
        })
    }
}

impl ClickEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(ClickEvent {
            event_key: r.string("EventKey")?,
        })
    }
}

impl ViewEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(ViewEvent {
            event_key: r.string("EventKey")?,
            menu_id: r.opt_string("MenuId")?,
        })
    }
}

impl ScanCodeEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let event_key = r.string("EventKey")?;
        let info = r.node("ScanCodeInfo", "ScanCodeInfo")?;
        Ok(ScanCodeEvent {
            event_key,
            scan_code_info: ScanCodeInfo {
                scan_type: info.string("ScanType")?,
                scan_result: info.string("ScanResult")?,
            },
        })
    }
}

impl PicEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let event_key = r.string("EventKey")?;
        let info = r.node("SendPicsInfo", "SendPicsInfo")?;
        let count = info.unsigned("Count")?;
        let mut pic_md5_sums = Vec::new();
        // XML: one <PicList> holding repeated <item>s. JSON: "PicList" is an array of objects,
        // each either {"PicMd5Sum": ..} or {"item": {"PicMd5Sum": ..}}.
        for list in info.nodes("PicList", "SendPicsInfo.PicList") {
            let list = list?;
            if list.has("PicMd5Sum") {
                pic_md5_sums.push(list.string("PicMd5Sum")?);
            }
            for item in list.nodes("item", "SendPicsInfo.PicList.item") {
                pic_md5_sums.push(item?.string("PicMd5Sum")?);
            }
        }
        Ok(PicEvent {
            event_key,
            send_pics_info: SendPicsInfo {
                count,
                pic_md5_sums,
            },
        })
    }
}

impl LocationSelectEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let event_key = r.string("EventKey")?;
        let info = r.node("SendLocationInfo", "SendLocationInfo")?;
        Ok(LocationSelectEvent {
            event_key,
            send_location_info: SendLocationInfo {
                location_x: info.float("Location_X")?,
                location_y: info.float("Location_Y")?,
                scale: info.unsigned("Scale")?,
                label: info.string("Label")?,
                poiname: info.opt_string("Poiname")?,
            },
        })
    }
}

impl ViewMiniProgramEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(ViewMiniProgramEvent {
            event_key: r.string("EventKey")?,
            menu_id: r.opt_string("MenuId")?,
        })
    }
}

impl TemplateSendJobFinishEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(TemplateSendJobFinishEvent {
            msg_id: r.string("MsgID")?,
            status: r.string("Status")?,
        })
    }
}

impl MassSendJobFinishEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(MassSendJobFinishEvent {
            msg_id: r.string("MsgID")?,
            status: r.string("Status")?,
            total_count: r.unsigned("TotalCount")?,
            filter_count: r.unsigned("FilterCount")?,
            sent_count: r.unsigned("SentCount")?,
            error_count: r.unsigned("ErrorCount")?,
        })
    }
}

/// The dotted paths of one subscribe-message event's list.
struct ListShape {
    /// The wrapper element, e.g. `SubscribeMsgPopupEvent`.
    wrapper: &'static str,
    /// The items inside the wrapper, e.g. `SubscribeMsgPopupEvent.List`.
    wrapped_items: &'static str,
}

/// The `List` items of a subscribe-message event, in every shape WeChat uses:
/// XML `<Wrapper><List>..</List><List>..</List></Wrapper>`; JSON `"Wrapper": {"List": [..]}`,
/// `"Wrapper": [..]` (the items directly) or a top-level `"List": [..]`.
fn list_items<'a, T>(
    r: &Reader<'a>,
    shape: &ListShape,
    read_item: fn(&Reader<'a>) -> Result<T, MessageError>,
) -> Result<Vec<T>, MessageError> {
    let mut items = Vec::new();
    if r.has(shape.wrapper) {
        for wrapper in r.nodes(shape.wrapper, shape.wrapper) {
            let wrapper = wrapper?;
            if wrapper.has("List") {
                for item in wrapper.nodes("List", shape.wrapped_items) {
                    items.push(read_item(&item?)?);
                }
            } else if !wrapper.is_empty() {
                items.push(read_item(&wrapper)?);
            }
        }
    } else {
        for item in r.nodes("List", "List") {
            items.push(read_item(&item?)?);
        }
    }
    Ok(items)
}

impl SubscribeMsgPopupEvent {
    const SHAPE: ListShape = ListShape {
        wrapper: "SubscribeMsgPopupEvent",
        wrapped_items: "SubscribeMsgPopupEvent.List",
    };

    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(SubscribeMsgPopupEvent {
            items: list_items(r, &Self::SHAPE, |item| {
                Ok(SubscribePopupItem {
                    template_id: item.string("TemplateId")?,
                    subscribe_status: item.string("SubscribeStatusString")?,
                    popup_scene: item.opt_string("PopupScene")?,
                })
            })?,
        })
    }
}

impl SubscribeMsgChangeEvent {
    const SHAPE: ListShape = ListShape {
        wrapper: "SubscribeMsgChangeEvent",
        wrapped_items: "SubscribeMsgChangeEvent.List",
    };

    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(SubscribeMsgChangeEvent {
            items: list_items(r, &Self::SHAPE, |item| {
                Ok(SubscribeChangeItem {
                    template_id: item.string("TemplateId")?,
                    subscribe_status: item.string("SubscribeStatusString")?,
                })
            })?,
        })
    }
}

impl SubscribeMsgSentEvent {
    const SHAPE: ListShape = ListShape {
        wrapper: "SubscribeMsgSentEvent",
        wrapped_items: "SubscribeMsgSentEvent.List",
    };

    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(SubscribeMsgSentEvent {
            items: list_items(r, &Self::SHAPE, |item| {
                Ok(SubscribeSentItem {
                    template_id: item.string("TemplateId")?,
                    msg_id: item.string("MsgID")?,
                    error_code: item.signed("ErrorCode")?,
                    error_status: item.string("ErrorStatus")?,
                })
            })?,
        })
    }
}

impl KfSessionEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(KfSessionEvent {
            kf_account: r.string("KfAccount")?,
        })
    }
}

impl KfSwitchSessionEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(KfSwitchSessionEvent {
            from_kf_account: r.string("FromKfAccount")?,
            to_kf_account: r.string("ToKfAccount")?,
        })
    }
}

impl UserEnterTempSessionEvent {
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserEnterTempSessionEvent {
            session_from: r.opt_string("SessionFrom")?,
        })
    }
}
