//! Devices, Wi-Fi, shake and product scan.
//!
//! Two event names here are mixed case (`WifiConnected`, `ShakearoundUserShake`). The hardware
//! pushes are not events: they are message types of their own (`MsgType` `device_event`, with an
//! `Event` of `bind`, `unbind`, `subscribe_status` or `unsubscribe_status`, and `device_text`),
//! typed here as [`DeviceEvent`] and [`DeviceTextMessage`]. Their id elements spell `ID` in
//! capitals (`DeviceID`, `SessionID`, `OpenID`).
use crate::message::error::MessageError;
use crate::message::read::Reader;

/// `WifiConnected`: a user connected to a store's Wi-Fi (WeChat Wi-Fi).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WifiConnectedEvent {
    /// `ConnectTime`: when the user connected, seconds since the Unix epoch.
    pub connect_time: u64,
    /// `ExpireTime`: reserved, `0`.
    pub expire_time: Option<u64>,
    /// `VendorId`: reserved.
    pub vendor_id: Option<String>,
    /// `PlaceId`: the store (shop) id.
    pub place_id: String,
    /// `DeviceNo`: the access point's BSSID (MAC address).
    pub device_no: String,
}

/// `ShakearoundUserShake`: a user shook near iBeacon devices (摇一摇周边).
#[derive(Debug, Clone, PartialEq)]
pub struct ShakearoundUserShakeEvent {
    /// `ChosenBeacon`: the beacon WeChat chose.
    pub chosen_beacon: Beacon,
    /// `AroundBeacons/AroundBeacon`: the other beacons nearby, possibly none.
    pub around_beacons: Vec<Beacon>,
    /// `ChosenPageId`: the page shown for the chosen beacon (seen in real pushes, not in the
    /// docs).
    pub chosen_page_id: Option<String>,
}

/// `ChosenBeacon` or `AroundBeacon`: one iBeacon device.
#[derive(Debug, Clone, PartialEq)]
pub struct Beacon {
    /// `Uuid`.
    pub uuid: String,
    /// `Major`.
    pub major: u32,
    /// `Minor`.
    pub minor: u32,
    /// `Distance`: the estimated distance, in metres.
    pub distance: f64,
    /// `Rssi`: the received signal strength, in dBm (seen in real pushes, not in the docs).
    pub rssi: Option<i64>,
}

/// `user_scan_product`: a user opened a product page by scanning its code (扫一扫).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScanProductEvent {
    /// `KeyStandard`: the code standard: `ean13`, `ean8`, `qrcode`, ...
    pub key_standard: String,
    /// `KeyStr`: the code's content.
    pub key_str: String,
    /// `Country`: the user's country.
    pub country: Option<String>,
    /// `Province`: the user's province.
    pub province: Option<String>,
    /// `City`: the user's city.
    pub city: Option<String>,
    /// `Sex`: `1` male, `2` female, `0` unknown.
    pub sex: Option<u32>,
    /// `Scene`: `1` opened by scanning, `2` by other means.
    pub scene: Option<u32>,
    /// `ExtInfo`: the `extinfo` parameter of the product's QR code.
    pub ext_info: Option<String>,
}

/// `user_scan_product_enter_session`: a user entered the account's conversation from a product
/// page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScanProductEnterSessionEvent {
    /// `KeyStandard`: the code standard.
    pub key_standard: String,
    /// `KeyStr`: the code's content.
    pub key_str: String,
    /// `ExtInfo`: the `extinfo` parameter of the product's QR code.
    pub ext_info: Option<String>,
}

/// `user_scan_product_async`: the asynchronous report of a product scan, with the user's region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScanProductAsyncEvent {
    /// `KeyStandard`: the code standard.
    pub key_standard: String,
    /// `KeyStr`: the code's content.
    pub key_str: String,
    /// `ExtInfo`: the `extinfo` parameter of the product's QR code.
    pub ext_info: Option<String>,
    /// `RegionCode`: the user's region code.
    pub region_code: Option<String>,
}

/// `user_scan_product_verify_action`: WeChat's review of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScanProductVerifyActionEvent {
    /// `KeyStandard`: the product's code standard.
    pub key_standard: String,
    /// `KeyStr`: the product's code.
    pub key_str: String,
    /// `Result`: `verify_ok` or `verify_not_pass`.
    pub result: String,
    /// `ReasonMsg`: why the review failed.
    pub reason_msg: Option<String>,
}

