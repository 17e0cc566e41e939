//! Stores, POIs and merchants.
//!
//! The official-account store (门店) and legacy WeChat shop events use PascalCase fields; the
//! store mini program and "nearby" audits use snake_case ones. No source publishes a sample of
//! the audit events: their fields come from the peers' types, and everything a peer disagrees
//! on or marks conditional is optional.
use crate::message::error::MessageError;
use crate::message::read::Reader;

/// `poi_check_notify`: WeChat's review of a store (门店) created through the POI API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoiCheckNotifyEvent {
    /// `UniqId`: the merchant's own id for the store (`sid` when created).
    pub uniq_id: String,
    /// `PoiId`: WeChat's id for the store.
    pub poi_id: String,
    /// `Result`: `succ` or `fail`.
    pub result: String,
    /// `Msg` (`msg` in some sources; both are accepted): the reason of a failure, or a note.
    pub msg: Option<String>,
}

/// `apply_merchant_audit_info`, `add_store_audit_info` and `modify_store_audit_info`: the review
/// of a store mini program's merchant, or of a store added or modified through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreAuditEvent {
    /// `audit_id`: the review's id, as returned when it was requested.
    pub audit_id: String,
    /// `status`: the review's result (sources disagree on the codes: `1` passed, `2` under
    /// review, `3` refused per Senparc).
    pub status: u32,
    /// `reason`: why the review failed.
    pub reason: Option<String>,
    /// `is_upgrade` (`add_store_audit_info` only): `0` a new store, `1` supplemented information.
    pub is_upgrade: Option<u32>,
    /// `poiid` (`add_store_audit_info` only): the store's POI id, once there is one.
    pub poiid: Option<String>,
}

/// `create_map_poi_audit_info`: the review of a POI created in Tencent Maps.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateMapPoiAuditEvent {
    /// `audit_id`: the review's id.
    pub audit_id: String,
    /// `status`: the review's result (sources disagree on the codes).
    pub status: u32,
    /// `map_poi_id`: the POI's id in Tencent Maps.
    pub map_poi_id: Option<String>,
    /// `name`: the POI's name.
    pub name: Option<String>,
    /// `address`: the POI's address.
    pub address: Option<String>,
    /// `longitude`.
    pub longitude: Option<f64>,
    /// `latitude`.
    pub latitude: Option<f64>,
    /// `sh_remark`: the reviewer's remark.
    pub sh_remark: Option<String>,
}

/// `add_nearby_poi_audit_info`: the review of a mini program's "nearby" location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearbyPoiAuditEvent {
    /// `audit_id`: the review's id.
    pub audit_id: String,
    /// `status`: `3` passed, `2` refused.
    pub status: u32,
    /// `reason`: why the review failed.
    pub reason: Option<String>,
    /// `poi_id`: the location's POI id.
    pub poi_id: Option<String>,
}

/// `nearby_category_audit_info`: the review of a "nearby" category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearbyCategoryAuditEvent {
    /// `audit_id`: the review's id.
    pub audit_id: String,
    /// `status`: `3` passed, `2` refused.
    pub status: u32,
    /// `reason`: why the review failed.
    pub reason: Option<String>,
}

/// `merchant_order`: an order of the legacy WeChat shop (微信小店) was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantOrderEvent {
    /// `OrderId`: the order.
    pub order_id: String,
    /// `OrderStatus`: the order's status code.
    pub order_status: u32,
    /// `ProductId`: the product ordered.
    pub product_id: String,
    /// `SkuInfo`: the SKU, as `attr:value;attr:value`.
    pub sku_info: String,
}

impl PoiCheckNotifyEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(PoiCheckNotifyEvent {
            uniq_id: r.string("UniqId")?,
            poi_id: r.string("PoiId")?,
            result: r.string("Result")?,
            msg: r.opt_string_any(&["Msg", "msg"])?,
        })
    }
}

impl StoreAuditEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(StoreAuditEvent {
            audit_id: r.string("audit_id")?,
            status: r.unsigned("status")?,
            reason: r.opt_string("reason")?,
            is_upgrade: r.opt_unsigned("is_upgrade")?,
            poiid: r.opt_string("poiid")?,
        })
    }
}

impl CreateMapPoiAuditEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(CreateMapPoiAuditEvent {
            audit_id: r.string("audit_id")?,
            status: r.unsigned("status")?,
            map_poi_id: r.opt_string("map_poi_id")?,
            name: r.opt_string("name")?,
            address: r.opt_string("address")?,
            longitude: r.opt_float("longitude")?,
            latitude: r.opt_float("latitude")?,
            sh_remark: r.opt_string("sh_remark")?,
        })
    }
}

impl NearbyPoiAuditEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(NearbyPoiAuditEvent {
            audit_id: r.string("audit_id")?,
            status: r.unsigned("status")?,
            reason: r.opt_string("reason")?,
            poi_id: r.opt_string("poi_id")?,
        })
    }
}

impl NearbyCategoryAuditEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(NearbyCategoryAuditEvent {
            audit_id: r.string("audit_id")?,
            status: r.unsigned("status")?,
            reason: r.opt_string("reason")?,
        })
    }
}

impl MerchantOrderEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(MerchantOrderEvent {
            order_id: r.string("OrderId")?,
            order_status: r.unsigned("OrderStatus")?,
            product_id: r.string("ProductId")?,
            sku_info: r.string("SkuInfo")?,
        })
    }
}

#[cfg(test)]
#[path = "stores_test.rs"]
mod tests;
