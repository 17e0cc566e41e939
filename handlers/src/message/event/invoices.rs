//! Invoices.
//!
//! Electronic-invoice (电子发票) events for official accounts. No source publishes a sample of
//! them: the fields come from the peers' types, and the case of a few differs between peers
//! (`Source`/`source`, `AuthorizeAppId`/`AppId`), so both spellings are read. `submit_invoice_title`
//! and `cloud_invoice_invoiceresult_event` use lower-case fields.
use crate::message::error::MessageError;
use crate::message::read::Reader;

/// `user_authorize_invoice`: a user finished (or failed) authorising an invoice for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAuthorizeInvoiceEvent {
    /// `SuccOrderId`: the order authorised; empty or absent on failure.
    pub succ_order_id: Option<String>,
    /// `FailOrderId`: the order whose authorisation failed; empty or absent on success.
    pub fail_order_id: Option<String>,
    /// `AuthorizeAppId` (`AppId` in wechatpy; both are accepted): the app the authorisation was
    /// made for.
    pub authorize_app_id: Option<String>,
    /// `Source` (`source` in WxJava; both are accepted): where the authorisation page was opened:
    /// `web`, `app`, `wxa` or `wap`.
    pub source: Option<String>,
}

/// `submit_invoice_title`: a user submitted an invoice title through quick invoicing (快速开票).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitInvoiceTitleEvent {
    /// `title`: the invoice title (a person's or a company's name).
    pub title: String,
    /// `phone`: the contact phone number.
    pub phone: Option<String>,
    /// `tax_no`: the company's taxpayer id.
    pub tax_no: Option<String>,
    /// `addr`: the company's address.
    pub addr: Option<String>,
    /// `bank_type`: the company's bank.
    pub bank_type: Option<String>,
    /// `bank_no`: the company's bank account.
    pub bank_no: Option<String>,
    /// `attach`: the merchant's attachment set on the quick-invoicing QR code.
    pub attach: Option<String>,
    /// `title_type`: `InvoiceUserTitlePersonType` or `InvoiceUserTitleBusinessType`.
    pub title_type: String,
}

/// `update_invoice_status`: an invoice's reimbursement status changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateInvoiceStatusEvent {
    /// `Status`: `INVOICE_REIMBURSE_INIT`, `INVOICE_REIMBURSE_LOCK` or
    /// `INVOICE_REIMBURSE_CLOSURE`.
    pub status: String,
    /// `CardId`: the invoice's card id.
    pub card_id: String,
    /// `Code`: the invoice's code.
    pub code: String,
}

/// `cloud_invoice_invoiceresult_event`: the result of an invoice issued through cloud invoicing
/// (云开票). Only the two fields WxJava reads are typed; the rest stays in the message's `raw`
/// fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudInvoiceResultEvent {
    /// `fpqqlsh`: the invoice request's serial number (发票请求流水号).
    pub fpqqlsh: String,
    /// `nsrsbh`: the seller's taxpayer id (纳税人识别号).
    pub nsrsbh: Option<String>,
}

impl UserAuthorizeInvoiceEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UserAuthorizeInvoiceEvent {
            succ_order_id: r.opt_string("SuccOrderId")?,
            fail_order_id: r.opt_string("FailOrderId")?,
            authorize_app_id: r.opt_string_any(&["AuthorizeAppId", "AppId"])?,
            source: r.opt_string_any(&["Source", "source"])?,
        })
    }
}

impl SubmitInvoiceTitleEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(SubmitInvoiceTitleEvent {
            title: r.string("title")?,
            phone: r.opt_string("phone")?,
            tax_no: r.opt_string("tax_no")?,
            addr: r.opt_string("addr")?,
            bank_type: r.opt_string("bank_type")?,
            bank_no: r.opt_string("bank_no")?,
            attach: r.opt_string("attach")?,
            title_type: r.string("title_type")?,
        })
    }
}

impl UpdateInvoiceStatusEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(UpdateInvoiceStatusEvent {
            status: r.string("Status")?,
            card_id: r.string("CardId")?,
            code: r.string("Code")?,
        })
    }
}

impl CloudInvoiceResultEvent {
    /// Reads the payload from a push's top level.
    pub(crate) fn read(r: &Reader<'_>) -> Result<Self, MessageError> {
        Ok(CloudInvoiceResultEvent {
            fpqqlsh: r.string("fpqqlsh")?,
            nsrsbh: r.opt_string("nsrsbh")?,
        })
    }
}

#[cfg(test)]
#[path = "invoices_test.rs"]
mod tests;