/// A hardware event (`MsgType` `device_event`): a device was bound or unbound (`Event` `bind`,
/// `unbind`), or a user subscribed to or unsubscribed from its status (`subscribe_status`,
/// `unsubscribe_status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEvent {
    /// `Event`: `bind`, `unbind`, `subscribe_status` or `unsubscribe_status`, as received.
    pub event: String,
    /// `DeviceType`: the device type (the account's original id).
    pub device_type: String,
    /// `DeviceID`: the device.
    pub device_id: String,
    /// `OpenID`: the user.
    pub open_id: String,
    /// `Content` (`bind`/`unbind`): the base64 payload of the bind ticket, often empty.
    pub content: Option<String>,
    /// `SessionID` (`bind`/`unbind`): the session.
    pub session_id: Option<String>,
    /// `OpType` (`subscribe_status`/`unsubscribe_status`): `0` unsubscribe, `1` heartbeat, `2`
    /// subscribe.
    pub op_type: Option<u32>,
}

/// A message a device sent to the account (`MsgType` `device_text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceTextMessage {
    /// `DeviceType`: the device type (the account's original id).
    pub device_type: String,
    /// `DeviceID`: the device.
    pub device_id: String,
    /// `SessionID`: the session.
    pub session_id: String,
    /// `Content`: the device's payload, base64-encoded.
    pub content: String,
    /// `OpenID`: the user.
    pub open_id: String,
    /// `MsgId`: the message's id, when sent.
    pub msg_id: Option<String>,
}

impl WifiConnectedEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(WifiConnectedEvent {
            connect_time: r.unsigned("ConnectTime")?,
            expire_time: r.opt_unsigned("ExpireTime")?,
            vendor_id: r.opt_string("VendorId")?,
            place_id: r.string("PlaceId")?,
            device_no: r.string("DeviceNo")?,
        })
    }
}

impl ShakearoundUserShakeEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        let chosen_beacon = Beacon::read(&r.node("ChosenBeacon", "ChosenBeacon")?)?;
        let mut around_beacons = Vec::new();
        for around in r.nodes("AroundBeacons", "AroundBeacons") {
            for beacon in around?.nodes("AroundBeacon", "AroundBeacons.AroundBeacon") {
                around_beacons.push(Beacon::read(&beacon?)?);
            }
        }
        Ok(ShakearoundUserShakeEvent {
            chosen_beacon,
            around_beacons,
            chosen_page_id: r.opt_string("ChosenPageId")?,
        })
    }
}

impl Beacon {
    /// Reads one beacon from its element.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(Beacon {
            uuid: r.string("Uuid")?,
            major: r.unsigned("Major")?,
            minor: r.unsigned("Minor")?,
            distance: r.float("Distance")?,
            rssi: r.opt_signed("Rssi")?,
        })
    }
}

impl UserScanProductEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserScanProductEvent {
            key_standard: r.string("KeyStandard")?,
            key_str: r.string("KeyStr")?,
            country: r.opt_string("Country")?,
            province: r.opt_string("Province")?,
            city: r.opt_string("City")?,
            sex: r.opt_unsigned("Sex")?,
            scene: r.opt_unsigned("Scene")?,
            ext_info: r.opt_string("ExtInfo")?,
        })
    }
}

impl UserScanProductEnterSessionEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserScanProductEnterSessionEvent {
            key_standard: r.string("KeyStandard")?,
            key_str: r.string("KeyStr")?,
            ext_info: r.opt_string("ExtInfo")?,
        })
    }
}

impl UserScanProductAsyncEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserScanProductAsyncEvent {
            key_standard: r.string("KeyStandard")?,
            key_str: r.string("KeyStr")?,
            ext_info: r.opt_string("ExtInfo")?,
            region_code: r.opt_string("RegionCode")?,
        })
    }
}

impl UserScanProductVerifyActionEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserScanProductVerifyActionEvent {
            key_standard: r.string("KeyStandard")?,
            key_str: r.string("KeyStr")?,
            result: r.string("Result")?,
            reason_msg: r.opt_string("ReasonMsg")?,
        })
    }
}

impl DeviceEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(DeviceEvent {
            event: r.string("Event")?,
            device_type: r.string("DeviceType")?,
            device_id: r.string("DeviceID")?,
            open_id: r.string("OpenID")?,
            content: r.opt_string("Content")?,
            session_id: r.opt_string("SessionID")?,
            op_type: r.opt_unsigned("OpType")?,
        })
    }
}

impl DeviceTextMessage {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(DeviceTextMessage {
            device_type: r.string("DeviceType")?,
            device_id: r.string("DeviceID")?,
            session_id: r.string("SessionID")?,
            content: r.string("Content")?,
            open_id: r.string("OpenID")?,
            msg_id: r.opt_string("MsgId")?,
        })
    }
}

#[cfg(test)]
#[path = "devices_test.rs"]
mod tests;
